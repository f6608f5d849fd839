"""Action-value head for the Q-learning methods: a linear layer to one Q(s, a) per action, and the
epsilon-greedy choice it defines (training's exploration, the evaluation's and the demo's)."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.links as L
import numpy as np

from linear import linear


class FCQFunction(chainer.ChainList):
    action_shape = ()  # an action is an index
    action_dtype = np.int32

    def __init__(self, n_input_channels, n_actions):
        super().__init__(L.Linear(n_input_channels, n_actions))

    def forward(self, h):
        return linear(h, self[0].W, self[0].b)


class EpsilonGreedy:
    """The epsilon-greedy choice over Q(s, .) of a batch of states, given as a (batch, n_actions)
    Variable: with probability epsilon a uniformly random action, else the greedy one."""

    def __init__(self, q, epsilon):
        self.q = q
        self.epsilon = epsilon

    def sample(self, rng, deterministic=False):
        """An action for the first state; deterministic: the greedy one, never a random one."""
        q = self.q.array[0]
        if not deterministic and rng.random_sample() < self.epsilon:
            return int(rng.randint(len(q)))
        return int(np.argmax(q))
