"""The trainers' command line (a3c_ale.py, train_a3c_doom.py): options, --resume, the run directory.

One function, main(), runs either trainer; the environment module's
EnvironmentKind says what differs (the positional argument, how to open an
environment, options of its own).
"""
import argparse
import dataclasses
import math
import os
import random
import sys

from async_util import flatten_parameters
from checkpoint import latest_checkpoint
from environment_kind import check_display
from errors import (ArgumentParser, UsageError, WriteError, exit_with_usage_error, non_negative_float,
                    non_negative_int, positive_float, positive_int, probability)
from exploration import EPSILON_STEPS, FINAL_EPSILON_PROBABILITIES, FINAL_EPSILONS
from model_info import algorithm_name, run_info
from q_learning import METHODS
from models import load_model
from paths import check_readable_file, check_writable_directory
from run_dir import lock_run_dir, prepare_outdir, record_run
from tensorboard_log import require_tensorboardx
from train_async import train

# Options that only change how a run is watched: a resumed run may set them anew.
RESUME_MAY_CHANGE = {'resume', 'progress_interval', 'profile', 'use_sdl', 'keep_checkpoints', 'stats_frequency',
                     'tensorboard'}
NOT_GIVEN = object()  # not a string, so argparse does not convert it
# All 80 checkpoints of a default run would take about 440 MB (A3C FF, 5.5 MB each; 770 MB for A3C
# LSTM); the newest few are enough to resume, and a damaged newest one still leaves older ones.
DEFAULT_KEEP_CHECKPOINTS = 3
# The entropy's weight: the original's for Atari; the paper's for a Gaussian policy (its supplementary
# section on continuous control), whose entropy differs in scale from a softmax's.
DEFAULT_BETA = 1e-2
DEFAULT_BETA_CONTINUOUS = 1e-4
# The Q-learning methods' own options and their defaults (the paper's, section 8; the evaluation's
# epsilon is DQN's and ChainerRL's, the paper does not give one): docs/q_learning.md.
Q_LEARNING_DEFAULTS = {'final_epsilons': list(FINAL_EPSILONS), 'final_epsilon_probs': list(FINAL_EPSILON_PROBABILITIES),
                       'final_epsilon': None, 'epsilon_steps': EPSILON_STEPS, 'target_update_interval': 40_000,
                       'eval_epsilon': 0.05}


