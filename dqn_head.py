"""The convolutional torso of the NIPS 2013 DQN, which A3C uses for Atari."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.links as L

from conv2d_valid import convolution_2d_valid
from linear import linear


class NIPSDQNHead(chainer.ChainList):
    """conv 16x8x8 stride 4, conv 32x4x4 stride 2, fully connected 2592 -> 256, all ReLU.

    The layers are Chainer links (their weights and file layout are Chainer's)
    applied with convolution_2d_valid and linear (each with its ReLU in the same
    node), which compute the same functions faster on the CPU.
    """

    def __init__(self, n_input_channels=4, n_output_channels=256):
        self.n_output_channels = n_output_channels
        super().__init__(
            L.Convolution2D(n_input_channels, 16, 8, stride=4),
            L.Convolution2D(16, 32, 4, stride=2),
            L.Linear(2592, n_output_channels),
        )

    def forward(self, x, keep=None, replay=None):
        """keep, replay: see convolution_2d_valid and linear (replay holds one tuple per layer)."""
        conv1, conv2, fc = self
        replay = replay or (None, None, None)
        h = convolution_2d_valid(x, conv1.W, conv1.b, conv1.stride[0], relu=True, keep=keep, replay=replay[0])
        h = convolution_2d_valid(h, conv2.W, conv2.b, conv2.stride[0], relu=True, keep=keep, replay=replay[1])
        return linear(h, fc.W, fc.b, relu=True, keep=keep, replay=replay[2])
