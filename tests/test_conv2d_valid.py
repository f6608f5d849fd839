"""The torso's convolution equals Chainer's, forward and backward."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from conv2d_valid import convolution_2d_valid


@pytest.mark.parametrize('batch, channels, size, out_channels, kernel, stride', [
    (6, 4, 84, 16, 8, 4),   # conv1 on an update's segment
    (1, 4, 84, 16, 8, 4),   # conv1 when acting
    (5, 16, 20, 32, 4, 2),  # conv2
    (2, 3, 11, 5, 3, 2),    # a size where the stride leaves pixels unused
])
def test_convolution_2d_valid_matches_chainer(batch, channels, size, out_channels, kernel, stride):
    rng = np.random.RandomState(0)
    x = rng.rand(batch, channels, size, size).astype(np.float32)
    W = (0.1 * rng.randn(out_channels, channels, kernel, kernel)).astype(np.float32)
    b = rng.randn(out_channels).astype(np.float32)
    results = []
    for convolution in (lambda x, W, b: F.convolution_2d(x, W, b, stride=stride),
                        lambda x, W, b: convolution_2d_valid(x, W, b, stride)):
        variables = [chainer.Variable(array.copy()) for array in (x, W, b)]
        y = convolution(*variables)
        weights = np.random.RandomState(1).randn(*y.shape).astype(np.float32)
        F.sum(y * weights).backward()
        results.append([y.array] + [variable.grad for variable in variables])
    for name, ours, chainers in zip(('y', 'gx', 'gW', 'gb'), results[1], results[0]):
        assert ours.shape == chainers.shape, name
        np.testing.assert_allclose(ours, chainers, rtol=1e-4, atol=1e-4, err_msg=name)