def make_parser(kind, with_defaults=True):
    """The parser; without defaults it yields only what the command line itself says."""
    def default(value):
        return value if with_defaults else NOT_GIVEN

    parser = ArgumentParser(description=f'Train A3C (or the paper\'s asynchronous Q-learning methods) on {kind.name} '
                                        'with PROCESSES worker processes.')
    parser.epilog = (f'example:\n  {parser.prog} {kind.train_example}\n'
                     f'  {parser.prog} --resume {kind.train_example.split("--outdir ")[1]}      # after Ctrl-C')
    parser.add_argument('processes', type=positive_int, nargs='?', default=default(None),
                        help='number of worker processes')
    kind.add_argument(parser, default(kind.argument_default), required=False)
    parser.add_argument('--seed', type=int, default=default(None),
                        help='random seed; each worker derives its own (default: random, recorded in args.txt)')
    parser.add_argument('--outdir', default=default(None),
                        help='directory for this run (default: a new one under results/)')
    parser.add_argument(kind.display_flag, dest='use_sdl', action='store_true', default=default(False),
                        help="show worker 0's game (needs a display)")
    parser.add_argument('--algorithm', choices=('a3c',) + METHODS, default=default('a3c'),
                        help='the method: A3C (FF, or LSTM with --use-lstm), or one of the paper\'s asynchronous '
                             'n-step Q-learning, one-step Q-learning, one-step Sarsa (default a3c)')
    parser.add_argument('--t-max', type=positive_int, default=default(5), help='steps between updates (default 5)')
    parser.add_argument('--beta', type=non_negative_float, default=default(None),
                        help=f'entropy weight (default {DEFAULT_BETA}; {DEFAULT_BETA_CONTINUOUS} for continuous actions, '
                             'the paper\'s)')
    parser.add_argument('--profile', action='store_true', default=default(False),
                        help='profile each worker with cProfile into OUTDIR/profile_<worker>.txt')
    parser.add_argument('--steps', type=positive_int, default=default(8 * 10 ** 7),
                        help='global steps to train (default 8e7)')
    parser.add_argument('--lr', type=positive_float, default=default(7e-4),
                        help='initial learning rate, annealed linearly to 0 (default 7e-4)')
    parser.add_argument('--eval-frequency', type=positive_int, default=default(kind.default_eval_frequency),
                        help=f'evaluate every this many global steps (default {kind.default_eval_frequency:.0e})')
    parser.add_argument('--eval-timeout', type=positive_float, default=default(3600.0), metavar='SECONDS',
                        help='give up an evaluation still playing after SECONDS (it is not recorded; training goes '
                             'on), so that a slow environment cannot hold up a worker (default 3600)')
    parser.add_argument('--eval-n-runs', type=positive_int, default=default(10),
                        help='games per evaluation (default 10)')
    parser.add_argument('--weight-decay', type=non_negative_float, default=default(0.0),
                        help='L2 weight decay on weights, not biases (default 0)')
    parser.add_argument('--use-lstm', action='store_true', default=default(False),
                        help='A3C LSTM instead of A3C FF')
    parser.add_argument('--lstm-forget-bias', type=float, default=default(None), metavar='B',
                        help="start the LSTM's forget-gate biases at B (1: Chainer's own L.LSTM start) instead "
                             "of the original's Torch-like start near 0, which halves the cell's memory every "
                             "step until trained (default: the original's)")
    q_options = parser.add_argument_group('the Q-learning methods (--algorithm n-step-q, one-step-q, one-step-sarsa)')
    q_options.add_argument('--final-epsilons', type=probability, nargs='+', metavar='E', default=default(None),
                           help='the final epsilons each worker draws one of (default 0.1 0.01 0.5, the paper\'s)')
    q_options.add_argument('--final-epsilon-probs', type=probability, nargs='+', metavar='P', default=default(None),
                           help='their probabilities (default 0.4 0.3 0.3, the paper\'s)')
    q_options.add_argument('--final-epsilon', type=probability, metavar='E', default=default(None),
                           help='one final epsilon for every worker instead of the draw')
    q_options.add_argument('--epsilon-steps', type=positive_int, metavar='N', default=default(None),
                           help='global steps over which epsilon falls from 1 to its final value (default 4e6: '
                                'the paper\'s four million frames, read as steps as ChainerRL does)')
    q_options.add_argument('--target-update-interval', type=positive_int, metavar='N', default=default(None),
                           help='copy the shared parameters into the target network every N global steps '
                                '(default 40000, the paper\'s)')
    q_options.add_argument('--eval-epsilon', type=probability, metavar='E', default=default(None),
                           help='epsilon of the evaluations\' epsilon-greedy play (default 0.05, DQN\'s and '
                                'ChainerRL\'s; the paper gives none)')
    kind.add_options(parser, default)
    parser.add_argument('--checkpoint-frequency', type=positive_int, default=default(None),
                        help='write a resumable checkpoint every this many global steps '
                             '(default: --eval-frequency)')
    parser.add_argument('--keep-checkpoints', type=non_negative_int, default=default(DEFAULT_KEEP_CHECKPOINTS),
                        metavar='N',
                        help=f'keep only the newest N checkpoint_<steps>.h5 files (default {DEFAULT_KEEP_CHECKPOINTS}; '
                             '0: keep all); models (<steps>.h5, _finish.h5, _keyboardinterrupt.h5) are never removed')
    parser.add_argument('--resume', metavar='RUN_DIR', default=default(None),
                        help='continue the run in RUN_DIR from its last checkpoint, with its arguments')
    parser.add_argument('--load', metavar='MODEL', default=default(None),
                        help="start a new run from a model file's weights")
    parser.add_argument('--progress-interval', type=positive_float, default=default(5.0),
                        help='seconds between progress lines (default 5)')
    parser.add_argument('--stats-frequency', type=positive_int, default=default(10_000),
                        help='global steps between rows of stats.csv (default 10000)')
    parser.add_argument('--tensorboard', action='store_true', default=default(False),
                        help='also write the statistics and evaluations as TensorBoard scalars into '
                             'OUTDIR/tensorboard (needs requirements-tensorboard.txt)')
    return parser


