"""Training steps/s of two revisions of the code, measured in one run, taking turns.

usage: .venv/bin/python bench/ab_speed.py BEFORE [AFTER] [--processes 1 2] [--use-lstm] [--rounds 3]
                                          [--warmup 10] [--seconds 30] [--before-python PY] [--after-python PY]

BEFORE and AFTER are git revisions (AFTER defaults to the working tree as it is). Each is checked
out into a temporary git worktree and trained by bench/throughput.py's measurement (Breakout, no
evaluation), the two alternating --rounds times for each process count, so that the machine's
drift falls on both alike. --before-python and --after-python run each side with another
interpreter (e.g. HEAD under .venv-3.11/bin/python against the same code under .venv/bin/python).
Prints every measurement, then the medians and AFTER / BEFORE.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from throughput import ROOT, interpreter, python_path, training


def checkout(revision, directory):
    subprocess.run(['git', '-C', ROOT, 'worktree', 'add', '--detach', directory, revision], check=True,
                   capture_output=True)
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('before')
    parser.add_argument('after', nargs='?', default=None, help='a git revision (default: the working tree)')
    parser.add_argument('--processes', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--use-lstm', action='store_true')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--warmup', type=float, default=10.0)
    parser.add_argument('--seconds', type=float, default=30.0)
    parser.add_argument('--before-python', type=python_path, default=sys.executable,
                        help='the interpreter that runs BEFORE (default: this one)')
    parser.add_argument('--after-python', type=python_path, default=sys.executable,
                        help='the interpreter that runs AFTER (default: this one)')
    args = parser.parse_args()
    pythons = [args.before_python, args.after_python]
    for side, python in zip(('before', 'after'), pythons):
        print(f'{side}: {interpreter(python)}')
    with tempfile.TemporaryDirectory(prefix='ab_speed_') as directory:
        roots = {f'before ({args.before})': checkout(args.before, os.path.join(directory, 'before'))}
        roots[f'after ({args.after or "working tree"})'] = (checkout(args.after, os.path.join(directory, 'after'))
                                                           if args.after else ROOT)
        try:
            kind = 'A3C LSTM' if args.use_lstm else 'A3C FF'
            for processes in args.processes:
                rates = {name: [] for name in roots}
                for round_ in range(args.rounds):
                    for (name, root), python in zip(roots.items(), pythons):
                        rate, _, _ = training(processes, args.use_lstm, args.warmup, args.seconds, root=root,
                                              python=python)
                        rates[name].append(rate)
                        print(f'{kind}, {processes} processes, round {round_ + 1}: {name}: {rate:,.0f} steps/s',
                              flush=True)
                medians = [statistics.median(values) for values in rates.values()]
                for name, median in zip(rates, medians):
                    print(f'{kind}, {processes} processes: {name}: median {median:,.0f} steps/s')
                print(f'{kind}, {processes} processes: after / before = {medians[1] / medians[0]:.3f}', flush=True)
        finally:
            for root in roots.values():
                if root != ROOT:
                    subprocess.run(['git', '-C', ROOT, 'worktree', 'remove', '--force', root], capture_output=True)


if __name__ == '__main__':
    sys.exit(main())
