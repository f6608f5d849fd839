"""The demos' command line (demo_a3c_ale.py, demo_a3c_doom.py, demo_a3c_gym.py): play whole episodes
with a model, or with a uniformly random policy (--random), the baseline a score is read against. The
model file says which method trained it: an A3C model samples its policy, a Q-learning model plays
epsilon-greedily with its training's --eval-epsilon (--epsilon to change it)."""
import json
import os
import sys
import time

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

from animation import GifRecorder
from errors import (ArgumentParser, UsageError, WriteError, exit_with_usage_error, non_negative_float,
                    positive_float, positive_int, probability)
from evaluation import run_episode, summarize
from model_info import algorithm_name, describe
from models import load_model, read_model_info
from q_learning import METHODS
from paths import check_new_file, check_readable_file, prepare_empty_directory
from seeding import independent_seeds


def parse_args(kind, argv=None):
    parser = ArgumentParser(description=f'Play whole episodes of {kind.name} with a trained model (A3C or a Q-learning '
                                        'method\'s; or a random policy) and print the scores.',
                            epilog=f'example:\n  {os.path.basename(sys.argv[0])} {kind.demo_example}')
    if kind.argument_default is None:
        kind.add_argument(parser, None)
    parser.add_argument('model', nargs='?', help='model file (.h5) written by the trainer, or the original\'s')
    if kind.argument_default is not None:
        kind.add_argument(parser, kind.argument_default)
    parser.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    parser.add_argument(kind.display_flag, dest='use_sdl', action='store_true', help='show the game (needs a display)')
    parser.add_argument('--n-runs', type=positive_int, default=10, help='episodes to play (default 10)')
    parser.add_argument('--deterministic', action='store_true',
                        help='take the most probable action instead of sampling (a Q-learning model: the greedy '
                             'one, epsilon 0)')
    parser.add_argument('--epsilon', type=probability, default=None, metavar='E',
                        help="a Q-learning model's epsilon-greedy play (default: its training's --eval-epsilon, "
                             "0.05 for the paper's settings)")
    parser.add_argument('--algorithm', choices=('a3c',) + METHODS, default=None,
                        help='expect a model of this method (optional: the file tells)')
    parser.add_argument('--random', action='store_true',
                        help='play uniformly random actions instead of a model (MODEL, if given, is not '
                             'loaded): the baseline')
    parser.add_argument('--sleep', type=non_negative_float, default=0.0, metavar='S',
                        help='wait S seconds per frame (tic) played, so that a person can watch (default 0)')
    parser.add_argument('--record-screen-dir', metavar='DIR', default=None,
                        help='save every frame of game i as a PNG in DIR/<i>/, as the original (DIR: a new or '
                             'empty directory)')
    parser.add_argument('--use-lstm', action='store_true', default=None,
                        help='expect an A3C LSTM model (optional: the file tells FF from LSTM)')
    parser.add_argument('--gif', metavar='PATH', default=None,
                        help='write the first episode as an animated GIF to PATH (a new file)')
    parser.add_argument('--gif-speedup', type=positive_float, default=1.0,
                        help='play the GIF this many times faster than the game (default 1: the game\'s pace)')
    kind.add_options(parser, lambda value: value, demo=True)
    args = parser.parse_args(argv)
    if not args.random and args.model is None:
        parser.error('give MODEL or --random')
    if args.random and args.model is not None:  # the original Doom demo's form: MODEL given, not loaded
        print(f'{parser.prog}: --random plays without a model: {args.model} is not loaded', file=sys.stderr)
    return args


