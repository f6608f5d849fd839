"""The paper's asynchronous value-based methods (Mnih et al. 2016, Algorithms 1 and S2): n-step
Q-learning, one-step Q-learning and one-step Sarsa; one worker's agent.

Each worker acts epsilon-greedily on its local copy of Q(s, .; theta) for up to t_max steps (or to the
episode's end), then applies the summed squared error of the segment's steps to the shared parameters
with the shared RMSProp (Hogwild) and copies them back, as a3c.py does. The targets y_i come from
a target network theta- (shared by every worker, copied from the shared parameters every
--target-update-interval global steps by whichever worker's step reaches it: train_async.py):

    n-step Q        y_i = r_i + gamma y_{i+1},  y_n = max_a Q(s_n, a; theta-)       (Algorithm S2)
    one-step Q      y_i = r_i + gamma max_a Q(s_{i+1}, a; theta-)                  (Algorithm 1)
    one-step Sarsa  y_i = r_i + gamma Q(s_{i+1}, a_{i+1}; theta-), a_{i+1} the action taken next
    loss            sum_i (y_i - Q(s_i, a_i; theta))^2                              (summed, not averaged)

with 0 in place of the target network's term after a terminal state. An episode cut by a time
limit (truncated) bootstraps from its last state, as A3C's does; for Sarsa from the action the worker
would take there. The one-step methods accumulate the gradients of their one-step errors over the
same t_max steps before one shared update (the paper's I_AsyncUpdate = 5); all three act with the
local parameters, which change only at an update (Algorithm 1 acts with the shared ones, which
other workers change meanwhile: a difference of timing, not of the rule).

As in a3c.py, acting keeps the torso's results and the update replays them in one batched pass; the
target network runs once per update, on the one state n-step Q needs or the segment's next states.
"""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

from a3c import n_step_returns, stack_kept
from local_model import LocalModel
from models import phi
from training_stats import add_update

METHODS = ('n-step-q', 'one-step-q', 'one-step-sarsa')


class QLoss(chainer.FunctionNode):
    """sum_i (y_i - Q(s_i, a_i))^2 over a segment's Q(s_i, .) (n, n_actions), as one node with its
    closed-form gradient: d loss / dQ(s_i, a_i) = -2 (y_i - Q(s_i, a_i)), 0 for the other actions."""

    def __init__(self, actions, targets):
        self.actions = np.asarray(actions, np.int64)
        self.targets = np.asarray(targets, np.float32)

    def forward(self, inputs):
        q, = inputs
        self.shape = q.shape
        self.taken = q[np.arange(len(self.actions)), self.actions]
        self.td_errors = self.targets - self.taken
        # Reported in float64 (it feeds statistics); the gradient is float32.
        self.loss = float((self.td_errors.astype(np.float64) ** 2).sum())
        return np.asarray(self.loss, np.float32),

    def backward(self, indexes, grad_outputs):
        gradient = np.zeros(self.shape, np.float32)
        gradient[np.arange(len(self.actions)), self.actions] = -2 * self.td_errors * grad_outputs[0].array
        return chainer.Variable(gradient),


def one_step_targets(rewards, next_values, gamma):
    """y_i = r_i + gamma * next_values[i] (next_values[i]: 0 after a terminal state), in float64
    as n_step_returns computes, rounded to float32."""
    return (np.asarray(rewards, np.float64) + gamma * np.asarray(next_values, np.float64)).astype(np.float32)


