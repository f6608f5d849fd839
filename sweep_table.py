"""The paper's table from a sweep's runs: SWEEP_DIR/table.md, table.csv and curves.png.

A sweep directory holds one run directory per (game, kind, seed), named <game>_<kind>_seed<k>
(sweep_a3c_ale.py makes them), where the kind is ff or lstm (A3C FF, A3C LSTM) or one of the
Q-learning methods (n-step-q, one-step-q, one-step-sarsa); the tables name it as the algorithm. For every game and kind this reads each
run's scores.txt and gives the best and the final evaluation mean of each run, their mean and
standard deviation over the seeds, and the human-normalised scores 100 (score - random) /
(human - random) with the no-op random and human scores; beside them the published scores of
atari_published_scores.csv. At the bottom: the median and the mean human-normalised score over
the games, as the paper reports them.
"""
import csv
import math
import os
import re
import statistics
from dataclasses import dataclass, field

import matplotlib

matplotlib.use('Agg')  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import EngFormatter  # noqa: E402

from model_info import algorithm_name  # noqa: E402
from run_dir import parse_score_row  # noqa: E402

ROOT = os.path.dirname(os.path.abspath(__file__))
PUBLISHED = os.path.join(ROOT, 'atari_published_scores.csv')
ORIGINAL_CURVES = os.path.join(ROOT, '..', 'shared', 'reference', 'muupan_{game}_{kind}_scores.txt')
# An ALE game id (breakout) or a Gymnasium id (CartPole-v1) as run directories name it.
KINDS = ('ff', 'lstm', 'n-step-q', 'one-step-q', 'one-step-sarsa')
RUN_NAME = re.compile(r'^(?P<game>[A-Za-z0-9_.-]+?)_(?P<kind>' + '|'.join(KINDS) + r')_seed(?P<seed>\d+)$')
# (column, heading) of the published scores shown beside ours
PUBLISHED_COLUMNS = (('a3c_ff_1day', 'A3C FF 1 day*'), ('a3c_ff', 'A3C FF*'), ('a3c_lstm', 'A3C LSTM*'),
                     ('pfrl_a3c', 'PFRL A3C'), ('chainerrl_a3c', 'ChainerRL A3C'))


def run_name(game, kind, seed):
    return f'{game}_{kind}_seed{seed}'


def algorithm_of_kind(kind):
    """'A3C FF', 'A3C LSTM', 'n-step Q', ... of a run kind."""
    return algorithm_name('a3c' if kind in ('ff', 'lstm') else kind, kind == 'lstm')


def read_curve(path):
    """(steps, means) of a scores.txt's well-formed rows."""
    try:
        with open(path) as f:
            rows = [parse_score_row(line) for line in f.read().splitlines()[1:]]
    except OSError:
        return [], []
    rows = [row for row in rows if row is not None]
    return [steps for steps, _ in rows], [mean for _, mean in rows]


@dataclass
class GameRow:
    game: str
    kind: str
    seeds: list = field(default_factory=list)
    best: list = field(default_factory=list)    # each seed's best evaluation mean
    final: list = field(default_factory=list)   # each seed's last evaluation mean
    final_steps: list = field(default_factory=list)


def collect(sweep_dir):
    """GameRow per (game, kind) with at least one evaluation, sorted by game and kind."""
    rows = {}
    for name in sorted(os.listdir(sweep_dir)):
        match = RUN_NAME.match(name)
        if not match:
            continue
        steps, means = read_curve(os.path.join(sweep_dir, name, 'scores.txt'))
        if not means:
            continue
        row = rows.setdefault((match['game'], match['kind']), GameRow(match['game'], match['kind']))
        row.seeds.append(int(match['seed']))
        row.best.append(max(means))
        row.final.append(means[-1])
        row.final_steps.append(steps[-1])
    return [rows[key] for key in sorted(rows)]


def read_published(path=PUBLISHED):
    with open(path) as f:
        return {row['ale_id']: row for row in csv.DictReader(f)}


def number(text):
    return float(text) if text not in (None, '') else math.nan


def human_normalised(score, published):
    random, human = number(published.get('random_noop')), number(published.get('human_noop'))
    return 100 * (score - random) / (human - random) if published and human != random else math.nan