def open_player(kind, args):
    """The environment, the model (None for --random) and the action sampler's generator: the
    environment's random starts and the sampled actions draw from two streams derived from --seed."""
    env_seed, action_seed = independent_seeds(2, args.seed)
    env_path = kind.resolve(getattr(args, kind.argument))
    env = kind.open(env_path, env_seed, train=False, use_sdl=args.use_sdl, **kind.option_values(args))
    model = None
    if not args.random:
        check_readable_file(args.model, 'model file')
        info = read_model_info_or_nothing(args.model)
        other = kind.other_game(info, env_path)
        if other:
            raise UsageError(f'{args.model!r} holds a model trained on {other[0]} but this is {other[1]}; give a '
                             f'model trained on {kind.short_name(env_path)}')
        expects_q = None if args.algorithm is None else args.algorithm != 'a3c'
        model = load_model(args.model, env.model_spec, use_lstm=args.use_lstm, q_values=expects_q)
        check_algorithm(args, info, model)
        if hasattr(model, 'epsilon'):  # a Q-learning model
            model.epsilon = args.epsilon if args.epsilon is not None else recorded_eval_epsilon(info)
        elif args.epsilon is not None:
            raise UsageError(f'--epsilon is for a Q-learning model\'s epsilon-greedy play; {args.model!r} holds an '
                             f'A3C model, which samples its policy: drop --epsilon')
        print(f'model: {describe(info, env.model_spec.continuous)}', flush=True)
    return env, model, np.random.RandomState(action_seed)


def check_algorithm(args, info, model):
    """--algorithm, when given, must be the one the file says trained it (where it says)."""
    if args.algorithm is None or 'algorithm' not in info or 'arguments' not in info:
        return
    trained_with = json.loads(info['arguments']).get('algorithm', 'a3c')
    if trained_with != args.algorithm:
        raise UsageError(f'{args.model!r} holds a model trained with {algorithm_name(trained_with, model.use_lstm)}, '
                         f'not {algorithm_name(args.algorithm, model.use_lstm)}: drop --algorithm or give such a model')


def recorded_eval_epsilon(info, default=0.05):
    """The --eval-epsilon a Q-learning model's run evaluated with (default where the file does not say)."""
    try:
        value = json.loads(info.get('arguments', '{}')).get('eval_epsilon')
    except ValueError:
        value = None
    return default if value is None else float(value)


def read_model_info_or_nothing(path):
    """The model file's own description, or {} (load_model then says what is wrong with the file)."""
    try:
        return read_model_info(path)
    except (OSError, ValueError):
        return {}


def main(script, kind, argv=None):
    args = parse_args(kind, argv)
    try:
        if args.gif is not None:
            check_new_file(args.gif, '--gif')
        if args.record_screen_dir is not None:
            prepare_empty_directory(args.record_screen_dir, '--record-screen-dir')
        env, model, rng = open_player(kind, args)
        if (args.gif or args.record_screen_dir) and not getattr(env, 'can_render', True):
            raise UsageError(f'{getattr(args, kind.argument)} cannot render (its constructor takes no render_mode), '
                             f'so there is nothing to record: drop {"--gif" if args.gif else "--record-screen-dir"}')
    except UsageError as error:
        exit_with_usage_error(script, error)
    chainer.config.type_check = False
    scores = []
    for run in range(args.n_runs):
        if args.record_screen_dir is not None:  # the original's layout: each game in a directory of its own
            game_dir = os.path.join(args.record_screen_dir, str(run))
            os.mkdir(game_dir)
            env.record_screens(game_dir)
        recorder = GifRecorder(args.gif, env.steps_per_second, args.gif_speedup) if args.gif and run == 0 else None

        def after_step(env):
            if recorder:
                recorder.add(env.rgb_screen())
            if args.sleep:
                time.sleep(args.sleep * env.frames_per_step)
        scores.append(run_episode(env, model, rng, args.deterministic, on_step=after_step))
        cut = ' (cut by the time limit)' if getattr(env, 'is_truncated', False) else ''
        print(f'Run {run}: {scores[-1]:g}{cut}', flush=True)
        if recorder:
            try:
                n_frames = recorder.write()
            except WriteError as error:
                print(f'{script}: error: {error}', file=sys.stderr)
                return 1
            print(f'wrote {n_frames} frames at {recorder.frames_per_second:g} frames/s to {args.gif}', flush=True)
    env.close()
    mean, median, stdev = summarize(scores)
    print(f'mean: {mean:g}  median: {median:g}  stdev: {stdev:g}')
    return 0
