"""The torso for physical-state (vector) observations: one fully connected layer of 200 ReLU units,
the paper's for its continuous-control tasks (Mnih et al. 2016, supplementary section 9)."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.links as L

from linear import linear


class FCHead(chainer.ChainList):

    def __init__(self, n_input_channels, n_output_channels=200):
        self.n_output_channels = n_output_channels
        super().__init__(L.Linear(n_input_channels, n_output_channels))

    def forward(self, x, keep=None, replay=None):
        """keep, replay: see linear (replay holds one tuple per layer, as NIPSDQNHead's)."""
        return linear(x, self[0].W, self[0].b, relu=True, keep=keep, replay=(replay or (None,))[0])
