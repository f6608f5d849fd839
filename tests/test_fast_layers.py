"""The torso's layers (convolution_2d_valid, linear) equal Chainer's, forward and backward, and
replaying what acting kept gives the same graph as computing it again."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from a3c import stack_kept
from conv2d_valid import convolution_2d_valid
from dqn_head import NIPSDQNHead
from linear import linear


@pytest.mark.parametrize('relu', [False, True])
@pytest.mark.parametrize('batch, channels, size, out_channels, kernel, stride', [
    (6, 4, 84, 16, 8, 4),   # conv1 on an update's segment
    (1, 4, 84, 16, 8, 4),   # conv1 when acting
    (5, 16, 20, 32, 4, 2),  # conv2
    (2, 3, 11, 5, 3, 2),    # a kernel that is not a multiple of the stride: zero-padded
    (2, 3, 13, 5, 4, 2),    # a size where the stride leaves pixels unused
    (1, 2, 9, 3, 3, 3),     # kernel = stride: the blocks are the windows
])
def test_convolution_2d_valid_matches_chainer(batch, channels, size, out_channels, kernel, stride, relu):
    rng = np.random.RandomState(0)
    x = rng.rand(batch, channels, size, size).astype(np.float32)
    W = (0.1 * rng.randn(out_channels, channels, kernel, kernel)).astype(np.float32)
    b = (0.1 * rng.randn(out_channels)).astype(np.float32)  # some outputs on each side of ReLU's 0
    activation = F.relu if relu else F.identity
    assert_same_function(lambda x, W, b: activation(F.convolution_2d(x, W, b, stride=stride)),
                         lambda x, W, b: convolution_2d_valid(x, W, b, stride, relu=relu), x, W, b)


@pytest.mark.parametrize('relu', [False, True])
@pytest.mark.parametrize('batch', [1, 6])
def test_linear_matches_chainer(batch, relu):
    rng = np.random.RandomState(0)
    x = rng.rand(batch, 32, 9, 9).astype(np.float32) - 0.5  # conv2's output, flattened by the layer
    W = (0.01 * rng.randn(256, 2592)).astype(np.float32)
    b = (0.1 * rng.randn(256)).astype(np.float32)
    activation = F.relu if relu else F.identity
    assert_same_function(lambda x, W, b: activation(F.linear(x, W, b)),
                         lambda x, W, b: linear(x, W, b, relu=relu), x, W, b)


def assert_same_function(chainers_function, ours, x, W, b):
    results = []
    for function in (chainers_function, ours):
        variables = [chainer.Variable(array.copy()) for array in (x, W, b)]
        y = function(*variables)
        weights = np.random.RandomState(1).randn(*y.shape).astype(np.float32)
        F.sum(y * weights).backward()
        results.append([y.array] + [variable.grad for variable in variables])
    for name, theirs, mine in zip(('y', 'gx', 'gW', 'gb'), *results):
        assert mine.shape == theirs.shape, name
        assert np.any(mine != 0), name  # ReLU has not cut everything
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-4, err_msg=name)


def test_replaying_the_kept_layers_gives_the_computed_outputs_and_gradients():
    rng = np.random.RandomState(0)
    head = NIPSDQNHead()
    x = rng.rand(6, 4, 84, 84).astype(np.float32)
    kept = [[] for _ in x]
    with chainer.no_backprop_mode():
        for row, row_kept in zip(x, kept):  # one state at a time, as acting does
            head(row[None], keep=row_kept)
    assert [len(row_kept) for row_kept in kept] == [3] * 6  # two convolutions and the linear layer
    results = []
    for replay in (None, stack_kept(kept)):
        head.cleargrads()
        h = head(x, replay=replay)
        F.sum(h * np.random.RandomState(1).randn(*h.shape).astype(np.float32)).backward()
        results.append([h.array] + [param.grad.copy() for param in head.params()])
    for computed, replayed in zip(*results):
        np.testing.assert_allclose(replayed, computed, rtol=1e-4, atol=1e-5)


def test_replaying_what_lstm_acting_kept_gives_the_computed_outputs_and_gradients():
    from model_spec import ModelSpec
    from models import make_model
    rng = np.random.RandomState(0)
    model = make_model(ModelSpec(4), True, rng)
    x = rng.rand(5, 4, 84, 84).astype(np.float32)
    kept, recurrent_state = [[] for _ in x], None
    with chainer.no_backprop_mode():
        for row, row_kept in zip(x, kept):  # one state at a time, carrying the LSTM's state, as acting does
            _, _, recurrent_state = model(row[None], recurrent_state, keep=row_kept)
    assert [len(row_kept) for row_kept in kept] == [5] * 5  # the torso, the input weights, the recurrence
    results = []
    for replay in (None, stack_kept(kept)):
        model.cleargrads()
        pout, values, (c, h) = model(x, None, replay=replay)
        weights = np.random.RandomState(1).randn(*pout.logits.shape).astype(np.float32)
        (F.sum(pout.logits * weights) + F.sum(values) + F.sum(c) + F.sum(h)).backward()
        results.append([pout.logits.array, values.array, c.array, h.array]
                       + [param.grad.copy() for param in model.params()])
    # the replay took the recurrence's states from acting, not computed again
    np.testing.assert_array_equal(results[1][2], recurrent_state[0].array)
    np.testing.assert_array_equal(results[1][3], recurrent_state[1].array)
    for computed, replayed in zip(*results):
        np.testing.assert_allclose(replayed, computed, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('use_lstm', [False, True])
def test_acting_without_a_graph_gives_the_graphs_outputs(use_lstm):
    from model_spec import ModelSpec
    from models import make_model
    rng = np.random.RandomState(0)
    model = make_model(ModelSpec(6), use_lstm, rng)
    x = rng.rand(3, 4, 84, 84).astype(np.float32)
    pout, values, recurrent = model(x, None)
    assert pout.logits.creator is not None  # a graph was built
    with chainer.no_backprop_mode():
        pout_acting, values_acting, recurrent_acting = model(x, None)
    assert pout_acting.logits.creator is None and values_acting.creator is None  # none was
    np.testing.assert_array_equal(pout_acting.logits.array, pout.logits.array)
    np.testing.assert_array_equal(values_acting.array, values.array)
    if use_lstm:
        for acting, graph in zip(recurrent_acting, recurrent):
            np.testing.assert_array_equal(acting.array, graph.array)
