"""The original's command lines (muupan/async-rl: its README and its scripts' options) run unchanged
on each of the four scripts, only made short (few steps, few games)."""
import numpy as np
import pytest

from conftest import run_script
from models import make_model, save_model


def needs_vizdoom():
    pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')


def test_demo_a3c_doom_takes_the_originals_forms(tmp_path):
    """The original's demo_a3c_doom.py: MODEL always given (positional), --random ignores it."""
    needs_vizdoom()
    missing = tmp_path / 'never_loaded.h5'
    random = run_script('demo_a3c_doom.py', str(missing), '--random', '--seed', '0', '--sleep', '0',
                        '--scenario', 'basic', '--n-runs', '1')
    assert random.returncode == 0, random.stderr
    assert random.stdout.splitlines()[0].startswith('Run 0: ')
    assert f'{missing} is not loaded' in random.stderr and not missing.exists()

    model = tmp_path / 'lstm.h5'  # basic's 3 buttons, one RGB frame: the original's Doom settings
    save_model(str(model), make_model(3, True, np.random.RandomState(0), n_input_channels=3))
    played = run_script('demo_a3c_doom.py', str(model), '--seed', '0', '--sleep', '0', '--scenario', 'basic',
                        '--n-runs', '2', '--use-lstm', '--deterministic')
    assert played.returncode == 0, played.stderr
    model_line, *runs, mean = played.stdout.splitlines()
    assert model_line.startswith('model: ')  # --use-lstm: the file holds an A3C LSTM, as it says
    assert [run.split(':')[0] for run in runs] == ['Run 0', 'Run 1'] and mean.startswith('mean: ')
