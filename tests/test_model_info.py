"""Model files say what they are: game, kind, actions, steps, evaluation, arguments, code, versions."""
import argparse
import json
import platform

import chainer
import h5py
import numpy as np

from ale import ATARI, resolve_rom
from conftest import run_script
from model_info import file_md5, run_info, with_progress
from model_spec import ModelSpec
from models import A3CFF, make_model, read_model_info, save_model
from test_cli_errors import assert_usage_error


def pong_model(path, steps=123_000, mean=-20.5):
    args = argparse.Namespace(use_lstm=False, rom='pong', seed=3, steps=8 * 10 ** 7)
    info = with_progress(run_info(ATARI, resolve_rom('pong'), args, 6), steps, mean)
    save_model(str(path), make_model(ModelSpec(6), False, np.random.RandomState(0)), info)
    return info


def test_a_written_model_carries_its_attributes_beside_the_original_layout(tmp_path):
    path = tmp_path / 'pong.h5'
    pong_model(path)
    info = read_model_info(str(path))
    assert info['game'] == 'pong' and info['rom_md5'] == file_md5(resolve_rom('pong'))
    assert info['algorithm'] == 'A3C FF' and info['n_actions'] == 6
    assert info['global_steps'] == 123_000 and info['evaluation_mean'] == -20.5
    assert json.loads(info['arguments'])['seed'] == 3
    assert len(info['code_revision']) == 40 or info['code_revision'] == 'unknown'
    assert info['chainer_version'] == chainer.__version__ and info['numpy_version'] == np.__version__
    assert info['python_version'] == platform.python_version()
    assert info['ale_py_version']
    with h5py.File(path, 'r') as f:  # the original's groups, nothing else
        assert sorted(f.keys()) == ['0', '1', '2']
    plain = A3CFF(ModelSpec(6))  # code that knows only the original's layout reads it as before
    chainer.serializers.load_hdf5(str(path), plain)
    np.testing.assert_array_equal(plain.pi[0].W.array, make_model(ModelSpec(6), False, np.random.RandomState(0)).pi[0].W.array)


def test_the_demo_says_what_the_model_is_and_refuses_another_games(tmp_path):
    path = tmp_path / 'pong.h5'
    pong_model(path)
    played = run_script('demo_a3c_ale.py', 'pong', str(path), '--n-runs', '1')
    assert played.returncode == 0, played.stderr
    first = played.stdout.splitlines()[0]
    assert first.startswith('model: A3C FF, pong (ROM md5 ') and '6 actions, 123,000 global steps' in first
    assert 'evaluation mean -20.5' in first and 'ale-py ' in first
    refused = run_script('demo_a3c_ale.py', 'space_invaders', str(path))
    assert_usage_error(refused, 'holds a model trained on pong (rom md5', 'but this is space_invaders (rom md5',
                       'give a model trained on space_invaders')
