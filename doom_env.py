"""A ViZDoom scenario seen the way the A3C agent sees an Atari game (ale.py's interface).

The scenario's .cfg defines the map, the rewards, the available buttons and
the episode timeout; we keep all of those. One agent step presses one of the
available buttons for --tics-per-step tics (ViZDoom repeats it and sums the
rewards). By default the settings are the original's (muupan/async-rl's Doom
scripts): the screen rendered at 640x480, one RGB frame resized to 84x84
(bilinear) as the observation (3 channels, no stack), 10 tics a step. The
settings our earlier runs used are options: --observation grayscale-stack (the
screen in grayscale at 84x84, stacked with the three previous ones, zeros after
a reset, as Atari's), --tics-per-step 4, --resolution 160x120 (less for the
engine to render). In training the rewards are multiplied by --reward-scale
(0.01: the original divided them by 100; Doom's are in the hundreds) and then
clipped to [-1, 1], as the original's agent clipped every environment's
(--reward-clipping off keeps them as scaled: our Doom runs before the option
existed trained so); in evaluation an episode's score is the scenario's own
total reward. A scenario without a timeout is capped at 30 minutes of game
time, as Atari episodes are.

vizdoom is an optional dependency (requirements-doom.txt): without it this
module still imports (the scripts' --help works), and naming a scenario raises
a UsageError that says how to install it.
"""
import argparse
import difflib
import os
import tempfile

import cv2
import numpy as np

from environment_kind import EnvironmentKind, EnvironmentOption, check_display
from errors import UsageError, positive_float, positive_int
from frames import N_STACKED_FRAMES, SCREEN_SIZE, push_frame, write_screen
from model_info import file_md5
from model_spec import ModelSpec
from paths import check_readable_file

try:
    import vizdoom
except ImportError:
    vizdoom = None

TICS_PER_SECOND = 35
MAX_EPISODE_TICS = 30 * 60 * TICS_PER_SECOND
# The original's settings, the defaults.
DEFAULT_TICS_PER_STEP = 10
DEFAULT_RESOLUTION = '640x480'
DEFAULT_OBSERVATION = 'rgb'
DEFAULT_REWARD_SCALE = 0.01
OBSERVATIONS = ('rgb', 'grayscale-stack')
ON_OFF = ('on', 'off')


def require_vizdoom():
    if vizdoom is None:
        raise UsageError('the ViZDoom environment needs the vizdoom package: '
                         'run `make setup-doom` (or `.venv/bin/pip install -r requirements-doom.txt`)')


def scenario_names():
    """The scenarios bundled with vizdoom: the stems of its .cfg files that have a map of their own."""
    names = []
    for entry in sorted(os.listdir(vizdoom.scenarios_path)):
        stem, extension = os.path.splitext(entry)
        if extension == '.cfg' and os.path.isfile(os.path.join(vizdoom.scenarios_path, stem + '.wad')):
            names.append(stem)
    return names


def resolve_scenario(scenario):
    """Return the .cfg file for a bundled scenario name ('basic', 'defend_the_center') or a path."""
    require_vizdoom()
    if os.path.isdir(scenario):
        raise UsageError(f'scenario {scenario!r} is a directory; give a .cfg file or a scenario name such as basic')
    if os.path.isfile(scenario):
        check_readable_file(scenario, 'scenario')
        if not scenario.endswith('.cfg'):
            raise UsageError(f'{scenario!r} is not a ViZDoom .cfg file; give a .cfg file or a scenario name '
                             'such as basic')
        return scenario
    if os.sep in scenario or scenario.endswith('.cfg'):
        raise UsageError(f'scenario file {scenario!r} does not exist; check the path or give a scenario name '
                         'such as basic')
    names = scenario_names()
    if scenario in names:
        return os.path.join(vizdoom.scenarios_path, scenario + '.cfg')
    close = difflib.get_close_matches(scenario, names, n=3, cutoff=0.6)
    hint = f'did you mean {", ".join(close)}?' if close else f'the bundled ones are {", ".join(names)}'
    raise UsageError(f'unknown scenario {scenario!r}: {hint}')


