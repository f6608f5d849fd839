"""The fused LSTM recurrence equals Chainer's F.lstm stepped one step at a time."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from lstm_sequence import lstm_sequence


def lstm_step_by_step(upward, lateral_W, c, h):
    outputs = []
    for t in range(upward.shape[0]):
        c, h = F.lstm(c, upward[t:t + 1] + F.matmul(h, lateral_W, transb=True))
        outputs.append(h)
    return F.concat(outputs, axis=0), c, h


@pytest.mark.parametrize('steps', [1, 2, 6])
def test_lstm_sequence_matches_f_lstm_forward_and_backward(steps):
    rng = np.random.RandomState(steps)
    n = 8
    arrays = [rng.randn(steps, 4 * n).astype(np.float32), (0.3 * rng.randn(4 * n, n)).astype(np.float32),
              rng.randn(1, n).astype(np.float32), rng.randn(1, n).astype(np.float32)]
    weights = [rng.randn(steps, n).astype(np.float32), rng.randn(1, n).astype(np.float32),
               rng.randn(1, n).astype(np.float32)]
    results = []
    for run in (lstm_step_by_step, lstm_sequence):
        variables = [chainer.Variable(array.copy()) for array in arrays]
        outputs = run(*variables)
        F.sum(sum(F.sum(output * weight) for output, weight in zip(outputs, weights))).backward()
        results.append([output.array for output in outputs] + [variable.grad for variable in variables])
    names = ['hs', 'c', 'h', 'g_upward', 'g_lateral_W', 'g_c0', 'g_h0']
    for name, ours, reference in zip(names, results[1], results[0]):
        np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-5, err_msg=name)
