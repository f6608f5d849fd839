"""The original's command lines (muupan/async-rl: its README and its scripts' options) run unchanged
on each of the four scripts, only made short (few steps, few games)."""
import os

import numpy as np
import pytest

from ale import resolve_rom
from conftest import run_script
from model_spec import ModelSpec
from models import make_model, save_model

BREAKOUT_ROM = resolve_rom('breakout')  # a ROM file: the original took its path


def rows_of(outdir):
    return [row.split('\t')[0] for row in (outdir / 'scores.txt').read_text().splitlines()]


def test_a3c_ale_takes_the_originals_command_line(tmp_path):
    """README: a3c_ale.py <number-of-processes> <path-to-atari-rom> [--use-lstm]; and its options."""
    outdir = tmp_path / 'run'
    result = run_script('a3c_ale.py', '2', BREAKOUT_ROM, '--use-lstm', '--seed', '0', '--outdir', str(outdir),
                        '--t-max', '5', '--beta', '1e-2', '--profile', '--steps', '400', '--lr', '7e-4',
                        '--eval-frequency', '200', '--eval-n-runs', '2', '--weight-decay', '0.0')
    assert result.returncode == 0, result.stderr
    assert rows_of(outdir) == ['steps', '200', '400']
    assert (outdir / '200.h5').is_file() and (outdir / '400_finish.h5').is_file()
    assert (outdir / 'profile_0.txt').is_file() and (outdir / 'profile_1.txt').is_file()


def fire_only_lstm_model(path):
    """An A3C LSTM model for Breakout (NOOP, FIRE, RIGHT, LEFT) whose most probable action is always
    FIRE: with --deterministic it serves every ball and never moves, so its games are short."""
    model = make_model(ModelSpec(4), True, np.random.RandomState(0))
    model.pi[0].b.array[1] = 100.0
    save_model(str(path), model)


def test_demo_a3c_ale_takes_the_originals_command_line(tmp_path):
    """README: demo_a3c_ale.py <path-to-atari-rom> <trained-model> [--use-lstm]; and its options."""
    model, frames = tmp_path / 'lstm.h5', tmp_path / 'frames'
    fire_only_lstm_model(model)
    result = run_script('demo_a3c_ale.py', BREAKOUT_ROM, str(model), '--use-lstm', '--seed', '0', '--n-runs', '2',
                        '--deterministic', '--record-screen-dir', str(frames))
    assert result.returncode == 0, result.stderr
    _, *runs, mean = result.stdout.splitlines()
    assert [run.split(':')[0] for run in runs] == ['Run 0', 'Run 1'] and mean.startswith('mean: ')
    assert sorted(os.listdir(frames)) == ['0', '1']  # the original's layout: DIR/<game>/


def test_the_originals_readme_replays_its_published_model(reference_model):
    """README: python demo_a3c_ale.py <path-to-breakout-rom> trained_model/breakout_ff/80000000_finish.h5"""
    result = run_script('demo_a3c_ale.py', BREAKOUT_ROM, reference_model, '--n-runs', '1')
    assert result.returncode == 0, result.stderr
    _, run, _ = result.stdout.splitlines()
    assert float(run.split()[-1]) > 100


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
    save_model(str(model), make_model(ModelSpec(3, 3), True, np.random.RandomState(0)))
    played = run_script('demo_a3c_doom.py', str(model), '--seed', '0', '--sleep', '0', '--scenario', 'basic',
                        '--n-runs', '2', '--use-lstm', '--deterministic')
    assert played.returncode == 0, played.stderr
    model_line, *runs, mean = played.stdout.splitlines()
    assert model_line.startswith('model: ')  # --use-lstm: the file holds an A3C LSTM, as it says
    assert [run.split(':')[0] for run in runs] == ['Run 0', 'Run 1'] and mean.startswith('mean: ')


def test_train_a3c_doom_takes_the_originals_command_line(tmp_path):
    """The original's train_a3c_doom.py: PROCESSES and its options."""
    needs_vizdoom()
    outdir = tmp_path / 'run'
    result = run_script('train_a3c_doom.py', '2', '--seed', '0', '--outdir', str(outdir), '--scenario', 'basic',
                        '--t-max', '5', '--beta', '1e-2', '--steps', '200', '--lr', '7e-4', '--eval-frequency', '100',
                        '--eval-n-runs', '2', '--use-lstm')
    assert result.returncode == 0, result.stderr
    assert rows_of(outdir) == ['steps', '100', '200']
    assert (outdir / '100.h5').is_file() and (outdir / '200_finish.h5').is_file()
    assert '"reward_clipping": "on"' in (outdir / 'args.txt').read_text()  # the original clipped
