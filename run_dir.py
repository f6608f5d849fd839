"""A run's directory: created new, recorded, never losing a file it already holds."""
import datetime
import json
import math
import os
import subprocess
import sys

from errors import UsageError

SCORES_HEADER = ('steps', 'elapsed', 'mean', 'median', 'stdev')


def prepare_outdir(outdir, default_parent, run_name):
    """Create the run directory: outdir if given (it must not hold an earlier run), or a new one
    named after the run and the start time under default_parent."""
    if outdir is None:
        stamp = datetime.datetime.now().strftime('%Y%m%dT%H%M%S')
        outdir = os.path.join(default_parent, f'{run_name}_{stamp}')
        suffix = 1
        while os.path.exists(outdir):
            suffix += 1
            outdir = os.path.join(default_parent, f'{run_name}_{stamp}_{suffix}')
    elif os.path.isdir(outdir) and os.listdir(outdir):
        raise UsageError(f'--outdir {outdir!r} already holds files of an earlier run; give a new or empty '
                         'directory, or --resume it')
    elif os.path.exists(outdir) and not os.path.isdir(outdir):
        raise UsageError(f'--outdir {outdir!r} is a file; give a directory')
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as error:
        raise UsageError(f'cannot create the output directory {outdir!r} ({error.strerror}); '
                         'give a writable --outdir') from None
    check_writable(outdir)
    return outdir


def check_writable(outdir):
    probe = os.path.join(outdir, f'.write_test_{os.getpid()}')
    try:
        with open(probe, 'w'):
            pass
        os.remove(probe)
    except OSError as error:
        raise UsageError(f'cannot write to the run directory {outdir!r} ({error.strerror}); '
                         'give a writable directory') from None


def record_run(outdir, args):
    """The arguments, the command line and the code's git revision, as the original recorded them.
    A resumed run appends its command line and revision."""
    args_path = os.path.join(outdir, 'args.txt')
    if not os.path.exists(args_path):
        with open(args_path, 'w') as f:
            json.dump(vars(args), f, indent=2, sort_keys=True)
            f.write('\n')
    with open(os.path.join(outdir, 'command.txt'), 'a') as f:
        f.write(' '.join([sys.executable] + sys.argv) + '\n')
    code_dir = os.path.dirname(os.path.abspath(__file__))

    def git(*command):
        try:
            return subprocess.run(['git', '-C', code_dir, *command], capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired) as error:
            return f'git unavailable: {error}\n'
    with open(os.path.join(outdir, 'git.txt'), 'a') as f:
        f.write(f'revision: {git("rev-parse", "HEAD").strip() or "unknown (not a git checkout)"}\n')
        f.write('status:\n' + git('status', '--porcelain'))
    with open(unique_path(os.path.join(outdir, 'git-diff.txt')), 'w') as f:
        f.write(git('diff', 'HEAD'))


def unique_path(path):
    """path if nothing is there yet, else path with _2, _3, ... before the extension."""
    stem, extension = os.path.splitext(path)
    candidate, n = path, 1
    while os.path.exists(candidate):
        n += 1
        candidate = f'{stem}_{n}{extension}'
    return candidate


def start_scores(outdir):
    with open(os.path.join(outdir, 'scores.txt'), 'w') as f:
        print('\t'.join(SCORES_HEADER), file=f)


def append_score(outdir, row):
    with open(os.path.join(outdir, 'scores.txt'), 'a') as f:
        print('\t'.join(str(x) for x in row), file=f)


def rewind_scores(outdir, steps, eval_frequency):
    """Make scores.txt continue from a checkpoint at steps; return the evaluation steps to redo
    and the best mean of the rows kept.

    Rows after steps belong to training that the resumed run does again: they move to
    scores_discarded.txt. Evaluations due at or before steps that have no row (the run
    was stopped while they played) are returned, to be played first.
    """
    path = os.path.join(outdir, 'scores.txt')
    if not os.path.exists(path):
        start_scores(outdir)
    with open(path) as f:
        lines = f.read().splitlines()
    rows = [line for line in lines[1:] if line.strip()]
    kept = [row for row in rows if int(row.split('\t')[0]) <= steps]
    discarded = [row for row in rows if int(row.split('\t')[0]) > steps]
    if discarded:
        discarded_path = os.path.join(outdir, 'scores_discarded.txt')
        new = not os.path.exists(discarded_path)
        with open(discarded_path, 'a') as f:
            if new:
                print('\t'.join(SCORES_HEADER), file=f)
            f.write('\n'.join(discarded) + '\n')
    temporary = path + '.tmp'
    with open(temporary, 'w') as f:
        f.write('\n'.join(['\t'.join(SCORES_HEADER)] + kept) + '\n')
    os.replace(temporary, path)
    done = {int(row.split('\t')[0]) for row in kept}
    best_mean = max((float(row.split('\t')[2]) for row in kept), default=-math.inf)
    return [step for step in range(eval_frequency, steps + 1, eval_frequency) if step not in done], best_mean
