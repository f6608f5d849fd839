"""Resumable checkpoints: everything a run needs to continue, written atomically.

A checkpoint is an HDF5 file `checkpoint_<steps>.h5` in the run directory with
the shared parameters and RMSProp statistics (flat vectors, in the layout of
async_util.parameters_in_order), and as attributes the global step counter,
the elapsed seconds, the best evaluation mean so far and the run's arguments; for the Q-learning
methods also the target network's parameters and each worker's final epsilon.
It is written to a temporary file, flushed to disk and renamed (atomic_files.py):
a process killed at any instant, or a disk that fills up, leaves the previous
checkpoints as they were. The trainer keeps the newest few (--keep-checkpoints);
model files are never removed.
"""
import glob
import json
import math
import os
import re
import sys
from dataclasses import dataclass

import h5py
import numpy as np

from atomic_files import hdf5_bytes, write_bytes
from errors import NonFiniteError, UsageError
from paths import check_readable_directory

_NAME = re.compile(r'checkpoint_(\d+)\.h5$')


@dataclass
class Checkpoint:
    steps: int
    params: np.ndarray
    stats: np.ndarray
    elapsed: float
    best_mean: float
    args: dict
    path: str = ''
    recorded_evaluations: list = None  # the steps of scores.txt's rows when it was written
    target_params: np.ndarray = None  # the Q-learning methods' target network (flat, as params)
    final_epsilons: list = None  # the Q-learning methods' final epsilon of each worker


def check_finite(what, *arrays):
    for array in arrays:
        if not np.isfinite(array).all():
            raise NonFiniteError(f'{what} holds inf or NaN')


def write_checkpoint(outdir, checkpoint, keep=0):
    """Write checkpoint atomically (WriteError if it cannot be); then, if keep > 0, delete all but
    the newest keep."""
    check_finite(f'the model at step {checkpoint.steps}', checkpoint.params, checkpoint.stats,
                 *([] if checkpoint.target_params is None else [checkpoint.target_params]))
    path = os.path.join(outdir, f'checkpoint_{checkpoint.steps}.h5')

    def write(buffer):
        with h5py.File(buffer, 'w') as f:
            f['params'] = checkpoint.params
            f['rmsprop_stats'] = checkpoint.stats
            f.attrs['steps'] = checkpoint.steps
            f.attrs['elapsed'] = checkpoint.elapsed
            f.attrs['best_mean'] = checkpoint.best_mean
            f.attrs['args'] = json.dumps(checkpoint.args, sort_keys=True)
            if checkpoint.recorded_evaluations is not None:
                f.attrs['recorded_evaluations'] = json.dumps(checkpoint.recorded_evaluations)
            if checkpoint.target_params is not None:
                f['target_params'] = checkpoint.target_params
            if checkpoint.final_epsilons is not None:
                f.attrs['final_epsilons'] = json.dumps(checkpoint.final_epsilons)
    write_bytes(path, hdf5_bytes(write))
    if keep > 0:
        for old in checkpoint_paths(outdir)[keep:]:
            os.remove(old)
    return path


def read_checkpoint(path):
    """Load a checkpoint; OSError, KeyError or ValueError if the file is not an intact one. The
    elapsed time and the best mean may be missing (0 and -inf, with a warning)."""
    with h5py.File(path, 'r') as f:
        attrs = f.attrs
        steps, args, params, stats = int(attrs['steps']), json.loads(attrs['args']), f['params'][()], \
            f['rmsprop_stats'][()]
        recorded = attrs.get('recorded_evaluations')
        optional = {name: attrs.get(name) for name in ('elapsed', 'best_mean')}
        target_params = f['target_params'][()] if 'target_params' in f else None
        final_epsilons = attrs.get('final_epsilons')
    if params.shape != stats.shape:
        raise ValueError('parameters and statistics differ in size')
    if target_params is not None and target_params.shape != params.shape:
        raise ValueError('the target network and the parameters differ in size')
    if not isinstance(args, dict):
        raise ValueError('its arguments are not a JSON object')
    for name, default in (('elapsed', 0.0), ('best_mean', -math.inf)):
        if optional[name] is None:
            print(f'warning: {path} does not say its {name}; taking {default}', file=sys.stderr, flush=True)
            optional[name] = default
    return Checkpoint(steps=steps, params=params, stats=stats, elapsed=float(optional['elapsed']),
                      best_mean=float(optional['best_mean']), args=args, path=path,
                      recorded_evaluations=None if recorded is None else json.loads(recorded),
                      target_params=target_params,
                      final_epsilons=None if final_epsilons is None else json.loads(final_epsilons))


def checkpoint_paths(outdir):
    """The run's checkpoint files, newest (most steps) first."""
    found = [(int(_NAME.search(path).group(1)), path)
             for path in glob.glob(os.path.join(glob.escape(outdir), 'checkpoint_*.h5')) if _NAME.search(path)]
    return [path for _, path in sorted(found, reverse=True)]


def latest_checkpoint(outdir):
    """The newest checkpoint of a run that loads; older ones stand in for damaged newer ones (with
    a warning); UsageError, on one line, if none loads."""
    check_readable_directory(outdir, '--resume')
    damaged = []
    for path in checkpoint_paths(outdir):
        try:
            checkpoint = read_checkpoint(path)
        except (OSError, KeyError, ValueError, TypeError) as error:
            damaged.append(f'{path} ({error})')
            continue
        for description in damaged:
            print(f'warning: skipping damaged checkpoint {description}', file=sys.stderr, flush=True)
        return checkpoint
    if damaged:
        raise UsageError(f'{outdir!r} holds no intact checkpoint to resume from (the newest, {damaged[0]}); '
                         'start a new run, with --load and one of its models to keep what it learned')
    raise UsageError(f'{outdir!r} holds no intact checkpoint to resume from; give the directory of a run '
                     'that wrote checkpoint_<steps>.h5 files, or start a new run')
