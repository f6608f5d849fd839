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


# The cheap models replay at their folder's level, and the same command with random weights does not
# (so the check can fail): (folder, the lowest mean that counts, the folder's own replay).
LEVELS = [('inverted_pendulum_ff', 900, 1000), ('cartpole_q', 450, 500), ('minigrid_memory_s7', 0.9, 0.964),
          ('doom_basic', 50, 76.2)]


def replay_mean(script, args, settings):
    result = run_script(script, *args, timeout=900, env=dict(os.environ, **settings))
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith('mean: '), last
    return float(last.split()[1])


@pytest.mark.parametrize('name, level, folders_replay', LEVELS)
def test_a_cheap_model_replays_at_its_folders_level_and_random_weights_do_not(tmp_path, name, level, folders_replay):
    settings, (script, *args) = demo_command(name)
    if script == 'demo_a3c_doom.py':
        pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')
    else:
        for module in ('gymnasium', 'mujoco', 'minigrid'):
            pytest.importorskip(module, reason=f'{module} is not installed (make setup-gym installs it)')
    import numpy as np
    from models import inspect_model_file, make_model, save_model
    model_arg = next(i for i, arg in enumerate(args) if arg.endswith('.h5'))
    mean = replay_mean(script, args, settings)
    assert mean >= level, f'{name} replayed {mean}, below {level} (its folder: {folders_replay})'
    # The same network with random weights, through the same command.
    use_lstm, spec = inspect_model_file(os.path.join(ROOT, args[model_arg]))
    random_model = str(tmp_path / 'random.h5')
    save_model(random_model, make_model(spec, use_lstm, np.random.RandomState(0)))
    args[model_arg] = random_model
    assert replay_mean(script, args, settings) < level
