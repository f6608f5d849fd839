"""--lstm-forget-bias: where a new A3C LSTM's forget gates start, and what that does to its memory."""
import chainer
import h5py
import numpy as np
import pytest

from conftest import run_script
from model_spec import ModelSpec
from models import make_model
from test_cli_errors import assert_usage_error

SPEC = ModelSpec(2, 4, vector_input=True)


def forget_gate_biases(model_or_b):
    b = model_or_b.lstm.upward.b.array if hasattr(model_or_b, 'lstm') else model_or_b
    return np.asarray(b).reshape(-1, 4)[:, 2]  # Chainer's gates a, i, f, o, interleaved by unit


def cell_after_blank_steps(model, first_observation, blank_steps):
    states = np.zeros((1 + blank_steps, 4), np.float32)
    states[0] = first_observation
    with chainer.no_backprop_mode():
        _, _, (c, _) = model(states)
    return getattr(c, 'array', c)[0]


def test_the_forget_gates_start_at_the_bias_and_the_cell_keeps_more_of_a_first_observation():
    torch_like = make_model(SPEC, True, np.random.RandomState(0))
    biased = make_model(SPEC, True, np.random.RandomState(0), lstm_forget_bias=1.0)
    assert np.all(forget_gate_biases(biased) == 1.0)
    assert np.abs(forget_gate_biases(torch_like)).max() < 0.1  # Torch's start: uniform in +-1/sqrt(200)
    others = np.ones(torch_like.lstm.upward.b.shape, bool).reshape(-1, 4)
    others[:, 2] = False
    b, b0 = biased.lstm.upward.b.array.reshape(-1, 4), torch_like.lstm.upward.b.array.reshape(-1, 4)
    np.testing.assert_array_equal(b[others], b0[others])  # nothing else changes
    # How much of a first observation is left in the cell after six blank steps: with the forget
    # gates near sigmoid(0) = 0.5 about 0.5^6 of it, with sigmoid(1) = 0.73 about 0.73^6.
    one, other = np.array([3, 0, 0, 0], np.float32), np.array([0, 0, 3, 0], np.float32)
    kept = {name: np.abs(cell_after_blank_steps(m, one, 6) - cell_after_blank_steps(m, other, 6)).mean()
            for name, m in (('torch_like', torch_like), ('biased', biased))}
    assert kept['biased'] > 3 * kept['torch_like'], kept


def test_the_trainer_starts_a_new_lstm_there_and_refuses_it_where_it_means_nothing(tmp_path):
    pytest.importorskip('gymnasium', reason='gymnasium is not installed (make setup-gym installs it)')
    outdir = tmp_path / 'run'
    result = run_script('a3c_gym.py', '1', 'CartPole-v1', '--use-lstm', '--lstm-forget-bias', '1', '--steps', '50',
                        '--eval-frequency', '50', '--eval-n-runs', '1', '--seed', '0', '--outdir', str(outdir))
    assert result.returncode == 0, result.stderr
    with h5py.File(outdir / '50_finish.h5', 'r') as f:
        trained = forget_gate_biases(f['1/upward/b'][...])
    assert np.abs(trained - 1).max() < 0.05, trained  # 50 steps at lr 7e-4 move them little
    refused = tmp_path / 'refused'
    assert_usage_error(run_script('a3c_gym.py', '1', 'CartPole-v1', '--lstm-forget-bias', '1',
                                  '--outdir', str(refused)),
                       '--lstm-forget-bias is for A3C LSTM: add --use-lstm or drop it')
    assert_usage_error(run_script('a3c_gym.py', '1', 'CartPole-v1', '--use-lstm', '--lstm-forget-bias', '1',
                                  '--load', str(outdir / '50_finish.h5'), '--outdir', str(refused)),
                       "--lstm-forget-bias sets a new model's start, but --load starts from MODEL: drop one")
    assert not refused.exists()
