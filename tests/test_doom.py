"""ViZDoom: the environment against the scenario's definitions, and the scripts end to end.

vizdoom is optional: without it these tests are skipped (make setup-doom installs it).
"""
import os
import shutil
import signal
import tempfile
import time

import cv2
import numpy as np
import pytest
from PIL import Image

vizdoom = pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')

from conftest import processes_in_group, run_script  # noqa: E402
from doom_env import (DEFAULT_REWARD_SCALE, MAX_EPISODE_TICS, DoomEnv, resolve_scenario,  # noqa: E402
                      scenario_names)
from model_spec import ModelSpec  # noqa: E402
from models import make_model, save_model  # noqa: E402
from errors import UsageError  # noqa: E402
from test_cli_errors import assert_usage_error  # noqa: E402

BASIC = resolve_scenario('basic')
# The settings of our first Doom runs, reachable by options; the defaults are the original's.
GRAYSCALE_STACK = dict(observation='grayscale-stack', tics_per_step=4, resolution='160x120')
GRAYSCALE_STACK_FLAGS = ['--observation', 'grayscale-stack', '--tics-per-step', '4', '--resolution', '160x120']


def hand_stepped_basic(seed, resolution):
    """A second ViZDoom game on basic.cfg with the environment's settings, stepped by hand."""
    game = vizdoom.DoomGame()
    game.load_config(BASIC)
    game.set_doom_config_path(os.path.join(tempfile.gettempdir(), 'async_rl_vizdoom.ini'))
    game.set_window_visible(False)
    game.set_sound_enabled(False)
    game.set_screen_format(vizdoom.ScreenFormat.RGB24)
    game.set_screen_resolution(resolution)
    game.set_seed(seed)
    game.init()
    game.new_episode()
    return game


def observation(game):
    gray = cv2.cvtColor(game.get_state().screen_buffer, cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, (84, 84), interpolation=cv2.INTER_LINEAR)


def test_by_default_one_rgb_frame_from_640x480_and_10_tics_a_step_as_the_original():
    env = DoomEnv(BASIC, seed=5, train=False)
    twin = hand_stepped_basic(5, vizdoom.ScreenResolution.RES_640X480)
    assert env.state.shape == (3, 84, 84) and env.state.dtype == np.uint8
    assert env.rgb_screen().shape == (480, 640, 3)
    for action in [0, 1, 1, 0]:
        tics = twin.get_episode_time()
        reward = twin.make_action([float(action == i) for i in range(3)], 10)
        assert twin.get_episode_time() - tics == 10
        assert env.receive_action(action) == reward == -10.0  # -1 a tic, never firing
        assert env.game.get_episode_time() == twin.get_episode_time()
        screen = twin.get_state().screen_buffer  # one frame, channels first, no stack
        expected = cv2.resize(screen, (84, 84), interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)
        np.testing.assert_array_equal(env.state, expected)
    assert env.steps_per_second == 3.5 and env.frames_per_step == 10
    env.close()


def test_actions_are_the_scenarios_available_buttons():
    env = DoomEnv(BASIC, seed=0)
    assert [button.name for button in env.buttons] == ['MOVE_LEFT', 'MOVE_RIGHT', 'ATTACK']  # basic.cfg
    assert env.number_of_actions == 3
    env.close()


def test_grayscale_stack_observations_rewards_and_episode_end_match_the_game_stepped_by_hand():
    env = DoomEnv(BASIC, seed=5, train=False, **GRAYSCALE_STACK)
    twin = hand_stepped_basic(5, vizdoom.ScreenResolution.RES_160X120)
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
    assert DEFAULT_REWARD_SCALE == 0.01  # the original divided Doom's rewards by 100
    assert train.receive_action(0) == pytest.approx(-10.0 * DEFAULT_REWARD_SCALE)
    assert evaluation.receive_action(0) == -10.0
    custom = DoomEnv(BASIC, seed=1, train=True, reward_scale=0.05)
    assert custom.receive_action(0) == pytest.approx(-0.5)
    for env in (train, evaluation, custom):
        env.close()


def test_training_rewards_are_clipped_by_default_as_the_originals_agent_did_and_not_with_the_option():
    # Unscaled, a step's -10 (10 tics at -1) shows the clipping; evaluation keeps the scenario's scores.
    clipped = DoomEnv(BASIC, seed=1, train=True, reward_scale=1.0)
    unclipped = DoomEnv(BASIC, seed=1, train=True, reward_scale=1.0, reward_clipping='off')
    evaluation = DoomEnv(BASIC, seed=1, train=False, reward_scale=1.0)
    assert clipped.receive_action(0) == -1.0
    assert unclipped.receive_action(0) == -10.0
    assert evaluation.receive_action(0) == -10.0
    for env in (clipped, unclipped, evaluation):
        env.close()


