"""Replay a trained A3C model on an Atari game: whole games, real scores.

usage: python demo_a3c_ale.py ROM MODEL [options]      (python demo_a3c_ale.py --help)
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'

import sys  # noqa: E402

import chainer  # noqa: E402
import numpy as np  # noqa: E402

from ale import ALE, check_display, resolve_rom  # noqa: E402
from errors import ArgumentParser, UsageError, exit_with_usage_error, positive_int  # noqa: E402
from evaluation import run_episode, summarize  # noqa: E402
from models import load_model  # noqa: E402


def parse_args(argv=None):
    parser = ArgumentParser(description='Play whole games with a trained A3C model and print the scores.')
    parser.add_argument('rom', help='ALE game id (breakout, ...) or path to a ROM file')
    parser.add_argument('model', help='model file (.h5) written by a3c_ale.py, or the original\'s')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    parser.add_argument('--use-sdl', action='store_true', help='show the game (needs a display)')
    parser.add_argument('--n-runs', type=positive_int, default=10, help='games to play (default 10)')
    parser.add_argument('--deterministic', action='store_true',
                        help='take the most probable action instead of sampling')
    parser.add_argument('--record-screen-dir', default=None, help='save every frame as a PNG in this directory')
    parser.add_argument('--use-lstm', action='store_true', default=None,
                        help='expect an A3C LSTM model (optional: the file tells FF from LSTM)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.use_sdl:
            check_display()
        rom_path = resolve_rom(args.rom)
        env = ALE(rom_path, args.seed, train=False, use_sdl=args.use_sdl,
                  record_screen_dir=args.record_screen_dir)
        model = load_model(args.model, env.number_of_actions, use_lstm=args.use_lstm)
    except UsageError as error:
        exit_with_usage_error('demo_a3c_ale.py', error)
    chainer.config.type_check = False
    rng = np.random.RandomState(args.seed)
    scores = []
    for run in range(args.n_runs):
        scores.append(run_episode(env, model, rng, args.deterministic))
        print(f'Run {run}: {scores[-1]:g}', flush=True)
    mean, median, stdev = summarize(scores)
    print(f'mean: {mean:g}  median: {median:g}  stdev: {stdev:g}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
