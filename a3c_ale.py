"""Train A3C FF or A3C LSTM on an Atari game.

usage: python a3c_ale.py PROCESSES ROM [options]      (python a3c_ale.py --help)
"""
import os

# One BLAS/OpenMP thread per worker, set before numpy loads: N workers on N cores.
for _variable in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_variable] = '1'

import random  # noqa: E402
import sys  # noqa: E402

from ale import ALE, check_display, game_name, resolve_rom  # noqa: E402
from errors import (ArgumentParser, UsageError, exit_with_usage_error, non_negative_float,  # noqa: E402
                    positive_float, positive_int)
from train_async import prepare_outdir, record_run, train  # noqa: E402


def parse_args(argv=None):
    parser = ArgumentParser(description='Train A3C on an Atari game with PROCESSES worker processes.')
    parser.add_argument('processes', type=positive_int, help='number of worker processes')
    parser.add_argument('rom', help='ALE game id (breakout, space_invaders, ...) or path to a ROM file')
    parser.add_argument('--seed', type=int, default=None,
                        help='random seed; each worker derives its own (default: random, recorded in args.txt)')
    parser.add_argument('--outdir', default=None,
                        help='directory for this run (default: a new one under results/)')
    parser.add_argument('--use-sdl', action='store_true', help="show worker 0's game (needs a display)")
    parser.add_argument('--t-max', type=positive_int, default=5, help='steps between updates (default 5)')
    parser.add_argument('--beta', type=non_negative_float, default=1e-2, help='entropy weight (default 0.01)')
    parser.add_argument('--profile', action='store_true',
                        help='profile each worker with cProfile into OUTDIR/profile_<worker>.txt')
    parser.add_argument('--steps', type=positive_int, default=8 * 10 ** 7,
                        help='global steps to train (default 8e7)')
    parser.add_argument('--lr', type=positive_float, default=7e-4,
                        help='initial learning rate, annealed linearly to 0 (default 7e-4)')
    parser.add_argument('--eval-frequency', type=positive_int, default=10 ** 6,
                        help='evaluate every this many global steps (default 1e6)')
    parser.add_argument('--eval-n-runs', type=positive_int, default=10,
                        help='games per evaluation (default 10)')
    parser.add_argument('--weight-decay', type=non_negative_float, default=0.0,
                        help='L2 weight decay on weights, not biases (default 0)')
    parser.add_argument('--use-lstm', action='store_true', help='A3C LSTM instead of A3C FF')
    parser.add_argument('--progress-interval', type=positive_float, default=5.0,
                        help='seconds between progress lines (default 5)')
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2 ** 31)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.use_sdl:
            check_display()
        args.rom_path = resolve_rom(args.rom)
        n_actions = ALE(args.rom_path, seed=0).number_of_actions
        run_name = f'{game_name(args.rom_path)}_{"lstm" if args.use_lstm else "ff"}'
        outdir = prepare_outdir(args.outdir, 'results', run_name)
    except UsageError as error:
        exit_with_usage_error('a3c_ale.py', error)
    args.outdir = outdir
    record_run(outdir, args)
    print(f'training A3C {"LSTM" if args.use_lstm else "FF"} on {args.rom_path} ({n_actions} actions) '
          f'with {args.processes} processes, seed {args.seed}; writing to {outdir}', flush=True)

    def make_env(process_idx, seed, train):
        return ALE(args.rom_path, seed, train=train, use_sdl=args.use_sdl and train and process_idx == 0)

    return train(args, make_env, n_actions, outdir)


if __name__ == '__main__':
    sys.exit(main())