def test_a_kill_ends_the_episode_early_and_a_miss_runs_to_the_timeout():
    scores, steps = [], []
    for seed in (0, 1):  # ATTACK only: with seed 0 the monster stands in front, with seed 1 it does not
        env = DoomEnv(BASIC, seed=seed, train=False, **GRAYSCALE_STACK)
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


@pytest.mark.every_python
def test_training_on_basic_writes_its_files_and_the_demo_replays_the_model(tmp_path):
    outdir = tmp_path / 'run'
    result = run_script('train_a3c_doom.py', '2', '--scenario', 'basic', '--steps', '4000', '--eval-frequency', '2000',
                        '--eval-n-runs', '2', '--outdir', str(outdir), '--progress-interval', '1')
    assert result.returncode == 0, result.stderr
    assert processes_in_group(result.pid) == []
    rows = (outdir / 'scores.txt').read_text().splitlines()
    assert [row.split('\t')[0] for row in rows[1:]] == ['2000', '4000']
    assert (outdir / '4000_finish.h5').is_file() and (outdir / '2000.h5').is_file()
    assert list(outdir.glob('checkpoint_*.h5'))
    recorded = (outdir / 'args.txt').read_text()
    for setting in ('"reward_scale": 0.01', '"reward_clipping": "on"', '"observation": "rgb"', '"tics_per_step": 10',
                    '"resolution": "640x480"'):
        assert setting in recorded
    assert 'steps/s' in result.stdout

    gif = tmp_path / 'basic.gif'
    demo = run_script('demo_a3c_doom.py', str(outdir / '4000_finish.h5'), '--scenario', 'basic', '--n-runs', '2',
                      '--gif', str(gif))
    assert demo.returncode == 0, demo.stderr
    model_line, *lines = demo.stdout.splitlines()
    assert model_line.startswith('model: A3C FF, ViZDoom basic (.cfg md5 ')
    assert lines[0].startswith('Run 0: ') and lines[-1].startswith('mean: ')
    score = float(lines[0].split()[-1])
    assert -1000 < score < 100  # the scenario's own scores (a kill is +101 minus the time), not scaled ones
    with Image.open(gif) as animation:
        assert animation.size == (640, 480)  # the screen as rendered, at the original's resolution


def test_doom_scripts_refuse_bad_input(tmp_path):
    outdir = str(tmp_path / 'run')
    assert_usage_error(run_script('train_a3c_doom.py', '2', '--scenario', 'basik', '--outdir', outdir),
                       "unknown scenario 'basik'", 'did you mean basic')
    assert_usage_error(run_script('train_a3c_doom.py', '2', '--reward-scale', '0', '--outdir', outdir),
                       '--reward-scale', 'not a positive number')
    assert_usage_error(run_script('train_a3c_doom.py', '2', '--observation', 'depth', '--outdir', outdir),
                       '--observation', "invalid choice: 'depth'")
    assert_usage_error(run_script('train_a3c_doom.py', '2', '--reward-clipping', 'no', '--outdir', outdir),
                       '--reward-clipping', "invalid choice: 'no'")
    assert_usage_error(run_script('train_a3c_doom.py', '2', '--resolution', '641x480', '--outdir', outdir),
                       'no screen resolution 641x480', '640x480')
    assert_usage_error(run_script('train_a3c_doom.py', '--outdir', outdir), 'PROCESSES is required')
    assert not (tmp_path / 'run').exists()
    assert_usage_error(run_script('demo_a3c_doom.py', '--scenario', 'basic'), 'give MODEL or --random')


