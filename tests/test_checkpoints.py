"""Model files: the original's HDF5 layout, exact round trips, clear refusals."""
import h5py
import numpy as np
import pytest

from ale import ALE, resolve_rom
from conftest import run_script
from errors import UsageError
from evaluation import run_episode
from model_spec import ModelSpec
from models import inspect_model_file, load_model, make_model, save_model


@pytest.mark.parametrize('use_lstm', [False, True])
def test_save_and_load_round_trip_exactly(tmp_path, use_lstm):
    model = make_model(ModelSpec(6), use_lstm, np.random.RandomState(0))
    path = str(tmp_path / 'model.h5')
    save_model(path, model)
    assert inspect_model_file(path) == (use_lstm, ModelSpec(6, 4))
    loaded = load_model(path, ModelSpec(6))
    assert loaded.use_lstm == use_lstm
    original, restored = dict(model.namedparams()), dict(loaded.namedparams())
    assert original.keys() == restored.keys()
    for name, param in original.items():
        np.testing.assert_array_equal(restored[name].array, param.array, err_msg=name)


def test_files_have_the_original_group_layout(tmp_path):
    ff, lstm = str(tmp_path / 'ff.h5'), str(tmp_path / 'lstm.h5')
    save_model(ff, make_model(ModelSpec(4), False, np.random.RandomState(0)))
    save_model(lstm, make_model(ModelSpec(4), True, np.random.RandomState(0)))
    with h5py.File(ff, 'r') as f:
        assert f['0/0/W'].shape == (16, 4, 8, 8) and f['0/1/W'].shape == (32, 16, 4, 4)
        assert f['0/2/W'].shape == (256, 2592) and f['1/0/W'].shape == (4, 256) and f['2/0/W'].shape == (1, 256)
    with h5py.File(lstm, 'r') as f:
        assert f['1/upward/W'].shape == (1024, 256) and f['1/upward/b'].shape == (1024,)
        assert f['1/lateral/W'].shape == (1024, 256)
        assert f['2/0/W'].shape == (4, 256) and f['3/0/W'].shape == (1, 256)


def test_initialisation_is_uniform_within_one_over_sqrt_fan_in():
    model = make_model(ModelSpec(4), True, np.random.RandomState(0))
    fan_ins = {'head/0': 4 * 8 * 8, 'head/2': 2592, 'lstm/upward': 256, 'lstm/lateral': 256}
    links = {'head/0': model.head[0], 'head/2': model.head[2], 'lstm/upward': model.lstm.upward,
             'lstm/lateral': model.lstm.lateral}
    for name, link in links.items():
        bound = 1 / np.sqrt(fan_ins[name])
        for param in link.params():
            assert np.abs(param.array).max() <= bound, name
            assert np.abs(param.array).max() > 0.9 * bound, name  # spread over the range, not zeros


def test_the_original_published_breakout_model_loads_and_scores_above_100(reference_model):
    env = ALE(resolve_rom('breakout'), seed=0, train=False)
    model = load_model(reference_model, ModelSpec(env.number_of_actions))
    assert not model.use_lstm
    score = run_episode(env, model, np.random.RandomState(0))
    assert score > 100


@pytest.mark.every_python
def test_the_original_published_breakout_model_plays_the_same_game_on_every_python(reference_model):
    """Its first demo game with seed 0 scored 846 on Python 3.11 with numpy 1.26 (2026-12-03), and
    the same on 3.12 and 3.13 with numpy 2: the same play, action for action."""
    result = run_script('demo_a3c_ale.py', 'breakout', reference_model, '--n-runs', '1', '--seed', '0')
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == 'Run 0: 846'


def test_a_model_with_the_wrong_kind_or_action_count_is_refused(tmp_path):
    path = str(tmp_path / 'ff.h5')
    save_model(path, make_model(ModelSpec(4), False, np.random.RandomState(0)))
    with pytest.raises(UsageError, match='holds an A3C FF model; drop --use-lstm'):
        load_model(path, ModelSpec(4), use_lstm=True)
    with pytest.raises(UsageError, match='for 4 actions but this game has 6'):
        load_model(path, ModelSpec(6))
    lstm_path = str(tmp_path / 'lstm.h5')
    save_model(lstm_path, make_model(ModelSpec(4), True, np.random.RandomState(0)))
    with pytest.raises(UsageError, match='holds an A3C LSTM model; add --use-lstm'):
        load_model(lstm_path, ModelSpec(4), use_lstm=False)


def test_a_missing_or_non_hdf5_file_is_refused(tmp_path):
    with pytest.raises(UsageError, match='does not exist'):
        load_model(str(tmp_path / 'nothing.h5'), ModelSpec(4))
    text = tmp_path / 'text.h5'
    text.write_text('not a model')
    with pytest.raises(UsageError, match='is not an A3C model file'):
        load_model(str(text), ModelSpec(4))
