"""What a model file says of itself: the game it was trained on, FF or LSTM, the number of actions,
the global step, the evaluation mean, the run's arguments, the code's revision and the versions
of Python and the libraries; HDF5 attributes of the file's root (models.save_model), which code that knows
only the original's layout never reads."""
import hashlib
import json
import os
import platform
import subprocess

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np


def file_md5(path):
    with open(path, 'rb') as f:
        return hashlib.md5(f.read()).hexdigest()


def code_revision():
    try:
        revision = subprocess.run(['git', '-C', os.path.dirname(os.path.abspath(__file__)), 'rev-parse', 'HEAD'],
                                  capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        revision = ''
    return revision or 'unknown'


ALGORITHM_NAMES = {'n-step-q': 'n-step Q', 'one-step-q': 'one-step Q', 'one-step-sarsa': 'one-step Sarsa'}


def algorithm_name(algorithm, use_lstm):
    """'A3C FF', 'A3C LSTM', 'n-step Q', 'one-step Q' or 'one-step Sarsa' (--algorithm's method)."""
    if algorithm == 'a3c':
        return 'A3C LSTM' if use_lstm else 'A3C FF'
    return ALGORITHM_NAMES[algorithm]


def run_info(kind, env_path, args, n_actions):
    """What every model of a run shares; the steps and evaluation mean are added at each save."""
    info = {'algorithm': algorithm_name(getattr(args, 'algorithm', 'a3c'), args.use_lstm), 'n_actions': int(n_actions),
            'arguments': json.dumps(vars(args), sort_keys=True), 'code_revision': code_revision(),
            'python_version': platform.python_version(), 'chainer_version': chainer.__version__,
            'numpy_version': np.__version__}
    info.update(kind.game_info(env_path))
    return info


def with_progress(info, steps, evaluation_mean=None):
    """info and the global step of the parameters saved, and their evaluation mean if they are
    the ones an evaluation played (a best model)."""
    info = dict(info or {}, global_steps=int(steps))
    if evaluation_mean is not None:
        info['evaluation_mean'] = float(evaluation_mean)
    return info


def describe(info, continuous=False):
    """One line of what a model file says, for the demo (continuous: the model's actions are a vector
    of n_actions reals, a Gaussian policy's)."""
    if not info:
        return 'the file does not describe itself (the original\'s files and ours before 2026-11-30 do not)'
    parts = [info.get('algorithm', '?')]
    if 'game' in info:
        parts.append(f'{info["game"]} (ROM md5 {info.get("rom_md5", "?")})')
    if 'scenario' in info:
        parts.append(f'ViZDoom {info["scenario"]} (.cfg md5 {info.get("scenario_md5", "?")})')
    if 'gym_env' in info:
        parts.append(f'Gymnasium {info["gym_env"]}')
    n_actions = info.get('n_actions', '?')
    parts.append(f'{n_actions}-dimensional continuous actions' if continuous else f'{n_actions} actions')
    if 'global_steps' in info:
        parts.append(f'{info["global_steps"]:,} global steps')
    if 'evaluation_mean' in info:
        parts.append(f'evaluation mean {info["evaluation_mean"]:g}')
    parts.append(f'code {str(info.get("code_revision", "?"))[:7]}')
    versions = [f'{name} {info[key]}' for name, key in (('Python', 'python_version'), ('chainer', 'chainer_version'),
                                                        ('numpy', 'numpy_version'), ('ale-py', 'ale_py_version'),
                                                        ('vizdoom', 'vizdoom_version'),
                                                        ('gymnasium', 'gymnasium_version'))
                if key in info]
    return ', '.join(parts) + (f'; {", ".join(versions)}' if versions else '')