def parse_args(kind, argv=None):
    """The run's arguments, and the checkpoint to resume from (or None)."""
    args = make_parser(kind).parse_args(argv)
    if args.resume is None:
        if args.processes is None or getattr(args, kind.argument) is None:
            required = 'PROCESSES is' if kind.argument_default else f'PROCESSES and {kind.argument.upper()} are'
            raise UsageError(f'{required} required (or --resume RUN_DIR); see --help')
        if args.checkpoint_frequency is None:
            args.checkpoint_frequency = args.eval_frequency
        if args.seed is None:
            args.seed = random.SystemRandom().randrange(2 ** 31)
        if args.lstm_forget_bias is not None and not args.use_lstm:
            raise UsageError('--lstm-forget-bias is for A3C LSTM: add --use-lstm or drop it')
        if args.lstm_forget_bias is not None and args.load is not None:
            raise UsageError('--lstm-forget-bias sets a new model\'s start, but --load starts from MODEL: drop one')
        check_method_options(args)
        return args, None
    checkpoint = latest_checkpoint(args.resume)
    stored = dict(checkpoint.args)
    stored.setdefault('lstm_forget_bias', None)  # a run recorded before the option: the original's start
    stored.setdefault('algorithm', 'a3c')  # a run recorded before --algorithm
    stored.setdefault('eval_timeout', None)  # nor did one recorded before --eval-timeout: no limit
    for name in Q_LEARNING_DEFAULTS:
        stored.setdefault(name, None)
    for option in kind.options:  # a run recorded before the option existed ran with its old value
        if option.dest not in stored:
            stored[option.dest] = option.default if option.resumed_default is None else option.resumed_default
    if f'{kind.argument}_path' not in stored:
        raise UsageError(f'{args.resume!r} is not a run of this trainer (it has no {kind.argument}); '
                         'resume it with the script that started it')
    if checkpoint.steps >= stored['steps']:
        raise UsageError(f'the run in {args.resume!r} has finished ({checkpoint.steps} steps); to train on, '
                         'start a new run with --load and its final model')
    given = {name: value for name, value in vars(make_parser(kind, with_defaults=False).parse_args(argv)).items()
             if value is not NOT_GIVEN}
    for name, value in given.items():
        if name not in RESUME_MAY_CHANGE and stored.get(name) != value:
            option = name if name in ('processes', kind.argument) else '--' + name.replace('_', '-')
            raise UsageError(f'{option} {value} conflicts with the resumed run\'s {stored.get(name)}; '
                             f'leave it out to resume with the run\'s own arguments')
    resumed = argparse.Namespace(**stored)
    for name in RESUME_MAY_CHANGE:
        if name in given or name not in stored:
            setattr(resumed, name, getattr(args, name))
    resumed.outdir = args.resume
    return resumed, checkpoint