def screen_resolution(text):
    """'640x480' (any case); ViZDoom's own list is checked when the game starts."""
    width, _, height = text.lower().partition('x')
    if not (width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f'{text!r} is not a screen resolution such as 640x480')
    return f'{int(width)}x{int(height)}'


def scenario_name(config_path):
    """A short name for output directories: the .cfg file's stem."""
    return os.path.splitext(os.path.basename(config_path))[0]


class DoomEnv:
    """A ViZDoom scenario with ale.ALE's interface: reset(), receive_action(), state, reward,
    is_terminal, number_of_actions, rgb_screen(), record_screens(), frames_per_step, steps_per_second."""

    def __init__(self, config_path, seed, train=True, use_sdl=False, reward_scale=DEFAULT_REWARD_SCALE,
                 reward_clipping='on', observation=DEFAULT_OBSERVATION, tics_per_step=DEFAULT_TICS_PER_STEP,
                 resolution=DEFAULT_RESOLUTION):
        require_vizdoom()
        if observation not in OBSERVATIONS:
            raise UsageError(f'unknown observation {observation!r}; give one of {", ".join(OBSERVATIONS)}')
        if reward_clipping not in ON_OFF:
            raise UsageError(f'--reward-clipping is on or off, not {reward_clipping!r}')
        self.train = train
        self.reward_scale = reward_scale
        self.clip_rewards = reward_clipping == 'on'
        self.observation = observation
        self.frames_per_step = tics_per_step
        self.steps_per_second = TICS_PER_SECOND / tics_per_step
        self.record_screen_dir = None
        self.game = vizdoom.DoomGame()
        self.game.load_config(config_path)
        # The engine's own settings file, which it would otherwise write into the working directory.
        self.game.set_doom_config_path(os.path.join(tempfile.gettempdir(), 'async_rl_vizdoom.ini'))
        if use_sdl:
            check_display('--window-visible')
        self.game.set_window_visible(use_sdl)
        self.game.set_sound_enabled(False)
        self.game.set_mode(vizdoom.Mode.PLAYER)
        self.game.set_screen_format(vizdoom.ScreenFormat.RGB24)
        self.game.set_screen_resolution(resolution_of(resolution))
        if self.game.get_episode_timeout() == 0:
            self.game.set_episode_timeout(MAX_EPISODE_TICS)
        self.game.set_seed(int(seed) % 2**31)
        try:
            self.game.init()
        except (vizdoom.FileDoesNotExistException, vizdoom.ViZDoomErrorException) as error:
            raise UsageError(f'ViZDoom cannot start scenario {config_path!r} ({error}); fix the .cfg') from None
        self.buttons = self.game.get_available_buttons()
        if not self.buttons:
            raise UsageError(f'scenario {config_path!r} has no available_buttons; it needs at least one')
        self._button_presses = [[float(i == j) for j in range(len(self.buttons))] for i in range(len(self.buttons))]
        self._rgb = None
        self._n_recorded = 0
        channels = 3 if observation == 'rgb' else N_STACKED_FRAMES
        self.state = np.zeros((channels, SCREEN_SIZE, SCREEN_SIZE), np.uint8)
        self.reset()

    @property
    def number_of_actions(self):
        return len(self.buttons)

    def random_action(self, rng):
        return rng.randint(self.number_of_actions)

    @property
    def model_spec(self):
        return ModelSpec(self.number_of_actions, self.state.shape[0])

    def reset(self):
        self.game.new_episode()
        self.state[:] = 0
        self._observe()
        self.reward = 0.0
        self.is_terminal = False

    def receive_action(self, action):
        """Press button `action` (an index into the available buttons) for frames_per_step tics;
        return the reward."""
        reward = self.game.make_action(self._button_presses[action], self.frames_per_step)
        self.is_terminal = self.game.is_episode_finished()
        if not self.is_terminal:  # a finished episode has no screen: the last one stays
            self._observe()
        if self.train:
            reward *= self.reward_scale
            if self.clip_rewards:
                reward = min(max(reward, -1.0), 1.0)
        self.reward = reward
        return self.reward

    def rgb_screen(self):
        """The last screen in colour, (height, width, 3) uint8."""
        return self._rgb

    def record_screens(self, directory):
        """From the next reset() on, write every screen the agent sees into directory (an existing
        one) as 000000.png, 000001.png, ..."""
        self.record_screen_dir = directory
        self._n_recorded = 0

    def close(self):
        self.game.close()

    def _observe(self):
        self._rgb = self.game.get_state().screen_buffer
        if self.record_screen_dir:
            write_screen(self.record_screen_dir, self._n_recorded, self._rgb)
            self._n_recorded += 1
        if self.observation == 'rgb':  # the original's: channels first
            resized = cv2.resize(self._rgb, (SCREEN_SIZE, SCREEN_SIZE), interpolation=cv2.INTER_LINEAR)
            self.state[:] = resized.transpose(2, 0, 1)
        else:
            push_frame(self.state, cv2.cvtColor(self._rgb, cv2.COLOR_RGB2GRAY))