class AsyncQLearner(LocalModel):
    """One worker's agent for method (one of METHODS).

    model: the worker's local QNetwork; target_model: a QNetwork whose parameters are the shared
    target network's (bound to it: nothing copied). shared_params, shared_stats, optimizer, sums: as
    A3C's. Set `lr` and `epsilon` before each step (the global counter drives both).
    """

    def __init__(self, model, target_model, shared_params, shared_stats, optimizer, rng, method,
                 t_max=5, gamma=0.99, lr=7e-4, epsilon=1.0, sums=None):
        if method not in METHODS:
            raise ValueError(f'unknown method {method!r}')
        super().__init__(model, shared_params, shared_stats, optimizer)  # the local copy, the Hogwild step
        self.target_model = target_model
        self.rng = rng
        self.method = method
        self.t_max = t_max
        self.gamma = gamma
        self.lr = lr
        self.epsilon = epsilon
        self.sums = sums
        self.inputs = None  # the segment's states as the model reads them, and the state after them
        self.kept = [[] for _ in range(t_max)]  # per state: what its layers kept for the replay
        self.actions = np.zeros(t_max + 1, np.int64)  # and, for Sarsa, the action taken after them
        self.rewards = np.zeros(t_max, np.float32)
        self.n_steps = 0

    def act_and_train(self, state, reward):
        """Take the reward of the previous action and the next state; return the next action.

        After t_max actions this first trains on them, with state as the one after the segment.
        """
        if self.n_steps > 0:
            self.rewards[self.n_steps - 1] = reward
        self.read(state)
        if self.n_steps == self.t_max:
            next_action = None
            if self.method == 'one-step-sarsa':  # a' is chosen before the update, as the worker takes it
                next_action = self.choose(self.n_steps)
            self.update(terminal=False, next_action=next_action)
            self.inputs[0] = self.inputs[self.t_max]  # state starts the next segment
            if next_action is not None:
                self.act(0)  # again, with the new parameters, for what the replay needs; a' stays
                self.actions[0] = next_action
                self.n_steps = 1
                return next_action
        action = self.act(self.n_steps)
        self.actions[self.n_steps] = action
        self.n_steps += 1
        return action

    def stop_episode_and_train(self, reward, bootstrap_state=None):
        """The last action ended the episode with reward: train on what is left, start afresh.
        bootstrap_state: the last state of an episode cut short (truncated), from which the targets
        bootstrap; None at a terminal state, whose value is 0."""
        if self.n_steps > 0:
            self.rewards[self.n_steps - 1] = reward
            next_action = None
            if bootstrap_state is not None:
                self.read(bootstrap_state, observed=False)
                if self.method == 'one-step-sarsa':
                    next_action = self.choose(self.n_steps)
            self.update(terminal=bootstrap_state is None, next_action=next_action)
        self.n_steps = 0

    def read(self, state, observed=True):
        """state as the model reads it, into the row after the segment's states so far; observed: a
        state acted on, which --normalize-obs's statistics count (a truncated episode's last is not)."""
        if self.inputs is None:
            self.inputs = np.empty((self.t_max + 1,) + state.shape, np.float32)
        x = phi(state[None], out=self.inputs[self.n_steps:self.n_steps + 1])
        if observed:
            self.observe(x[0])

    def act(self, row):
        """The epsilon-greedy action for the state in row, keeping the torso's results for the update."""
        kept = self.kept[row]
        kept.clear()
        with chainer.no_backprop_mode():
            choice, _, _ = self.model(self.inputs[row:row + 1], keep=kept)
        choice.epsilon = self.epsilon
        return choice.sample(self.rng)

    def choose(self, row):
        """The epsilon-greedy action for the state in row, keeping nothing (Sarsa's a' before the update)."""
        with chainer.no_backprop_mode():
            choice, _, _ = self.model(self.inputs[row:row + 1])
        choice.epsilon = self.epsilon
        return choice.sample(self.rng)

    def targets(self, terminal, next_action):
        """The segment's targets y_i from the target network (see the module's docstring)."""
        n = self.n_steps
        if self.method == 'n-step-q':
            bootstrap = 0.0
            if not terminal:
                bootstrap = float(self.target_q(self.inputs[n:n + 1]).max())
            return n_step_returns(self.rewards[:n], bootstrap, self.gamma)
        # One-step: Q(s_{i+1}, .; theta-) of each next state in one pass (none after a terminal: 0).
        m = n - 1 if terminal else n
        next_values = np.zeros(n, np.float64)
        if m > 0:
            next_q = self.target_q(self.inputs[1:m + 1])
            if self.method == 'one-step-q':
                next_values[:m] = next_q.max(axis=1)
            else:
                next_actions = self.actions[1:n + 1].copy()
                if not terminal:
                    next_actions[n - 1] = next_action
                next_values[:m] = next_q[np.arange(m), next_actions[:m]]
        return one_step_targets(self.rewards[:n], next_values, self.gamma)

    def target_q(self, x):
        with chainer.no_backprop_mode():
            _, q, _ = self.target_model(x)
        return q.array

    def update(self, terminal, next_action=None):
        """Train on the segment's n steps: loss, gradient, shared RMSProp step, copy back."""
        n = self.n_steps
        targets = self.targets(terminal, next_action)
        _, q, _ = self.model(self.inputs[:n], replay=stack_kept(self.kept[:n]))
        loss_node = QLoss(self.actions[:n], targets)
        loss = loss_node.apply((q,))[0]
        grad_norm = self.apply(loss, self.lr)  # shared RMSProp step, copied back
        if self.sums is not None:  # for stats.csv
            td = loss_node.td_errors
            add_update(self.sums, n, (loss_node.taken.sum(), td.sum(), np.abs(td).sum(), loss_node.loss, grad_norm,
                                      grad_norm > self.optimizer.max_grad_norm, self.epsilon))
        self.n_steps = 0
