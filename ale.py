"""The Atari environment with the paper's preprocessing, on ale-py.

One agent step repeats the action 4 times and sums the rewards. The observation
is the pixel-wise max of the last two of those frames in colour, then its
luminance (ALE's own weights), resized to 84x84 (bilinear), stacked with the
three previous observations (zeros after a reset). Every episode starts with 0-30 random no-ops and is capped at 108,000
frames. In training a lost life ends the episode (the game goes on from where
it stands at the next reset) and rewards are clipped to [-1, 1]; in evaluation
an episode is a whole game with its real score.
"""
import difflib
import os
import re

import ale_py
import cv2
import numpy as np
from ale_py import Action, ALEInterface, LoggerMode, roms

from environment_kind import EnvironmentKind, check_display
from errors import UsageError
from frames import N_STACKED_FRAMES, SCREEN_SIZE, push_frame
from model_info import file_md5
from model_spec import ModelSpec
from paths import check_readable_file

ALEInterface.setLoggerMode(LoggerMode.Error)

FRAME_SKIP = 4
FRAMES_PER_SECOND = 60
MAX_NOOPS = 30
MAX_EPISODE_FRAMES = 108_000
# ALE's getScreenGrayscale weights (the original swapped green's and blue's, its issue #24).
LUMINANCE_WEIGHTS = np.array([[0.2989, 0.5870, 0.1140]])


def game_ids():
    return sorted(roms.get_all_rom_ids())


def resolve_rom(rom):
    """Return the ROM file for an ALE game id ('breakout', 'SpaceInvaders') or a path."""
    if os.path.isdir(rom):
        raise UsageError(f'ROM {rom!r} is a directory; give a ROM file (.bin) or a game id such as breakout')
    if os.path.isfile(rom):
        check_readable_file(rom, 'ROM')
        if not ALEInterface.isSupportedROM(rom):
            raise UsageError(f'{rom!r} is not a ROM that ALE supports; give a supported .bin file '
                             'or a game id such as breakout')
        return rom
    if os.sep in rom or rom.endswith('.bin'):
        raise UsageError(f'ROM file {rom!r} does not exist; check the path or give a game id such as breakout')
    game_id = re.sub(r'(?<!^)(?=[A-Z])', '_', rom).lower().replace('-', '_')
    ids = game_ids()
    if game_id in ids:
        return str(roms.get_rom_path(game_id))
    close = difflib.get_close_matches(game_id, ids, n=3, cutoff=0.6)
    hint = f'did you mean {", ".join(close)}?' if close else 'see ale_py.roms.get_all_rom_ids() for the list'
    raise UsageError(f'unknown game id {rom!r}: {hint}')


def game_name(rom):
    """A short name for output directories: the game id or the ROM file's stem."""
    return os.path.splitext(os.path.basename(rom))[0]


