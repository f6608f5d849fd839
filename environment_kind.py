"""What the shared trainer and demo need to know of an environment: Atari (ale.py), ViZDoom
(doom_env.py). Each environment module describes itself with one EnvironmentKind."""
import os
from dataclasses import dataclass, field
from typing import Callable

from errors import UsageError


def check_display():
    """--use-sdl shows a window: say so clearly where there is no display."""
    if not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        raise UsageError('--use-sdl needs a display but DISPLAY is not set; '
                         'run without --use-sdl, or under xvfb-run')


@dataclass(frozen=True)
class TrainingOption:
    """An option of one environment's trainer, e.g. ViZDoom's --reward-scale."""
    flag: str
    type: Callable
    default: object
    help: str

    @property
    def dest(self):
        return self.flag.lstrip('-').replace('-', '_')


@dataclass(frozen=True)
class EnvironmentKind:
    name: str                       # 'Atari' or 'ViZDoom', for messages
    argument: str                   # the scripts' positional argument: 'rom', 'scenario'
    argument_help: str
    resolve: Callable               # argument -> file path (UsageError if there is none)
    short_name: Callable            # file path -> name for run directories
    open: Callable                  # (path, seed, train=, use_sdl=, record_screen_dir=, **options) -> env
    steps_per_second: float         # agent steps per second of game time (animations)
    options: tuple = field(default=())  # TrainingOption, recorded in args.txt and given to open

    def number_of_actions(self, path):
        env = self.open(path, 0, train=False)
        try:
            return env.number_of_actions
        finally:
            env.close()
