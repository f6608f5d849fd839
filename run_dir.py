"""A run's directory: created new, held by one trainer at a time, recorded, never losing a file
it already holds."""
import datetime
import fcntl
import json
import math
import os
import platform
import subprocess
import sys

import numpy as np

from atomic_files import append_text, write_text
from errors import UsageError
from paths import check_readable_directory, prepare_output_directory

SCORES_HEADER = ('steps', 'elapsed', 'mean', 'median', 'stdev')
LOCK_NAME = 'trainer.lock'


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
    else:
        if os.path.isdir(outdir):
            check_readable_directory(outdir, '--outdir')
            if set(os.listdir(outdir)) - {LOCK_NAME}:
                raise UsageError(f'--outdir {outdir!r} already holds files of an earlier run; give a new or empty '
                                 'directory, or --resume it')
    prepare_output_directory(outdir, '--outdir')
    return outdir


def lock_run_dir(outdir):
    """Hold the run directory for this trainer: an exclusive lock on its lock file, for the life of
    this process and the workers it forks. The kernel releases it when they die, even by kill -9,
    so it is never stale. UsageError if another trainer holds it. Returns the lock's descriptor
    (keep it open)."""
    path = os.path.join(outdir, LOCK_NAME)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise UsageError(f'cannot open {path!r} to hold the run directory ({error.strerror}); '
                         'give a writable directory') from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 4096, 0).decode(errors='replace').strip() or 'a process that did not say which'
        os.close(fd)
        raise UsageError(f'run directory {outdir!r} is in use by another trainer ({holder}); wait for it to '
                         'end or stop it, or give another directory') from None
    try:  # who holds it, for the message above (a full disk may refuse even this: no matter)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f'pid {os.getpid()}: {" ".join(sys.argv)}\n'.encode(), 0)
    except OSError:
        pass
    return fd


def record_run(outdir, args):
    """The arguments, the command line and the code's git revision, as the original recorded them,
    and the Python and numpy that ran it. A resumed run appends its command line, revision and
    versions. WriteError if they cannot be written."""
    args_path = os.path.join(outdir, 'args.txt')
    if not os.path.exists(args_path):
        write_text(args_path, json.dumps(vars(args), indent=2, sort_keys=True) + '\n')
    append_text(os.path.join(outdir, 'command.txt'), ' '.join([sys.executable] + sys.argv) + '\n')
    code_dir = os.path.dirname(os.path.abspath(__file__))

    def git(*command):
        try:
            return subprocess.run(['git', '-C', code_dir, *command], capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired) as error:
            return f'git unavailable: {error}\n'
    append_text(os.path.join(outdir, 'git.txt'),
                f'revision: {git("rev-parse", "HEAD").strip() or "unknown (not a git checkout)"}\n'
                f'python: {platform.python_version()}, numpy {np.__version__}\n'
                'status:\n' + git('status', '--porcelain'))
    write_text(unique_path(os.path.join(outdir, 'git-diff.txt')), git('diff', 'HEAD'), overwrite=False)


def unique_path(path):
    """path if nothing is there yet, else path with _2, _3, ... before the extension."""
    stem, extension = os.path.splitext(path)
    candidate, n = path, 1
    while os.path.exists(candidate):
        n += 1
        candidate = f'{stem}_{n}{extension}'
    return candidate


def start_scores(outdir):
    write_text(os.path.join(outdir, 'scores.txt'), '\t'.join(SCORES_HEADER) + '\n')


def append_score(outdir, row):
    """One evaluation's row; WriteError (and scores.txt as it was) if it cannot be written."""
    append_text(os.path.join(outdir, 'scores.txt'), '\t'.join(str(x) for x in row) + '\n')


def parse_score_row(line):
    """(steps, mean) of a scores.txt row, or None if the line is not one: five numbers, the first
    a whole number of steps."""
    fields = line.split('\t')
    if len(fields) != len(SCORES_HEADER):
        return None
    try:
        values = [float(field) for field in fields]
    except ValueError:
        return None
    if not all(math.isfinite(value) for value in values) or values[0] != int(values[0]) or values[0] < 0:
        return None
    return int(values[0]), values[2]


def recorded_steps(outdir):
    """The steps of the evaluations scores.txt holds now (its well-formed rows)."""
    try:
        with open(os.path.join(outdir, 'scores.txt')) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    return sorted({row[0] for row in map(parse_score_row, lines) if row is not None})


def rewind_scores(outdir, steps, eval_frequency, recorded_at_checkpoint=None):
    """Make scores.txt continue from a checkpoint at steps; return the evaluation steps to play
    again and the best mean of the rows kept.

    Rows after steps belong to training that the resumed run does again, and lines that are not
    rows (hand-edited, cut short) are no use: both move to scores_discarded.txt, the latter with a
    warning. An evaluation due at or before steps without a row is played again first if it had
    none when the checkpoint was written (recorded_at_checkpoint: the steps of the rows then; None
    for checkpoints that do not say: every missing one), so every evaluation has one row; one
    whose row was there then and is gone now is reported, not played again with other parameters.
    """
    path = os.path.join(outdir, 'scores.txt')
    header = '\t'.join(SCORES_HEADER)
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        warn(f'{path} is missing: a new one is started')
        lines = [header]
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f'cannot read {path} ({getattr(error, "strerror", None) or error}); '
                         'restore it or move it away to start a new one') from None
    first_number = 1
    if lines and lines[0].strip() != header:
        warn(f'{path} line 1 is not the header ({header!r}): it is written anew')
    else:
        lines, first_number = lines[1:], 2
    kept, later, bad = [], [], []
    for number, line in enumerate(lines, start=first_number):
        if not line.strip():
            continue
        row = parse_score_row(line)
        if row is None:
            warn(f'{path} line {number} is not a row of steps, elapsed, mean, median, stdev ({line[:60]!r}): '
                 'moved to scores_discarded.txt')
            bad.append(line)
        elif row[0] > steps:
            later.append(line)
        else:
            kept.append((row, line))
    if later or bad:
        discarded_path = os.path.join(outdir, 'scores_discarded.txt')
        new = not os.path.exists(discarded_path)
        append_text(discarded_path, (header + '\n' if new else '') + '\n'.join(later + bad) + '\n')
    write_text(path, '\n'.join([header] + [line for _, line in kept]) + '\n')
    done = {row[0] for row, _ in kept}
    best_mean = max((row[1] for row, _ in kept), default=-math.inf)
    missing = [step for step in range(eval_frequency, steps + 1, eval_frequency) if step not in done]
    if recorded_at_checkpoint is None:
        return missing, best_mean
    recorded = set(recorded_at_checkpoint)
    lost = [step for step in missing if step in recorded]
    if lost:
        warn(f'{path} has lost the rows of the evaluations at {", ".join(map(str, lost))} steps; '
             'they are not played again (the parameters of then are gone)')
    return [step for step in missing if step not in recorded], best_mean


def warn(message):
    print(f'warning: {message}', file=sys.stderr, flush=True)