def test_window_visible_without_a_display_is_one_line(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    for script, args in (('train_a3c_doom.py', ['1', '--outdir', str(tmp_path / 'run')]),
                         ('demo_a3c_doom.py', ['--random'])):
        assert_usage_error(run_script(script, *args, '--window-visible', env=env),
                           '--window-visible needs a display')
    assert not (tmp_path / 'run').exists()


def test_the_demo_plays_a_random_policy_and_sleeps_per_tic(tmp_path):
    gif = tmp_path / 'random.gif'
    start = time.monotonic()
    result = run_script('demo_a3c_doom.py', '--random', '--scenario', 'basic', '--n-runs', '1', '--sleep', '0.01',
                        '--gif', str(gif))
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    first, wrote, last = result.stdout.splitlines()
    assert first.startswith('Run 0: ') and last.startswith('mean: ')
    steps = int(wrote.split()[1]) - 1  # one GIF frame a step, and the first screen
    assert steps >= 1
    assert elapsed >= 0.01 * 10 * steps  # --sleep 0.01: 10 ms for each of the 10 tics of every step


def test_the_demo_refuses_a_model_trained_with_other_settings(tmp_path):
    model = str(tmp_path / 'stack.h5')
    save_model(model, make_model(ModelSpec(3, 4), False, np.random.RandomState(0)))
    assert_usage_error(run_script('demo_a3c_doom.py', model, '--n-runs', '1'),
                       'reads 4 input channels but these settings give 3')
    played = run_script('demo_a3c_doom.py', model, '--n-runs', '1', *GRAYSCALE_STACK_FLAGS)
    assert played.returncode == 0, played.stderr


def test_doom_scripts_say_how_to_install_vizdoom_when_it_is_missing(tmp_path):
    # A vizdoom package that fails to import, ahead of the real one on the path.
    (tmp_path / 'vizdoom').mkdir()
    (tmp_path / 'vizdoom' / '__init__.py').write_text('raise ImportError("no vizdoom here")\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    for script, args in (('train_a3c_doom.py', ['2']), ('demo_a3c_doom.py', ['--random'])):
        assert_usage_error(run_script(script, *args, env=env), 'needs the vizdoom package', 'make setup-doom')
    atari = run_script('demo_a3c_ale.py', '--help', env=env)
    assert atari.returncode == 0 and 'ROM' in atari.stdout.upper()


def test_ctrl_c_then_resume_a_doom_run_to_the_end(tmp_path):
    from test_reliability import SHORT_RUN, killed_at_exit, score_steps, signal_and_wait, start_training, wait_for
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', '--scenario', 'basic', *SHORT_RUN, script='train_a3c_doom.py')
    with killed_at_exit(proc):
        wait_for(lambda: score_steps(outdir) if (outdir / 'scores.txt').exists() else False)
        _, stderr = signal_and_wait(proc, proc.pid, signal.SIGINT)
    assert proc.returncode == 130, stderr
    assert f'--resume {outdir}' in stderr
    assert_usage_error(run_script('a3c_ale.py', '--resume', str(outdir)), 'not a run of this trainer')
    result = run_script('train_a3c_doom.py', '--resume', str(outdir))
    assert result.returncode == 0, result.stderr
    assert score_steps(outdir) == [1000, 2000, 3000, 4000, 5000, 6000]
    assert (outdir / '6000_finish.h5').is_file()
    assert processes_in_group(result.pid) == []


def test_a_run_recorded_before_the_settings_existed_resumes_with_its_own(tmp_path):
    """Runs started before --observation, --tics-per-step, --resolution and --reward-clipping existed
    used a stack of 4 grayscale frames, 4 tics, 160x120 and unclipped rewards: --resume goes on with
    those, not with today's defaults."""
    from checkpoint import Checkpoint, write_checkpoint
    from doom_env import DOOM
    from train_command import parse_args
    outdir = tmp_path / 'old_run'
    outdir.mkdir()
    old_args = dict(processes=1, scenario='basic', scenario_path=BASIC, seed=0, steps=10000, t_max=5, beta=0.01,
                    lr=7e-4, eval_frequency=1000, eval_n_runs=1, weight_decay=0.0, use_lstm=False, use_sdl=False,
                    profile=False, outdir=str(outdir), checkpoint_frequency=1000, keep_checkpoints=0, load=None,
                    resume=None, progress_interval=5.0, reward_scale=0.01)
    params = np.zeros(10, np.float32)
    write_checkpoint(str(outdir), Checkpoint(steps=1000, params=params, stats=params, elapsed=1.0,
                                             best_mean=0.0, args=old_args))
    resumed, _ = parse_args(DOOM, ['--resume', str(outdir)])
    assert (resumed.observation, resumed.tics_per_step, resumed.resolution) == ('grayscale-stack', 4, '160x120')
    assert resumed.reward_clipping == 'off'
    with pytest.raises(UsageError, match='--observation rgb conflicts'):
        parse_args(DOOM, ['--resume', str(outdir), '--observation', 'rgb'])
    with pytest.raises(UsageError, match="--reward-clipping on conflicts with the resumed run's off"):
        parse_args(DOOM, ['--resume', str(outdir), '--reward-clipping', 'on'])
    # A run recorded with the original's settings but before clipping (trained_model/doom_basic/run)
    # resumes unclipped too.
    newer = dict(old_args, observation='rgb', tics_per_step=10, resolution='640x480')
    write_checkpoint(str(outdir), Checkpoint(steps=2000, params=params, stats=params, elapsed=1.0,
                                             best_mean=0.0, args=newer))
    resumed, _ = parse_args(DOOM, ['--resume', str(outdir)])
    assert (resumed.observation, resumed.reward_clipping) == ('rgb', 'off')


def test_record_screen_dir_writes_each_episode_into_a_directory_of_its_own(tmp_path):
    frames = tmp_path / 'frames'
    result = run_script('demo_a3c_doom.py', '--random', '--n-runs', '2', '--record-screen-dir', str(frames))
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(frames)) == ['0', '1']
    for episode in ('0', '1'):
        names = sorted(os.listdir(frames / episode))
        assert names[0] == '000000.png' and names[-1] == f'{len(names) - 1:06d}.png'
        with Image.open(frames / episode / names[0]) as screen:
            assert screen.size == (640, 480)
