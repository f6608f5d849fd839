"""What training does between evaluations: stats.csv, and TensorBoard scalars with --tensorboard.

Each worker adds what each of its updates and training episodes gives into its own row of sums
in shared memory (one row per worker: no lock, no lost addition). Every --stats-frequency global
steps the parent turns the growth of all rows since the last time into one row of stats.csv:

    steps, elapsed, steps_per_s, lr        global steps, seconds, their rate, the learning rate now
    entropy, value, advantage              means over the states trained on: H(pi(.|s)), V(s), R - V(s)
    policy_loss, value_loss                means over the updates: -sum log pi(a|s) A, 0.5 sum (R - V)^2 / 2
    grad_norm, clipped                     mean gradient norm before clipping, share of updates clipped
    episodes, episode_reward               training episodes that ended, their mean (clipped) reward
"""
import ctypes
import math
import os

import numpy as np

from async_util import mp_context
from atomic_files import append_text, write_text

SUMS = ('updates', 'states', 'entropy', 'value', 'advantage', 'policy_loss', 'value_loss', 'grad_norm',
        'clipped', 'episodes', 'episode_reward')
COLUMNS = ('steps', 'elapsed', 'steps_per_s', 'lr', 'entropy', 'value', 'advantage', 'policy_loss', 'value_loss',
           'grad_norm', 'clipped', 'episodes', 'episode_reward')


class SharedSums:
    """One row of float64 sums per worker, in shared memory."""

    def __init__(self, n_workers):
        buffer = mp_context.RawArray(ctypes.c_double, n_workers * len(SUMS))
        self.rows = np.frombuffer(buffer, np.float64).reshape(n_workers, len(SUMS))

    def row(self, worker):
        return self.rows[worker]

    def totals(self):
        return self.rows.sum(axis=0)


def add_update(row, n_states, entropy, value, advantage, policy_loss, value_loss, grad_norm, max_grad_norm):
    """Add one update's figures (sums over its n_states states) to a worker's row (in SUMS' order)."""
    row[0] += 1
    row[1] += n_states
    row[2] += entropy
    row[3] += value
    row[4] += advantage
    row[5] += policy_loss
    row[6] += value_loss
    row[7] += grad_norm
    row[8] += grad_norm > max_grad_norm


def add_episode(row, reward):
    row[9] += 1
    row[10] += reward


def stats_row(steps, elapsed, steps_per_s, lr, growth):
    """One row of stats.csv from the growth of the summed rows since the last one."""
    g = dict(zip(SUMS, growth))

    def per(total, count):
        return total / count if count else math.nan
    return (steps, elapsed, steps_per_s, lr, per(g['entropy'], g['states']), per(g['value'], g['states']),
            per(g['advantage'], g['states']), per(g['policy_loss'], g['updates']),
            per(g['value_loss'], g['updates']), per(g['grad_norm'], g['updates']), per(g['clipped'], g['updates']),
            int(g['episodes']), per(g['episode_reward'], g['episodes']))


def format_row(row):
    return ','.join('' if isinstance(x, float) and math.isnan(x) else f'{x:.9g}' if isinstance(x, float) else str(x)
                    for x in row)


class StatsWriter:
    """The parent's side: stats.csv (and TensorBoard scalars) from the workers' sums."""

    def __init__(self, outdir, sums, start_steps, start_time, tensorboard=None):
        self.path = os.path.join(outdir, 'stats.csv')
        self.sums = sums
        self.tensorboard = tensorboard
        self.last_totals = sums.totals().copy()
        self.last_steps, self.last_time = start_steps, start_time

    def write(self, steps, now, elapsed, lr):
        totals = self.sums.totals().copy()
        steps_per_s = (steps - self.last_steps) / (now - self.last_time) if now > self.last_time else math.nan
        row = stats_row(steps, elapsed, steps_per_s, lr, totals - self.last_totals)
        append_text(self.path, format_row(row) + '\n')
        if self.tensorboard is not None:
            self.tensorboard.scalars('train', dict(zip(COLUMNS[1:], row[1:])), steps)
            self.tensorboard.new_evaluations()
        self.last_totals, self.last_steps, self.last_time = totals, steps, now
        return row

    def close(self):
        if self.tensorboard is not None:
            self.tensorboard.new_evaluations()
            self.tensorboard.close()


def start_stats(outdir):
    write_text(os.path.join(outdir, 'stats.csv'), ','.join(COLUMNS) + '\n')


def rewind_stats(outdir, steps):
    """A resumed run's stats.csv keeps the rows up to its checkpoint's steps (a missing or damaged
    file starts anew): the training after it is done again."""
    path = os.path.join(outdir, 'stats.csv')
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    kept = [line for line in lines[1:] if _steps_of(line) is not None and _steps_of(line) <= steps]
    write_text(path, '\n'.join([','.join(COLUMNS)] + kept) + '\n')


def _steps_of(line):
    try:
        return int(line.split(',')[0])
    except ValueError:
        return None
