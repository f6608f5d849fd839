"""Plot learning curves from scores.txt files: evaluation mean over global steps.

usage: python plot_scores.py RUN_DIR_OR_SCORES [...] [--reference FILE] [-o scores.txt.png]

Each run is a line (the evaluation mean) with a band of one standard
deviation around it and its median dotted. Runs whose directory holds a
stats.csv (the trainer writes one) get three more panels: the policy's
entropy, the values and the steps/s over the global steps (for the Q-learning methods: the
workers' epsilon, Q(s, a) and the steps/s). --reference adds a curve in the
same format, such as the original's (its repository's trained_model/breakout_ff/scores.txt),
dashed. Without -o, a single run's plot goes beside its scores.txt as
scores.txt.png.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use('Agg')  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from errors import ArgumentParser, UsageError, exit_with_usage_error  # noqa: E402

FIGURE_SIZE = (8, 5)  # inches
STATS_FIGURE_SIZE = (12, 8)  # the scores and three panels of statistics
DPI = 100


def scores_path(run):
    return os.path.join(run, 'scores.txt') if os.path.isdir(run) else run


def read_scores(path):
    """(steps, mean, median, stdev) columns of a scores.txt file."""
    if not os.path.isfile(path):
        raise UsageError(f'{path!r} is not a scores.txt file or a run directory holding one')
    try:
        table = np.loadtxt(path, delimiter='\t', skiprows=1, usecols=(0, 2, 3, 4), ndmin=2)
    except ValueError as error:
        raise UsageError(f'{path!r} is not in the scores.txt format (steps elapsed mean median stdev): {error}') \
            from None
    if len(table) == 0:
        raise UsageError(f'{path!r} has no evaluation yet; plot it after the first evaluation')
    return table.T


def label_of(path):
    directory = os.path.dirname(os.path.abspath(path))
    return os.path.basename(directory) if os.path.basename(path) == 'scores.txt' else os.path.basename(path)


def read_stats(scores_file):
    """stats.csv beside a run's scores.txt as {column: array}, or None if there is none."""
    path = os.path.join(os.path.dirname(os.path.abspath(scores_file)), 'stats.csv')
    if os.path.basename(scores_file) != 'scores.txt' or not os.path.isfile(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    columns = {}
    for name in rows[0].keys() if rows else ():
        columns[name] = np.array([float(row[name]) if row.get(name) not in (None, '') else np.nan for row in rows])
    return columns if len(rows) else None


# The panels beside the scores: per panel, (column of stats.csv, y label) of A3C's runs, then of the
# Q-learning methods' runs; each run draws the first of them its stats.csv has.
STATS_PANELS = ((('entropy', 'policy entropy (mean over states)'), ('epsilon', 'epsilon (mean over updates)')),
                (('value', 'V(s) (mean over states)'), ('q', 'Q(s, a) of the action taken (mean)')),
                (('steps_per_s', 'global steps/s'),))


def plot(runs, output, reference=None, title=None, labels=None, xlabel='global steps (4 frames each)'):
    """Draw the runs (and the reference) into output; beside them, a panel each for the policy's
    entropy, the values and the steps/s of the runs that have a stats.csv. Return the scores
    panel's legend entries."""
    labels = labels or [label_of(path) for path in runs]
    stats = [read_stats(path) for path in runs]
    if any(s is not None for s in stats):
        figure, grid = plt.subplots(2, 2, figsize=STATS_FIGURE_SIZE, dpi=DPI)
        axes, panels = grid[0, 0], [grid[0, 1], grid[1, 0], grid[1, 1]]
    else:
        figure, axes = plt.subplots(figsize=FIGURE_SIZE, dpi=DPI)
        panels = []
    last_step = 0
    for path, label in zip(runs, labels):
        steps, mean, median, stdev = read_scores(path)
        line, = axes.plot(steps, mean, label=f'{label} (mean)')
        axes.fill_between(steps, mean - stdev, mean + stdev, color=line.get_color(), alpha=0.2)
        axes.plot(steps, median, ':', color=line.get_color(), label=f'{label} (median)')
        last_step = max(last_step, steps[-1])
    if reference:
        steps, mean, _, stdev = read_scores(reference)
        shown = steps <= max(last_step, steps[0])  # compare at equal steps: no further than our runs
        steps, mean, stdev = steps[shown], mean[shown], stdev[shown]
        line, = axes.plot(steps, mean, '--', color='black', label=f'{label_of(reference)} (reference mean)')
        axes.fill_between(steps, mean - stdev, mean + stdev, color='black', alpha=0.08)
    for panel, choices in zip(panels, STATS_PANELS):
        ylabels = []
        for run_stats, label in zip(stats, labels):
            column, ylabel = next(((column, ylabel) for column, ylabel in choices if column in (run_stats or {})),
                                  (None, None))
            if column is not None:
                panel.plot(run_stats['steps'], run_stats[column], label=label)
                ylabels += [ylabel] if ylabel not in ylabels else []
        panel.set_xlabel(xlabel)
        panel.set_ylabel(' / '.join(ylabels))
        panel.grid(alpha=0.3)
        panel.legend(loc='best', fontsize='small')
    axes.set_xlabel(xlabel)
    axes.set_ylabel('evaluation score')
    axes.grid(alpha=0.3)
    axes.legend(loc='best', fontsize='small')
    if title:
        (figure.suptitle if panels else axes.set_title)(title)
    figure.tight_layout()
    figure.savefig(output)
    plt.close(figure)
    return [text.get_text() for text in axes.get_legend().get_texts()]


def main(argv=None):
    parser = ArgumentParser(description='Plot evaluation scores over global steps.',
                            epilog='example:\n  plot_scores.py results/breakout_ff_<time> --reference '
                                   'trained_model/breakout_ff/scores.txt -o curves.png')
    parser.add_argument('runs', nargs='+', metavar='RUN_DIR_OR_SCORES')
    parser.add_argument('--reference', help="a scores file to draw dashed beside the runs (the original's)")
    parser.add_argument('-o', '--output', help='PNG to write (default: scores.txt.png beside a single run)')
    parser.add_argument('--title')
    parser.add_argument('--label', action='append', metavar='NAME',
                        help='the legend name of a run, once per run in order (default: its directory\'s name)')
    parser.add_argument('--xlabel', default='global steps (4 frames each)',
                        help='the x axis\' label (default: global steps (4 frames each), as for Atari)')
    args = parser.parse_args(argv)
    if args.label is not None and len(args.label) != len(args.runs):
        parser.error(f'{len(args.label)} --label for {len(args.runs)} runs; give one per run')
    runs = [scores_path(run) for run in args.runs]
    output = args.output or (runs[0] + '.png' if len(runs) == 1 else None)
    try:
        if output is None:
            raise UsageError('several runs need -o OUTPUT.png')
        plot(runs, output, args.reference, args.title, args.label, args.xlabel)
    except UsageError as error:
        exit_with_usage_error('plot_scores.py', error)
    print(f'wrote {output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
