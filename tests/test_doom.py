"""ViZDoom: the environment against the scenario's definitions, and the scripts end to end.

vizdoom is optional: without it these tests are skipped (make setup-doom installs it).
"""
import os
import shutil
import signal
import tempfile

import cv2
import numpy as np
import pytest
from PIL import Image

vizdoom = pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')

from conftest import processes_in_group, run_script  # noqa: E402
from doom_env import (DEFAULT_REWARD_SCALE, MAX_EPISODE_TICS, DoomEnv, resolve_scenario,  # noqa: E402
                      scenario_names)
from errors import UsageError  # noqa: E402
from test_cli_errors import assert_usage_error  # noqa: E402

BASIC = resolve_scenario('basic')


def hand_stepped_basic(seed):
    """A second ViZDoom game on basic.cfg with the environment's settings, stepped by hand."""
    game = vizdoom.DoomGame()
    game.load_config(BASIC)
    game.set_doom_config_path(os.path.join(tempfile.gettempdir(), 'async_rl_vizdoom.ini'))
    game.set_window_visible(False)
    game.set_sound_enabled(False)
    game.set_screen_format(vizdoom.ScreenFormat.RGB24)
    game.set_screen_resolution(vizdoom.ScreenResolution.RES_160X120)
    game.set_seed(seed)
    game.init()
    game.new_episode()
    return game


def observation(game):
    gray = cv2.cvtColor(game.get_state().screen_buffer, cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, (84, 84), interpolation=cv2.INTER_LINEAR)


def test_actions_are_the_scenarios_available_buttons():
    env = DoomEnv(BASIC, seed=0)
    assert [button.name for button in env.buttons] == ['MOVE_LEFT', 'MOVE_RIGHT', 'ATTACK']  # basic.cfg
    assert env.number_of_actions == 3
    env.close()


def test_observations_rewards_and_episode_end_match_the_game_stepped_by_hand():
    env = DoomEnv(BASIC, seed=5, train=False)
    twin = hand_stepped_basic(seed=5)
    assert env.state.shape == (4, 84, 84) and env.state.dtype == np.uint8
    assert not env.state[:3].any()
    np.testing.assert_array_equal(env.state[3], observation(twin))
    # Moving left and right, never firing: basic.cfg gives -1 a tic until its 300-tic timeout.
    presses = {0: [1, 0, 0], 1: [0, 1, 0]}
    steps = 0
    while not env.is_terminal:
        action = steps // 3 % 2
        previous = env.state.copy()
        reward = twin.make_action(presses[action], 4)
        assert env.receive_action(action) == reward == -4.0
        steps += 1
        assert env.is_terminal == twin.is_episode_finished()
        if not env.is_terminal:
            np.testing.assert_array_equal(env.state[-1], observation(twin))
            np.testing.assert_array_equal(env.state[:3], previous[1:])
    assert twin.get_episode_time() >= twin.get_episode_timeout() == 300
    assert steps == twin.get_total_reward() / -4.0
    env.close()


def test_training_rewards_are_scaled_and_evaluation_rewards_are_the_scenarios():
    train, evaluation = DoomEnv(BASIC, seed=1, train=True), DoomEnv(BASIC, seed=1, train=False)
    assert train.receive_action(0) == pytest.approx(-4.0 * DEFAULT_REWARD_SCALE)
    assert evaluation.receive_action(0) == -4.0
    custom = DoomEnv(BASIC, seed=1, train=True, reward_scale=0.5)
    assert custom.receive_action(0) == -2.0
    for env in (train, evaluation, custom):
        env.close()


def test_a_kill_ends_the_episode_early_and_a_miss_runs_to_the_timeout():
    scores, steps = [], []
    for seed in (0, 1):  # ATTACK only: with seed 0 the monster stands in front, with seed 1 it does not
        env = DoomEnv(BASIC, seed=seed, train=False)
        scores.append(0)
        steps.append(0)
        while not env.is_terminal:
            scores[-1] += env.receive_action(2)
            steps[-1] += 1
        assert scores[-1] == env.game.get_total_reward()
        env.close()
    assert steps[0] < 10 and scores[0] > 0  # the kill's +101 outweighs the time it took
    assert steps[1] == 300 // 4 and scores[1] < -300  # -1 a tic and -5 a missed shot, until the timeout


