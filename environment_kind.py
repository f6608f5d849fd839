"""What the shared trainer and demo need to know of an environment: Atari (ale.py), ViZDoom
(doom_env.py), Gymnasium (gym_env.py). Each environment module describes itself with one EnvironmentKind."""
import os
from dataclasses import dataclass, field
from typing import Callable

from errors import UsageError


def check_display(flag='--use-sdl'):
    """flag shows a window: say so clearly where there is no display."""
    if not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        raise UsageError(f'{flag} needs a display but DISPLAY is not set; '
                         f'run without {flag}, or under xvfb-run')


# What tells one game from another in a model file's info (model_info.py), and what names it.
GAME_KEYS = (('rom_md5', 'game'), ('scenario_md5', 'scenario'), ('gym_env', 'gym_env'))


def game_identity(info):
    """((key, value) that tells the game, its name for messages) of a model file's info; None if the
    info says nothing of its game (the original's files)."""
    for identity_key, name_key in GAME_KEYS:
        if identity_key in info:
            name = info.get(name_key, '?')
            if identity_key != name_key:
                name += f' ({identity_key.split("_")[0]} md5 {info[identity_key]})'
            return (identity_key, info[identity_key]), name
    return None


@dataclass(frozen=True)
class EnvironmentOption:
    """An option of one environment's scripts, e.g. ViZDoom's --reward-scale: recorded in args.txt
    and given to open. in_demo: the demo takes it too (it changes what the agent sees).
    resumed_default: the value for a run recorded before the option existed (--resume).
    nargs, metavar: argparse's (a list of values, e.g. --env-kwargs' KEY:VALUE ...)."""
    flag: str
    type: Callable
    default: object
    help: str
    choices: tuple = None
    nargs: str = None
    metavar: str = None
    in_demo: bool = True
    resumed_default: object = None

    @property
    def dest(self):
        return self.flag.lstrip('-').replace('-', '_')


@dataclass(frozen=True)
class EnvironmentKind:
    name: str                       # 'Atari', 'ViZDoom' or 'Gymnasium', for messages
    argument: str                   # what names the game: 'rom', 'scenario'
    argument_help: str
    resolve: Callable               # argument -> file path (UsageError if there is none)
    short_name: Callable            # file path -> name for run directories
    open: Callable                  # (path, seed, train=, use_sdl=, **options) -> env
    game_info: Callable             # file path -> what a model file says of the game (model_info.py)
    argument_default: str = None    # None: a positional argument (ROM); else an option (--scenario basic)
    display_flag: str = '--use-sdl'  # the option that shows the game's window (its dest is use_sdl)
    default_eval_frequency: int = 10 ** 6
    options: tuple = field(default=())  # EnvironmentOption
    train_example: str = ''          # the trainer's arguments in --help's example
    demo_example: str = ''           # the demo's

    def add_argument(self, parser, default, required=True):
        """The game's argument: positional (the original's ROM) or an option with a default (the
        original's Doom --scenario)."""
        if self.argument_default is None:
            parser.add_argument(self.argument, nargs=None if required else '?', default=default,
                                help=self.argument_help)
        else:
            parser.add_argument('--' + self.argument, default=default,
                                help=f'{self.argument_help} (default {self.argument_default})')

    def add_options(self, parser, default, demo=False):
        """The environment's own options; default(value) gives each one's default."""
        for option in self.options:
            if option.in_demo or not demo:
                parser.add_argument(option.flag, type=option.type, choices=option.choices, nargs=option.nargs,
                                    metavar=option.metavar, default=default(option.default), help=option.help)

    def option_values(self, args):
        return {option.dest: getattr(args, option.dest) for option in self.options if hasattr(args, option.dest)}

    def other_game(self, model_info, path):
        """None if a model file's info (model_info.py) fits the game at path or says nothing of it;
        else what it was trained on and what this is, for the message."""
        theirs, mine = game_identity(model_info), game_identity(self.game_info(path))
        if theirs is None or theirs == mine:
            return None
        return theirs[1], mine[1]

    def model_spec(self, path, options):
        """The shape of the model (a ModelSpec) that the environment these options make needs."""
        env = self.open(path, 0, train=False, **options)
        try:
            return env.model_spec
        finally:
            env.close()