class ALE:
    """An Atari game seen the way the A3C agent sees it.

    After reset() or receive_action(): `state` is the (4, 84, 84) uint8 frame
    stack (overwritten by the next step: copy it to keep it), `reward` the
    reward of the last step and `is_terminal` whether the episode has ended;
    rgb_screen() is the last frame in colour; record_screens() writes every frame as a PNG.
    """
    frames_per_step = FRAME_SKIP
    steps_per_second = FRAMES_PER_SECOND / FRAME_SKIP  # of game time

    def __init__(self, rom_path, seed, train=True, use_sdl=False, max_episode_frames=MAX_EPISODE_FRAMES):
        if use_sdl:
            check_display()
        self.train = train
        self.rom_path = rom_path
        self.max_episode_frames = max_episode_frames
        self.rng = np.random.RandomState(seed)
        self.ale = ALEInterface()
        self.ale.setInt('random_seed', int(seed) % 2**31)
        self.ale.setFloat('repeat_action_probability', 0.0)
        if use_sdl:
            self.ale.setBool('display_screen', True)
            self.ale.setBool('sound', True)
        self.ale.loadROM(rom_path)
        self.legal_actions = self.ale.getMinimalActionSet()
        height, width = self.ale.getScreenDims()
        # The last two RGB frames of a step, written alternately (the newest at _newest).
        self._frames = np.zeros((2, height, width, 3), np.uint8)
        self._newest = 0
        self._max_frame = np.zeros((height, width, 3), np.uint8)
        self._luminance = np.zeros((height, width), np.uint8)
        self.state = np.zeros((N_STACKED_FRAMES, SCREEN_SIZE, SCREEN_SIZE), np.uint8)
        self._truncated = False
        self.reset()

    @property
    def number_of_actions(self):
        return len(self.legal_actions)

    def random_action(self, rng):
        return rng.randint(self.number_of_actions)

    @property
    def model_spec(self):
        return ModelSpec(self.number_of_actions, N_STACKED_FRAMES)

    def reset(self):
        """Start a new episode: a new game unless training continues one after a lost life."""
        if not self.train or self.ale.game_over() or self._truncated:
            self.ale.reset_game()
        self.episode_frames = 0
        for _ in range(self.rng.randint(MAX_NOOPS + 1)):
            self.ale.act(Action.NOOP)
            self.episode_frames += 1
            if self.ale.game_over():
                self.ale.reset_game()
        self._capture_frame()
        self._frames[1 - self._newest] = self._frames[self._newest]
        self.state[:] = 0
        self._push_observation()
        self.lives = self.ale.lives()
        self.reward = 0.0
        self.is_terminal = False
        self._truncated = False

    def receive_action(self, action):
        """Play action (an index into the minimal action set) for 4 frames; return the reward."""
        ale_action = self.legal_actions[action]
        reward = 0.0
        for repeat in range(FRAME_SKIP):
            reward += self.ale.act(ale_action)
            self.episode_frames += 1
            lives = self.ale.lives()
            life_lost = self.train and lives < self.lives
            self.lives = lives  # re-read every frame, as the original: a bonus life raises it
            self._truncated = self.episode_frames >= self.max_episode_frames
            done = self.ale.game_over() or life_lost or self._truncated
            if repeat >= FRAME_SKIP - 2 or done:
                self._capture_frame()
            if done:
                break
        self._push_observation()
        self.is_terminal = done
        self.reward = float(np.clip(reward, -1.0, 1.0)) if self.train else reward
        return self.reward

    def rgb_screen(self):
        return self.ale.getScreenRGB()

    def record_screens(self, directory):
        """From the next reset() on, write every frame into directory (an existing one) as
        000000.png, 000001.png, ... (ALE's record_screen_dir, which takes effect when the ROM loads:
        the game is loaded anew, as the original opened a new ALE for each game it recorded)."""
        self.ale.setString('record_screen_dir', directory)
        self.ale.loadROM(self.rom_path)

    def close(self):
        pass  # ALEInterface frees itself

    def _capture_frame(self):
        self._newest = 1 - self._newest
        self.ale.getScreenRGB(self._frames[self._newest])

    def _push_observation(self):
        """The paper's order: the max of the two RGB frames, then luminance, then resize."""
        np.maximum(self._frames[0], self._frames[1], out=self._max_frame)
        cv2.transform(self._max_frame, LUMINANCE_WEIGHTS, dst=self._luminance)
        push_frame(self.state, self._luminance)


def game_info(rom_path):
    """What a model file says of the game it was trained on."""
    return {'game': game_name(rom_path), 'rom_md5': file_md5(rom_path), 'ale_py_version': ale_py.__version__}


ATARI = EnvironmentKind(
    name='Atari', argument='rom',
    argument_help='ALE game id (breakout, space_invaders, ...) or path to a ROM file',
    resolve=resolve_rom, short_name=game_name,
    open=ALE, game_info=game_info,
    train_example='8 breakout --outdir runs/breakout', demo_example='pong trained_model/pong_ff/13000000.h5 --n-runs 10')
