"""Policy head: a linear layer to one logit per action, and the softmax policy it defines."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
from cached_property import cached_property

from linear import linear


class FCSoftmaxPolicy(chainer.ChainList):
    action_shape = ()  # an action is an index
    action_dtype = np.int32

    def __init__(self, n_input_channels, n_actions):
        super().__init__(L.Linear(n_input_channels, n_actions))

    def forward(self, h):
        return SoftmaxPolicyOutput(linear(h, self[0].W, self[0].b))


class SoftmaxPolicyOutput:
    """pi(.|s) for a batch of states, given their logits (batch, n_actions)."""

    def __init__(self, logits):
        self.logits = logits

    @cached_property
    def probs(self):
        return F.softmax(self.logits)

    @cached_property
    def log_probs(self):
        return F.log_softmax(self.logits)

    @cached_property
    def entropy(self):
        return -F.sum(self.probs * self.log_probs, axis=1)

    def log_prob(self, actions):
        """log pi(a|s) for one action per state."""
        return F.select_item(self.log_probs, np.asarray(actions, np.int32))

    def sample(self, rng, deterministic=False):
        """An action for the first state: drawn from pi, or the most probable one."""
        return choose_action(self.logits.array[0], rng, deterministic)


def choose_action(logits, rng, deterministic=False):
    """Sample an action from softmax(logits) of one state, or take the most probable one."""
    if deterministic:
        return int(np.argmax(logits))
    probs = np.exp(logits - logits.max())
    cumulative = np.cumsum(probs)
    # The threshold in float64 on numpy 1 and 2 alike (numpy 2 would round it to float32).
    action = np.searchsorted(cumulative, rng.random_sample() * float(cumulative[-1]), side='right')
    return int(min(action, len(logits) - 1))