def test_a_scenario_without_a_timeout_is_capped(tmp_path):
    config = tmp_path / 'no_timeout.cfg'
    config.write_text(open(BASIC).read().replace('episode_timeout = 300', 'episode_timeout = 0'))
    shutil.copy(os.path.join(vizdoom.scenarios_path, 'basic.wad'), tmp_path)
    env = DoomEnv(str(config), seed=0)
    assert env.game.get_episode_timeout() == MAX_EPISODE_TICS
    env.close()


def test_scenario_names_and_paths():
    assert {'basic', 'defend_the_center', 'health_gathering', 'deadly_corridor'} <= set(scenario_names())
    assert resolve_scenario('defend_the_center').endswith('defend_the_center.cfg')
    assert resolve_scenario(BASIC) == BASIC
    with pytest.raises(UsageError, match='did you mean basic'):
        resolve_scenario('basik')
    with pytest.raises(UsageError, match='does not exist'):
        resolve_scenario('/no/such/scenario.cfg')


def test_training_on_basic_writes_its_files_and_the_demo_replays_the_model(tmp_path):
    outdir = tmp_path / 'run'
    result = run_script('a3c_doom.py', '2', 'basic', '--steps', '4000', '--eval-frequency', '2000',
                        '--eval-n-runs', '2', '--outdir', str(outdir), '--progress-interval', '1')
    assert result.returncode == 0, result.stderr
    assert processes_in_group(result.pid) == []
    rows = (outdir / 'scores.txt').read_text().splitlines()
    assert [row.split('\t')[0] for row in rows[1:]] == ['2000', '4000']
    assert (outdir / '4000_finish.h5').is_file() and (outdir / '2000.h5').is_file()
    assert list(outdir.glob('checkpoint_*.h5'))
    assert '"reward_scale": 0.01' in (outdir / 'args.txt').read_text()
    assert 'steps/s' in result.stdout

    gif = tmp_path / 'basic.gif'
    demo = run_script('demo_a3c_doom.py', 'basic', str(outdir / '4000_finish.h5'), '--n-runs', '2',
                      '--gif', str(gif))
    assert demo.returncode == 0, demo.stderr
    lines = demo.stdout.splitlines()
    assert lines[0].startswith('Run 0: ') and lines[-1].startswith('mean: ')
    score = float(lines[0].split()[-1])
    assert -1000 < score < 100  # the scenario's own scores (a kill is +101 minus the time), not scaled ones
    with Image.open(gif) as animation:
        assert animation.size == (160, 120) and animation.n_frames >= 2


def test_doom_scripts_refuse_bad_input(tmp_path):
    assert_usage_error(run_script('a3c_doom.py', '2', 'basik', '--outdir', str(tmp_path / 'run')),
                       "unknown scenario 'basik'", 'did you mean basic')
    assert_usage_error(run_script('a3c_doom.py', '2', 'basic', '--reward-scale', '0'),
                       '--reward-scale', 'not a positive number')
    assert not (tmp_path / 'run').exists()


def test_doom_scripts_say_how_to_install_vizdoom_when_it_is_missing(tmp_path):
    # A vizdoom package that fails to import, ahead of the real one on the path.
    (tmp_path / 'vizdoom').mkdir()
    (tmp_path / 'vizdoom' / '__init__.py').write_text('raise ImportError("no vizdoom here")\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    for script in ('a3c_doom.py', 'demo_a3c_doom.py'):
        assert_usage_error(run_script(script, '2', 'basic', env=env), 'needs the vizdoom package', 'make setup-doom')
    atari = run_script('demo_a3c_ale.py', '--help', env=env)
    assert atari.returncode == 0 and 'ROM' in atari.stdout.upper()


def test_ctrl_c_then_resume_a_doom_run_to_the_end(tmp_path):
    from test_reliability import SHORT_RUN, killed_at_exit, score_steps, signal_and_wait, start_training, wait_for
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'basic', *SHORT_RUN, script='a3c_doom.py')
    with killed_at_exit(proc):
        wait_for(lambda: score_steps(outdir) if (outdir / 'scores.txt').exists() else False)
        _, stderr = signal_and_wait(proc, proc.pid, signal.SIGINT)
    assert proc.returncode == 130, stderr
    assert f'--resume {outdir}' in stderr
    assert_usage_error(run_script('a3c_ale.py', '--resume', str(outdir)), 'not a run of this trainer')
    result = run_script('a3c_doom.py', '--resume', str(outdir))
    assert result.returncode == 0, result.stderr
    assert score_steps(outdir) == [1000, 2000, 3000, 4000, 5000, 6000]
    assert (outdir / '6000_finish.h5').is_file()
    assert processes_in_group(result.pid) == []