def spread(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def table_rows(rows, published):
    """One dict per GameRow with every column of table.csv."""
    out = []
    for row in rows:
        facts = published.get(row.game, {})
        best_mean, best_sd = spread(row.best)
        final_mean, final_sd = spread(row.final)
        record = {'game': row.game, 'kind': row.kind, 'algorithm': algorithm_of_kind(row.kind), 'seeds': len(row.seeds),
                  'final_steps': min(row.final_steps),
                  'best_mean': best_mean, 'best_stdev': best_sd, 'final_mean': final_mean, 'final_stdev': final_sd,
                  'best_hns': human_normalised(best_mean, facts), 'final_hns': human_normalised(final_mean, facts)}
        for column, _ in PUBLISHED_COLUMNS:
            record[column] = number(facts.get(column))
        out.append(record)
    return out


def summary(records, kind):
    """Median and mean human-normalised scores over the games of one kind (those with a human score)."""
    result = {}
    for which in ('best', 'final'):
        values = [r[f'{which}_hns'] for r in records if r['kind'] == kind and math.isfinite(r[f'{which}_hns'])]
        result[which] = (statistics.median(values), statistics.mean(values), len(values)) if values else None
    return result


def fmt(value, digits=1):
    return '' if value is None or not math.isfinite(value) else f'{value:,.{digits}f}'


def write_markdown(path, records, sweep_dir):
    lines = [f'# Asynchronous methods on Atari: {os.path.basename(os.path.normpath(sweep_dir))}', '',
             'Each cell of ours: mean ± standard deviation over the seeds of each run\'s best and final evaluation '
             'mean (10 games, no-op starts). HNS: human-normalised score, 100 (score - random) / (human - random), '
             'with the no-op random and human scores. The published columns marked * are the A3C paper\'s '
             '(Table S3), measured with human starts, so they do not compare one to one with ours; PFRL\'s and '
             'ChainerRL\'s are best means with no-op starts, as ours.', '',
             '| game | algorithm | seeds | steps | best | final | HNS best | HNS final | '
             + ' | '.join(heading for _, heading in PUBLISHED_COLUMNS) + ' |',
             '|---|---|---|---|---|---|---|---|' + '---|' * len(PUBLISHED_COLUMNS)]
    for r in records:
        lines.append(f'| {r["game"]} | {r["algorithm"]} | {r["seeds"]} | {r["final_steps"]:,} | '
                     f'{fmt(r["best_mean"])} ± {fmt(r["best_stdev"])} | {fmt(r["final_mean"])} ± {fmt(r["final_stdev"])} | '
                     f'{fmt(r["best_hns"])}% | {fmt(r["final_hns"])}% | '
                     + ' | '.join(fmt(r[column]) for column, _ in PUBLISHED_COLUMNS) + ' |')
    lines.append('')
    for kind in sorted({r['kind'] for r in records}):
        totals = summary(records, kind)
        for which in ('best', 'final'):
            if totals[which]:
                median, mean, n = totals[which]
                lines.append(f'- {algorithm_of_kind(kind)}, {which} evaluation: median HNS {median:.1f}%, mean HNS '
                             f'{mean:.1f}% over {n} game{"s" if n > 1 else ""}')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def write_csv(path, records):
    columns = ['game', 'kind', 'algorithm', 'seeds', 'final_steps', 'best_mean', 'best_stdev', 'final_mean', 'final_stdev',
               'best_hns', 'final_hns'] + [column for column, _ in PUBLISHED_COLUMNS]
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for r in records:
            writer.writerow({key: ('' if isinstance(value, float) and not math.isfinite(value) else value)
                             for key, value in r.items()})


def write_curves(path, sweep_dir, rows):
    games = sorted({row.game for row in rows})
    columns = min(3, len(games))
    n_rows = math.ceil(len(games) / columns)
    figure, axes = plt.subplots(n_rows, columns, figsize=(5 * columns, 3.6 * n_rows), dpi=100, squeeze=False)
    for axis, game in zip(axes.flat, games):
        for row in rows:
            if row.game != game:
                continue
            style = '-' if row.kind == 'ff' else '--'
            for seed in row.seeds:
                steps, means = read_curve(os.path.join(sweep_dir, run_name(game, row.kind, seed), 'scores.txt'))
                axis.plot(steps, means, style, label=f'{algorithm_of_kind(row.kind)} seed {seed}')
            original = ORIGINAL_CURVES.format(game=game, kind=row.kind)
            if os.path.isfile(original):
                steps, means = read_curve(original)
                last = max(max(row.final_steps), 1)
                shown = [(s, m) for s, m in zip(steps, means) if s <= last]
                if shown:
                    axis.plot(*zip(*shown), ':', color='black', label=f'original {row.kind.upper()}')
        axis.set_title(game)
        axis.set_xlabel('global steps')
        axis.xaxis.set_major_formatter(EngFormatter(sep=''))  # 500k, 10M: long numbers run together
        axis.set_ylabel('evaluation mean')
        axis.grid(alpha=0.3)
        axis.legend(fontsize='x-small')
    for axis in list(axes.flat)[len(games):]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_table(sweep_dir, published_path=PUBLISHED):
    """Write table.md, table.csv and curves.png into sweep_dir; return the records (none: nothing written)."""
    rows = collect(sweep_dir)
    if not rows:
        return []
    records = table_rows(rows, read_published(published_path))
    write_markdown(os.path.join(sweep_dir, 'table.md'), records, sweep_dir)
    write_csv(os.path.join(sweep_dir, 'table.csv'), records)
    write_curves(os.path.join(sweep_dir, 'curves.png'), sweep_dir, rows)
    return records
