"""The convolutional torso of the NIPS 2013 DQN, which A3C uses for Atari."""
import chainer
import chainer.functions as F
import chainer.links as L


class NIPSDQNHead(chainer.ChainList):
    """conv 16x8x8 stride 4, conv 32x4x4 stride 2, fully connected 2592 -> 256, all ReLU."""

    def __init__(self, n_input_channels=4, n_output_channels=256):
        self.n_output_channels = n_output_channels
        super().__init__(
            L.Convolution2D(n_input_channels, 16, 8, stride=4),
            L.Convolution2D(16, 32, 4, stride=2),
            L.Linear(2592, n_output_channels),
        )

    def forward(self, x):
        h = x
        for layer in self:
            h = F.relu(layer(h))
        return h
