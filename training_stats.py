"""What training does between evaluations: stats.csv, and TensorBoard scalars with --tensorboard.

Each worker adds what each of its updates and training episodes gives into its own row of sums
in shared memory (one row per worker: no lock, no lost addition). Every --stats-frequency global
steps the parent turns the growth of all rows since the last time into one row of stats.csv:

    steps, elapsed, steps_per_s, lr        global steps, seconds, their rate, the learning rate now
    entropy, value, advantage              means over the states trained on: H(pi(.|s)), V(s), R - V(s)
    policy_loss, value_loss                means over the updates: -sum log pi(a|s) A, 0.5 sum (R - V)^2 / 2
    grad_norm, clipped                     mean gradient norm before clipping, share of updates clipped
    episodes, episode_reward               training episodes that ended, their mean (clipped) reward

The Q-learning methods (Q_STATS) have q, td_error, abs_td_error (means over the states trained on:
Q(s, a) of the action taken, y - Q(s, a), |y - Q(s, a)|), loss (the summed squared error), grad_norm,
clipped, epsilon (the workers' exploration) in place of A3C's figures, and target_updates (copies
of the target network since the last row) at the end.
"""
import ctypes
import math
import os
from dataclasses import dataclass

import numpy as np

from async_util import mp_context
from atomic_files import append_text, write_text


@dataclass(frozen=True)
class StatsLayout:
    """What one method's updates report: means over the states trained on (per_state), means over
    the updates (per_update) and totals (counts) since the last row. The workers' sums start with
    updates, states, episodes and episode_reward; stats.csv's columns are steps, elapsed, steps_per_s,
    lr, the method's figures, episodes, episode_reward, its counts."""
    per_state: tuple
    per_update: tuple
    counts: tuple = ()

    @property
    def sums(self):
        return ('updates', 'states', 'episodes', 'episode_reward') + self.per_state + self.per_update + self.counts

    @property
    def columns(self):
        return (('steps', 'elapsed', 'steps_per_s', 'lr') + self.per_state + self.per_update
                + ('episodes', 'episode_reward') + self.counts)

    def count_index(self, name):
        return self.sums.index(name)


A3C_STATS = StatsLayout(per_state=('entropy', 'value', 'advantage'),
                        per_update=('policy_loss', 'value_loss', 'grad_norm', 'clipped'))
# The Q-learning methods (q_learning.py): Q(s_i, a_i) of the actions taken, the TD error y_i - Q(s_i, a_i)
# and its magnitude; the summed squared error, the gradient, the worker's epsilon; target network copies.
Q_STATS = StatsLayout(per_state=('q', 'td_error', 'abs_td_error'),
                      per_update=('loss', 'grad_norm', 'clipped', 'epsilon'), counts=('target_updates',))
SUMS, COLUMNS = A3C_STATS.sums, A3C_STATS.columns


class SharedSums:
    """One row of float64 sums per worker, in shared memory."""

    def __init__(self, n_workers, layout=A3C_STATS):
        self.layout = layout
        buffer = mp_context.RawArray(ctypes.c_double, n_workers * len(layout.sums))
        self.rows = np.frombuffer(buffer, np.float64).reshape(n_workers, len(layout.sums))

    def row(self, worker):
        return self.rows[worker]

    def totals(self):
        return self.rows.sum(axis=0)


def add_update(row, n_states, figures):
    """Add one update's figures to a worker's row: its n_states, then the layout's per-state sums
    (over the update's states) and per-update values, in the layout's order."""
    row[0] += 1
    row[1] += n_states
    for i, figure in enumerate(figures):
        row[4 + i] += figure


def add_episode(row, reward):
    row[2] += 1
    row[3] += reward


def stats_row(steps, elapsed, steps_per_s, lr, growth, layout=A3C_STATS):
    """One row of stats.csv from the growth of the summed rows since the last one."""
    g = dict(zip(layout.sums, growth))

    def per(total, count):
        return total / count if count else math.nan
    return ((steps, elapsed, steps_per_s, lr) + tuple(per(g[name], g['states']) for name in layout.per_state)
            + tuple(per(g[name], g['updates']) for name in layout.per_update)
            + (int(g['episodes']), per(g['episode_reward'], g['episodes']))
            + tuple(int(g[name]) for name in layout.counts))


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
        row = stats_row(steps, elapsed, steps_per_s, lr, totals - self.last_totals, self.sums.layout)
        append_text(self.path, format_row(row) + '\n')
        if self.tensorboard is not None:
            self.tensorboard.scalars('train', dict(zip(self.sums.layout.columns[1:], row[1:])), steps)
            self.tensorboard.new_evaluations()
        self.last_totals, self.last_steps, self.last_time = totals, steps, now
        return row

    def close(self):
        if self.tensorboard is not None:
            self.tensorboard.new_evaluations()
            self.tensorboard.close()


def start_stats(outdir, layout=A3C_STATS):
    write_text(os.path.join(outdir, 'stats.csv'), ','.join(layout.columns) + '\n')


def rewind_stats(outdir, steps, layout=A3C_STATS):
    """A resumed run's stats.csv keeps the rows up to its checkpoint's steps (a missing or damaged
    file starts anew): the training after it is done again."""
    path = os.path.join(outdir, 'stats.csv')
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    kept = [line for line in lines[1:] if _steps_of(line) is not None and _steps_of(line) <= steps]
    write_text(path, '\n'.join([','.join(layout.columns)] + kept) + '\n')


def _steps_of(line):
    try:
        return int(line.split(',')[0])
    except ValueError:
        return None
