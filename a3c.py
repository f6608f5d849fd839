"""A3C: asynchronous advantage actor-critic (Mnih et al. 2016), one worker's agent.

Each worker owns a local copy of the model. It acts for up to t_max steps with
the local parameters, then computes the n-step actor-critic loss over those
steps, applies the gradient to the shared parameters with the shared RMSProp
(no lock: Hogwild) and copies the shared parameters back into the local model.

The loss over the steps i of a segment, summed, not averaged:

    R_i        = r_i + gamma * R_{i+1},  R_n = V(s_n) (0 if s_n is terminal)
    A_i        = R_i - V(s_i)                           (held constant)
    pi loss    = -sum_i log pi(a_i|s_i) A_i - beta * sum_i H(pi(.|s_i))
    value loss = v_loss_coef * sum_i (R_i - V(s_i))^2 / 2   (v_loss_coef = 0.5)

pi is a softmax over discrete actions (A3CLoss), or a Gaussian over continuous
ones (gaussian_policy.py's GaussianA3CLoss). An episode cut short by a time
limit (truncated) bootstraps R_n from the value of its last state.

Acting needs no gradient, so it runs without a graph; the update runs the
local model once more on the segment's states as one batch. The local
parameters do not change inside a segment, so this gives the same loss and
gradient as keeping each acting step's graph, in one pass; and the torso's
layers (two convolutions and the fully connected layer), nearly all of the
forward pass, and the LSTM's recurrence are not computed again: acting keeps
their results and the update replays them. V(s_n), which only starts the returns, is one forward
pass without a graph (as the original's, with the parameters that acted and,
for the LSTM, the recurrent state acting left), so that the backward pass
runs over the n states that carry a gradient only. For the LSTM the segment
starts from the recurrent state the acting saw before s_0, held constant
(truncated backpropagation through time).
"""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

from gaussian_policy import GaussianA3CLoss, GaussianPolicyOutput
from local_model import LocalModel
from models import phi
from segment_loss import SegmentLoss
from training_stats import add_update


def learning_rate(global_step, total_steps, initial_lr):
    """Linear annealing from initial_lr at step 0 to 0 at total_steps, driven by the global counter."""
    return initial_lr * max(0.0, 1.0 - global_step / total_steps)


def n_step_returns(rewards, bootstrap_value, gamma):
    """R_i = r_i + gamma * R_{i+1} back from R_n = bootstrap_value."""
    returns = np.empty(len(rewards), np.float32)
    # In float64, as numpy 1 promoted these scalars; numpy 2 (NEP 50) would round each to float32.
    R = float(bootstrap_value)
    for i in reversed(range(len(rewards))):
        R = float(rewards[i]) + gamma * R
        returns[i] = R
    return returns


