"""State-value head: a linear layer from the torso's features to V(s)."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.links as L

from linear import linear


class FCVFunction(chainer.ChainList):

    def __init__(self, n_input_channels):
        super().__init__(L.Linear(n_input_channels, 1))

    def forward(self, h):
        return linear(h, self[0].W, self[0].b)
