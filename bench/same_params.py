"""Does a change to the hot path leave learning unchanged? A short run with a fixed seed and one
process, on two revisions of the code, and how far apart their final parameters are.

usage: .venv/bin/python bench/same_params.py BEFORE [AFTER] [--use-lstm] [--steps 20000]
                                            [--before-python PY] [--after-python PY]

BEFORE and AFTER are git revisions (AFTER defaults to the working tree), each checked out into a
temporary git worktree (as bench/ab_speed.py does) and trained with
`a3c_ale.py 1 breakout --seed 0 --steps N` without evaluations. With one process the run is
deterministic (BEFORE trained twice gives identical parameters: the script checks that too), so
any difference is the change's. --before-python and --after-python train each side with another
interpreter (another Python and numpy: e.g. .venv-3.11/bin/python against .venv/bin/python). Prints, per parameter array and over all, the largest absolute
difference and the difference's norm relative to the parameters' norm; a change that only
reorders float32 arithmetic stays near float32's rounding (about 1e-7 relative per operation,
grown over the run's updates), a change of the algorithm is orders of magnitude above it.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from ab_speed import checkout
from throughput import ROOT, interpreter, python_path


def train(root, outdir, steps, use_lstm, python=sys.executable):
    command = [python, os.path.join(root, 'a3c_ale.py'), '1', 'breakout', '--seed', '0',
               '--steps', str(steps), '--eval-frequency', str(10 * steps), '--outdir', outdir]
    subprocess.run(command + (['--use-lstm'] if use_lstm else []), check=True, capture_output=True, cwd=root)
    with h5py.File(os.path.join(outdir, f'{steps}_finish.h5'), 'r') as f:
        arrays = {}
        f.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset)
                     else None)
    return arrays


def compare(a, b):
    """[(name, largest |difference|, |difference| / |parameters|)] per array, then over all."""
    rows = []
    for name in sorted(a):
        difference = a[name].astype(np.float64) - b[name]
        rows.append((name, np.abs(difference).max(), np.linalg.norm(difference) / np.linalg.norm(a[name])))
    everything = [np.concatenate([x[name].ravel().astype(np.float64) for name in sorted(a)]) for x in (a, b)]
    difference = everything[0] - everything[1]
    rows.append(('all', np.abs(difference).max(), np.linalg.norm(difference) / np.linalg.norm(everything[0])))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('before')
    parser.add_argument('after', nargs='?', default=None, help='a git revision (default: the working tree)')
    parser.add_argument('--use-lstm', action='store_true')
    parser.add_argument('--steps', type=int, default=20000)
    parser.add_argument('--before-python', type=python_path, default=sys.executable,
                        help='the interpreter that trains BEFORE (default: this one)')
    parser.add_argument('--after-python', type=python_path, default=sys.executable,
                        help='the interpreter that trains AFTER (default: this one)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='same_params_') as directory:
        before_root = checkout(args.before, os.path.join(directory, 'before'))
        after_root = checkout(args.after, os.path.join(directory, 'after')) if args.after else ROOT
        try:
            before = train(before_root, os.path.join(directory, 'run_before'), args.steps, args.use_lstm,
                           args.before_python)
            again = train(before_root, os.path.join(directory, 'run_again'), args.steps, args.use_lstm,
                          args.before_python)
            after = train(after_root, os.path.join(directory, 'run_after'), args.steps, args.use_lstm,
                          args.after_python)
        finally:
            for root in (before_root, after_root):
                if root != ROOT:
                    subprocess.run(['git', '-C', ROOT, 'worktree', 'remove', '--force', root], capture_output=True)
    kind = 'A3C LSTM' if args.use_lstm else 'A3C FF'
    for side, python in (('before', args.before_python), ('after', args.after_python)):
        print(f'{side}: {interpreter(python)}')
    deterministic = all(np.array_equal(before[name], again[name]) for name in before)
    print(f'{kind}, 1 process, seed 0, {args.steps:,} steps: before ({args.before}) trained twice: '
          f'{"identical" if deterministic else "DIFFERENT: the run is not deterministic, no conclusion"}')
    print(f'before ({args.before}) against after ({args.after or "working tree"}):')
    print('| parameters | largest absolute difference | difference norm / parameter norm |')
    print('|---|---|---|')
    for name, largest, relative in compare(before, after):
        print(f'| {name} | {largest:.3g} | {relative:.3g} |')
    return 0 if deterministic else 1


if __name__ == '__main__':
    sys.exit(main())