def resolution_of(text):
    """ViZDoom's ScreenResolution for '640x480'; UsageError if it has none."""
    name = 'RES_' + text.upper()
    names = sorted((n[4:].lower() for n in dir(vizdoom.ScreenResolution) if n.startswith('RES_')),
                   key=lambda n: [int(x) for x in n.split('x')])
    if not hasattr(vizdoom.ScreenResolution, name):
        raise UsageError(f'ViZDoom has no screen resolution {text}; give one of {", ".join(names)}')
    return getattr(vizdoom.ScreenResolution, name)


def game_info(config_path):
    """What a model file says of the scenario it was trained on."""
    return {'scenario': scenario_name(config_path), 'scenario_md5': file_md5(config_path),
            'vizdoom_version': vizdoom.__version__}


DOOM = EnvironmentKind(
    name='ViZDoom', argument='scenario', argument_default='basic',
    argument_help='bundled ViZDoom scenario (basic, defend_the_center, health_gathering, ...) or path to a .cfg file',
    resolve=resolve_scenario, short_name=scenario_name,
    open=DoomEnv, game_info=game_info,
    display_flag='--window-visible',
    default_eval_frequency=10 ** 5,
    train_example='2 --scenario basic --outdir runs/basic',
    demo_example='trained_model/doom_basic/300000.h5 --scenario basic --n-runs 10',
    options=(
        EnvironmentOption('--observation', str, DEFAULT_OBSERVATION, choices=OBSERVATIONS, resumed_default='grayscale-stack',
                          help='rgb: one RGB frame, as the original (default); grayscale-stack: 4 grayscale '
                               'frames, as Atari'),
        EnvironmentOption('--tics-per-step', positive_int, DEFAULT_TICS_PER_STEP, resumed_default=4,
                          help=f'tics an action is repeated (default {DEFAULT_TICS_PER_STEP}, the original\'s)'),
        EnvironmentOption('--resolution', screen_resolution, DEFAULT_RESOLUTION, resumed_default='160x120',
                          help=f'the screen ViZDoom renders, resized to 84x84 (default {DEFAULT_RESOLUTION}, '
                               'the original\'s)'),
        EnvironmentOption('--reward-scale', positive_float, DEFAULT_REWARD_SCALE, in_demo=False,
                          help=f'training rewards are multiplied by this (default {DEFAULT_REWARD_SCALE}: the '
                               'original divided them by 100); evaluation scores are the scenario\'s own'),
        # Runs recorded before this option existed trained unclipped: they resume so.
        EnvironmentOption('--reward-clipping', str, 'on', choices=ON_OFF, in_demo=False, resumed_default='off',
                          help='on: clip the scaled training rewards to [-1, 1], as the original (default); '
                               'off: keep them as scaled, for a scenario whose rewards need no clipping'),
    ))