class A3CLoss(SegmentLoss):
    """The summed actor-critic loss of one segment, as one node with its closed-form gradient.

    Inputs: logits (m, n_actions) and values (m, 1) of the model for m >= n
    states, of which the first n = len(actions) are the segment's; later rows
    (the bootstrap state) get no gradient. With pi = softmax(logits),
    H = -sum pi log pi and A = R - V held constant:

        loss          = -sum_i A_i log pi(a_i|s_i) - beta sum_i H_i + v_loss_coef sum_i (R_i - V_i)^2 / 2
        d loss/dlogit = -A (onehot(a) - pi) + beta pi (log pi + H)
        d loss/dV     = -v_loss_coef (R - V)

    One node instead of a dozen small ones: the update is a hot path.
    """
    action_dtype = np.int64

    def forward(self, inputs):
        self.input_shapes = [x.shape for x in inputs]
        n = len(self.actions)
        logits, values = inputs[0][:n], inputs[1][:n, 0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        self.log_pi = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.pi = np.exp(self.log_pi)
        entropy = -(self.pi * self.log_pi).sum(axis=1)
        return self.summed_loss(self.log_pi[np.arange(n), self.actions], entropy, values)

    def backward(self, indexes, grad_outputs):
        n = len(self.actions)
        taken = np.zeros_like(self.pi)
        taken[np.arange(n), self.actions] = 1
        glogits = (-(taken - self.pi) * self.advantages[:, None]
                   + self.beta * self.pi * (self.log_pi + self.entropy[:, None]))
        return self.gradients(grad_outputs[0].array, [glogits])


def a3c_loss(logits, values, actions, returns, beta, v_loss_coef):
    """The summed actor-critic loss of one segment (see A3CLoss and the module's docstring)."""
    return A3CLoss(actions, returns, beta, v_loss_coef).apply((logits, values))[0]


class A3C(LocalModel):
    """One worker's agent.

    model: the worker's local model. shared_params, shared_stats: flat vectors
    in shared memory (the global parameters, RMSProp's statistics).
    optimizer: an RMSpropAsync. Set `lr` before each step (the schedule is
    driven by the global step counter). sums, if given, is this worker's row of
    training_stats.SharedSums: each update adds its figures there.
    """

    def __init__(self, model, shared_params, shared_stats, optimizer, rng,
                 t_max=5, gamma=0.99, beta=0.01, v_loss_coef=0.5, lr=7e-4, sums=None):
        super().__init__(model, shared_params, shared_stats, optimizer)  # the local copy, the Hogwild step
        self.rng = rng
        self.t_max = t_max
        self.gamma = gamma
        self.beta = beta
        self.v_loss_coef = v_loss_coef
        self.lr = lr
        self.sums = sums
        self.inputs = None  # the segment's states as the model reads them
        self.kept = [[] for _ in range(t_max)]  # per state: what its layers kept for the replay
        self.actions = np.zeros((t_max,) + model.pi.action_shape, model.pi.action_dtype)
        self.rewards = np.zeros(t_max, np.float32)
        self.n_steps = 0
        self.recurrent_state = None        # LSTM state after the last acted state
        self.segment_start_state = None    # LSTM state before the segment's first state

    def act_and_train(self, state, reward):
        """Take the reward of the previous action and the next state; return the next action.

        After t_max actions this first trains on them, bootstrapping from state.
        """
        if self.n_steps > 0:
            self.rewards[self.n_steps - 1] = reward
        if self.n_steps == self.t_max:
            self.update(bootstrap_state=state)
        kept = self.kept[self.n_steps]
        kept.clear()
        if self.inputs is None:
            self.inputs = np.empty((self.t_max,) + state.shape, np.float32)
        x = phi(state[None], out=self.inputs[self.n_steps:self.n_steps + 1])  # kept for the update
        self.observe(x[0])
        with chainer.no_backprop_mode():
            pout, _, self.recurrent_state = self.model(x, self.recurrent_state, keep=kept)
        action = pout.sample(self.rng)
        self.actions[self.n_steps] = action
        self.n_steps += 1
        return action

    def stop_episode_and_train(self, reward, bootstrap_state=None):
        """The last action ended the episode with reward: train on what is left, start afresh.
        bootstrap_state: the last state of an episode cut short (truncated), whose value starts the
        returns; None at a terminal state, whose value is 0."""
        if self.n_steps > 0:
            self.rewards[self.n_steps - 1] = reward
            self.update(bootstrap_state=bootstrap_state)
        self.recurrent_state = None
        self.segment_start_state = None

    def update(self, bootstrap_state):
        """Train on the segment's n steps: loss, gradient, shared RMSProp step, copy back.

        bootstrap_state is s_n, whose value (by the parameters that acted) starts
        the returns; None at a terminal.
        """
        n = self.n_steps
        bootstrap_value = 0.0
        if bootstrap_state is not None:
            with chainer.no_backprop_mode():  # it only starts the returns: no gradient, no graph
                _, value, _ = self.model(phi(bootstrap_state[None]), self.recurrent_state)
            bootstrap_value = float(value.array[0, 0])
        pout, values, _ = self.model(self.inputs[:n], self.segment_start_state, replay=stack_kept(self.kept[:n]))
        returns = n_step_returns(self.rewards[:n], bootstrap_value, self.gamma)
        if isinstance(pout, GaussianPolicyOutput):
            loss_node = GaussianA3CLoss(self.actions[:n], returns, self.beta, self.v_loss_coef)
            loss = loss_node.apply((pout.mean, pout.var, values))[0]
        else:
            loss_node = A3CLoss(self.actions[:n], returns, self.beta, self.v_loss_coef)
            loss = loss_node.apply((pout.logits, values))[0]
        grad_norm = self.apply(loss, self.lr)  # shared RMSProp step, copied back
        if self.sums is not None:  # for stats.csv
            add_update(self.sums, n, (loss_node.entropy.sum(), loss_node.values.sum(), loss_node.advantages.sum(),
                                      loss_node.policy_loss, loss_node.value_loss, grad_norm,
                                      grad_norm > self.optimizer.max_grad_norm))

        self.n_steps = 0
        self.segment_start_state = detach(self.recurrent_state)


def stack_kept(kept):
    """What acting kept of several states' torso layers, as one replay: per layer, what each
    state kept (column matrix and output, or output), stacked in order."""
    return [tuple(stack_rows(arrays) for arrays in zip(*layer)) for layer in zip(*kept)]


def stack_rows(arrays):
    """np.concatenate(arrays), in the arrays' own memory order: a convolution's blocks are
    column-major, and its weight gradient's product is faster on them so (bench/README.md)."""
    if arrays[0].ndim == 2 and not arrays[0].flags.c_contiguous:
        return np.concatenate([a.T for a in arrays], axis=1).T
    return np.concatenate(arrays)


def detach(recurrent_state):
    """The same LSTM state, cut from the graph that produced it."""
    if recurrent_state is None:
        return None
    return tuple(chainer.Variable(v.array) for v in recurrent_state)
