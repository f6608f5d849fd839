"""Every model in trained_model/ loads and plays one episode with the demo command its README gives."""
import os
import shlex

import pytest

from conftest import ROOT, run_script

TRAINED = os.path.join(ROOT, 'trained_model')
MODEL_DIRS = sorted(name for name in os.listdir(TRAINED) if os.path.isdir(os.path.join(TRAINED, name))
                    and any(f.endswith('.h5') for f in os.listdir(os.path.join(TRAINED, name))))


def demo_command(name):
    """The demo command of trained_model/<name>/README.md (its first line that runs a demo script):
    the environment variables it sets (PYTHONPATH=bench for a task of bench/), the script and its
    arguments."""
    with open(os.path.join(TRAINED, name, 'README.md')) as f:
        for line in f:
            line, settings = line.strip(), {}
            if line.startswith('PYTHONPATH=bench '):
                line, settings = line[len('PYTHONPATH=bench '):], {'PYTHONPATH': os.path.join(ROOT, 'bench')}
            if line.startswith('.venv/bin/python demo_a3c_'):
                return settings, shlex.split(line)[1:]
    raise AssertionError(f'trained_model/{name}/README.md gives no demo command')


def test_there_are_trained_models():
    assert MODEL_DIRS


@pytest.mark.parametrize('name', MODEL_DIRS)
def test_model_folder_has_what_a_reader_needs(name):
    files = os.listdir(os.path.join(TRAINED, name))
    for needed in ('README.md', 'scores.txt', 'scores.txt.png', 'animation.gif'):
        assert needed in files, f'trained_model/{name}/ lacks {needed}'


@pytest.mark.parametrize('name', MODEL_DIRS)
def test_model_plays_one_episode_with_its_readme_demo_command(name):
    settings, (script, *args) = demo_command(name)
    if script == 'demo_a3c_doom.py':
        pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')
    if script == 'demo_a3c_gym.py':
        # requirements-gym.txt's set (ViZDoom's brings gymnasium alone, without MuJoCo or MiniGrid)
        for module in ('gymnasium', 'mujoco', 'minigrid'):
            pytest.importorskip(module, reason=f'{module} is not installed (make setup-gym installs it)')
    model = next(arg for arg in args if arg.endswith('.h5'))
    assert os.path.isfile(os.path.join(ROOT, model)), model
    if '--n-runs' in args:
        del args[args.index('--n-runs'):args.index('--n-runs') + 2]
    result = run_script(script, *args, '--n-runs', '1', timeout=600, env=dict(os.environ, **settings))
    assert result.returncode == 0, result.stderr
    model_line, *lines = result.stdout.splitlines()  # first, what the model file says of itself
    assert model_line.startswith('model: ')
    assert lines[0].startswith('Run 0: ') and lines[-1].startswith('mean: ')
