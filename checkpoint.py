"""Resumable checkpoints: everything a run needs to continue, written atomically.

A checkpoint is an HDF5 file `checkpoint_<steps>.h5` in the run directory with
the shared parameters and RMSProp statistics (flat vectors, in the layout of
async_util.parameters_in_order), and as attributes the global step counter,
the elapsed seconds, the best evaluation mean so far and the run's arguments.
It is written to a temporary file, flushed to disk and renamed: a process
killed at any instant leaves the previous checkpoint as it was. All are kept
unless the run asks to keep only the newest few.
"""
import glob
import json
import os
import re
from dataclasses import dataclass

import h5py
import numpy as np

from errors import NonFiniteError, UsageError

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


def check_finite(what, *arrays):
    for array in arrays:
        if not np.isfinite(array).all():
            raise NonFiniteError(f'{what} holds inf or NaN')


def write_checkpoint(outdir, checkpoint, keep=0):
    """Write checkpoint atomically; then, if keep > 0, delete all but the newest keep."""
    check_finite(f'the model at step {checkpoint.steps}', checkpoint.params, checkpoint.stats)
    path = os.path.join(outdir, f'checkpoint_{checkpoint.steps}.h5')
    temporary = path + '.tmp'
    with h5py.File(temporary, 'w') as f:
        f['params'] = checkpoint.params
        f['rmsprop_stats'] = checkpoint.stats
        f.attrs['steps'] = checkpoint.steps
        f.attrs['elapsed'] = checkpoint.elapsed
        f.attrs['best_mean'] = checkpoint.best_mean
        f.attrs['args'] = json.dumps(checkpoint.args, sort_keys=True)
    with open(temporary, 'rb') as f:
        os.fsync(f.fileno())
    os.replace(temporary, path)
    directory = os.open(outdir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    if keep > 0:
        for old in checkpoint_paths(outdir)[keep:]:
            os.remove(old)
    return path


def read_checkpoint(path):
    """Load a checkpoint; OSError, KeyError or ValueError if the file is not an intact one."""
    with h5py.File(path, 'r') as f:
        checkpoint = Checkpoint(steps=int(f.attrs['steps']), params=f['params'][()],
                                stats=f['rmsprop_stats'][()], elapsed=float(f.attrs['elapsed']),
                                best_mean=float(f.attrs['best_mean']), args=json.loads(f.attrs['args']),
                                path=path)
    if checkpoint.params.shape != checkpoint.stats.shape:
        raise ValueError('parameters and statistics differ in size')
    return checkpoint


def checkpoint_paths(outdir):
    """The run's checkpoint files, newest (most steps) first."""
    found = [(int(_NAME.search(path).group(1)), path)
             for path in glob.glob(os.path.join(glob.escape(outdir), 'checkpoint_*.h5')) if _NAME.search(path)]
    return [path for _, path in sorted(found, reverse=True)]


def latest_checkpoint(outdir):
    """The newest checkpoint of a run that loads; older ones stand in for damaged newer ones."""
    if not os.path.isdir(outdir):
        raise UsageError(f'--resume {outdir!r} is not a directory; give the directory of an earlier run')
    for path in checkpoint_paths(outdir):
        try:
            return read_checkpoint(path)
        except (OSError, KeyError, ValueError) as error:
            print(f'warning: skipping damaged checkpoint {path} ({error})', flush=True)
    raise UsageError(f'{outdir!r} holds no intact checkpoint to resume from; give the directory of a run '
                     'that wrote checkpoint_<steps>.h5 files, or start a new run')