def check_method_options(args):
    """Refuse what --algorithm cannot take; give a Q-learning method its defaults."""
    q_given = ['--' + name.replace('_', '-') for name in Q_LEARNING_DEFAULTS if getattr(args, name) is not None]
    if args.algorithm == 'a3c':
        if q_given:
            raise UsageError(f'{q_given[0]} is for the Q-learning methods: add --algorithm n-step-q (or one-step-q, '
                             f'one-step-sarsa), or drop it')
        return
    if args.use_lstm:
        raise UsageError(f'--use-lstm is for A3C: the paper\'s {algorithm_name(args.algorithm, False)} is '
                         'feed-forward; drop --use-lstm or use --algorithm a3c')
    if args.beta is not None:
        raise UsageError(f'--beta is A3C\'s entropy weight; {algorithm_name(args.algorithm, False)} explores '
                         'epsilon-greedily (--final-epsilons, --epsilon-steps): drop --beta')
    if args.final_epsilon is not None and (args.final_epsilons is not None or args.final_epsilon_probs is not None):
        raise UsageError('--final-epsilon gives every worker one final epsilon; --final-epsilons and '
                         '--final-epsilon-probs a draw: give one or the other')
    for name, default in Q_LEARNING_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.final_epsilon is not None:
        args.final_epsilons, args.final_epsilon_probs = [args.final_epsilon], [1.0]
    if len(args.final_epsilons) != len(args.final_epsilon_probs):
        raise UsageError(f'{len(args.final_epsilons)} --final-epsilons but {len(args.final_epsilon_probs)} '
                         '--final-epsilon-probs: give one probability for each')
    if not math.isclose(sum(args.final_epsilon_probs), 1.0, abs_tol=1e-6):
        raise UsageError(f'--final-epsilon-probs add up to {sum(args.final_epsilon_probs):g}, not 1: give '
                         'probabilities that do')


def main(script, kind, argv=None):
    """Train (or resume) as the command line says; return the exit status."""
    path_name = f'{kind.argument}_path'
    try:
        args, checkpoint = parse_args(kind, argv)
        if args.use_sdl:
            check_display(kind.display_flag)
        if args.tensorboard:
            require_tensorboardx()
        if checkpoint is None:
            setattr(args, path_name, kind.resolve(getattr(args, kind.argument)))
        env_path = getattr(args, path_name)
        options = kind.option_values(args)
        spec = kind.model_spec(env_path, options)
        if args.algorithm != 'a3c':
            if spec.continuous:
                raise UsageError(f'{algorithm_name(args.algorithm, False)} needs discrete actions (a max over '
                                 f'them) but {env_path} has {spec.n_actions}-dimensional continuous ones; '
                                 'train it with --algorithm a3c')
            spec = dataclasses.replace(spec, q_values=True)
        if args.beta is None and args.algorithm == 'a3c':
            args.beta = DEFAULT_BETA_CONTINUOUS if spec.continuous else DEFAULT_BETA
        initial_params = None
        if args.load and checkpoint is None:
            check_readable_file(args.load, '--load')
            initial_params = flatten_parameters(load_model(args.load, spec, use_lstm=args.use_lstm,
                                                           q_values=spec.q_values))
        if checkpoint is None:
            run_name = (f'{kind.short_name(env_path)}_{"lstm" if args.use_lstm else "ff"}' if args.algorithm == 'a3c'
                        else f'{kind.short_name(env_path)}_{args.algorithm}')
            args.outdir = prepare_outdir(args.outdir, 'results', run_name)
        else:
            check_writable_directory(args.outdir, '--resume')
        lock = lock_run_dir(args.outdir)  # held until training ends (a kill releases it too)
    except UsageError as error:
        exit_with_usage_error(script, error)
    try:
        record_run(args.outdir, args)
    except WriteError as error:
        os.close(lock)
        print(f'{script}: error: {error}; nothing was trained', file=sys.stderr)
        return 1
    print(f'training {algorithm_name(args.algorithm, args.use_lstm)} on {env_path} ({spec.describe()}) '
          f'with {args.processes} processes, seed {args.seed}; writing to {args.outdir}', flush=True)

    def make_env(process_idx, seed, train):
        return kind.open(env_path, seed, train=train, use_sdl=args.use_sdl and train and process_idx == 0,
                         **options)

    try:
        return train(args, make_env, spec, args.outdir, checkpoint=checkpoint, initial_params=initial_params,
                     model_info=run_info(kind, env_path, args, spec.n_actions))
    finally:
        os.close(lock)
