"""A run directory belongs to one run; a full disk, a damaged file or a path of the wrong kind gets
one clear line and loses nothing."""
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys

import h5py
import numpy as np
import pytest

from ale import resolve_rom
from checkpoint import checkpoint_paths, latest_checkpoint, read_checkpoint
from conftest import ROOT, processes_in_group, run_script
from model_spec import ModelSpec
from models import make_model, save_model
from run_dir import rewind_scores
from test_cli_errors import assert_usage_error
from test_reliability import killed_at_exit, score_steps, signal_and_wait, start_training, wait_for

HEADER = 'steps\telapsed\tmean\tmedian\tstdev'
# 3,000 steps, an evaluation of one game every 1,000, a checkpoint every 500.
SHORT = ['--steps', '3000', '--eval-frequency', '1000', '--eval-n-runs', '1', '--checkpoint-frequency', '500',
         '--progress-interval', '1']


def stopped_run(outdir):
    """A run of SHORT stopped with Ctrl-C after its first checkpoint: resumable."""
    proc = start_training(outdir, '1', 'breakout', *SHORT)
    with killed_at_exit(proc):
        wait_for(lambda: checkpoint_paths(str(outdir)))
        signal_and_wait(proc, proc.pid, signal.SIGINT)
    assert proc.returncode == 130


def lock_holder(outdir):
    try:
        return (outdir / 'trainer.lock').read_text()
    except FileNotFoundError:
        return ''


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.strip()]


# 1. One run per directory.

def test_two_resumes_of_one_directory_one_trains_the_other_is_refused(tmp_path):
    outdir = tmp_path / 'run'
    stopped_run(outdir)
    command = [sys.executable, os.path.join(ROOT, 'a3c_ale.py'), '--resume', str(outdir)]
    first = subprocess.Popen(command, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    with killed_at_exit(first):
        wait_for(lambda: f'pid {first.pid}:' in lock_holder(outdir))
        second = run_script('a3c_ale.py', '--resume', str(outdir))
        assert_usage_error(second, 'is in use by another trainer', f'pid {first.pid}:', 'a3c_ale.py --resume')
        first.communicate(timeout=300)
    assert first.returncode == 0
    assert score_steps(outdir) == [1000, 2000, 3000]  # each evaluation once


def test_kill_9_of_the_trainer_leaves_no_stale_lock(tmp_path):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'breakout', *SHORT)
    with killed_at_exit(proc):
        wait_for(lambda: checkpoint_paths(str(outdir)))
        assert_usage_error(run_script('a3c_ale.py', '--resume', str(outdir)), 'is in use by another trainer')
        proc.kill()  # the parent only: its workers die with it, and the kernel drops the lock
        proc.wait()
    wait_for(lambda: processes_in_group(proc.pid) == [])
    result = run_script('a3c_ale.py', '--resume', str(outdir))
    assert result.returncode == 0, result.stderr
    assert score_steps(outdir) == [1000, 2000, 3000]


def test_reading_a_run_needs_no_lock(tmp_path):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '1', 'breakout', *SHORT)
    with killed_at_exit(proc):
        wait_for(lambda: list(outdir.glob('1000*.h5')))
        model = str(next(outdir.glob('1000*.h5')))
        demo = run_script('demo_a3c_ale.py', 'breakout', model, '--n-runs', '1')
        plot = run_script('plot_scores.py', str(outdir), '-o', str(tmp_path / 'curve.png'))
        proc.communicate(timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert plot.returncode == 0, plot.stderr


# 2. Out of space while writing.

@pytest.fixture
def small_disk(tmp_path):
    """A real file system of a few megabytes (a tmpfs), mounted for the test: needs root, as CI has."""
    mountpoint = tmp_path / 'disk'
    mountpoint.mkdir()
    if os.geteuid() != 0:
        pytest.skip('mounting a small file system needs root (CI runs as root)')
    mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', str(mountpoint)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f'cannot mount a tmpfs here: {mounted.stderr.strip()}')

    def resize(megabytes):
        subprocess.run(['mount', '-o', f'remount,size={megabytes}m', str(mountpoint)], check=True)
    try:
        yield mountpoint, resize
    finally:
        subprocess.run(['umount', '-l', str(mountpoint)], check=False)


def fill(directory):
    """Write a file into directory until the disk is full; return its path."""
    path = os.path.join(directory, 'filler')
    with open(path, 'wb') as f:
        try:
            while True:
                f.write(b'\0' * 65536)
                f.flush()
        except OSError:
            pass
    return path


def assert_stopped_for_lack_of_space(result, outdir):
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert f'could not write {outdir}/' in line and '(No space left on device)' in line, line
    newest = checkpoint_paths(str(outdir))[0]
    assert f'the newest intact checkpoint is {newest}' in line and f'--resume {outdir}' in line, line
    assert not [name for name in os.listdir(outdir) if name.endswith('.tmp')]
    for path in checkpoint_paths(str(outdir)):
        read_checkpoint(path)  # every checkpoint there is whole
    rows = (outdir / 'scores.txt').read_text().splitlines()
    assert rows[0] == HEADER and all(len(row.split('\t')) == 5 for row in rows[1:])
    assert processes_in_group(result.pid) == []


def test_a_checkpoint_that_does_not_fit_stops_the_run_and_resume_goes_on(small_disk):
    disk, resize = small_disk
    outdir = disk / 'run'
    # One checkpoint (5.4 MB) fits in 8 MB, a second beside it does not; no evaluation before.
    result = run_script('a3c_ale.py', '1', 'breakout', '--steps', '2000', '--eval-frequency', '2000',
                        '--checkpoint-frequency', '500', '--keep-checkpoints', '1', '--outdir', str(outdir))
    assert_stopped_for_lack_of_space(result, outdir)
    assert re.search(r'could not write \S+/checkpoint_1\d\d\d\.h5 \(No space left on device\)', result.stderr)
    resize(32)
    resumed = run_script('a3c_ale.py', '--resume', str(outdir))
    assert resumed.returncode == 0, resumed.stderr
    assert score_steps(outdir) == [2000] and (outdir / '2000_finish.h5').is_file()


@pytest.mark.parametrize('first_writes, checkpoint_frequency', [(['checkpoint_1', 'scores.txt', '1000.h5'], '500'),
                                                                 (['scores.txt', '1000.h5'], '700')])
def test_a_full_disk_during_training_stops_the_run_and_no_evaluation_is_lost(small_disk, first_writes,
                                                                             checkpoint_frequency):
    disk, resize = small_disk
    resize(16)
    outdir = disk / 'run'
    # Checkpoints every 500 steps: the parent's at 1000 or worker 0's evaluation at 1000 (its row or
    # best model) is the first write after the disk fills, whichever comes first (a fresh-clone run
    # saw the model first). Every 700: the evaluation's writes are, its row (unless the file's last
    # block still has room for it) or its best model (the worker plays the game meanwhile).
    proc = start_training(outdir, '1', 'breakout', *SHORT, '--keep-checkpoints', '1',
                          '--checkpoint-frequency', checkpoint_frequency)
    with killed_at_exit(proc):
        wait_for(lambda: checkpoint_paths(str(outdir)))
        filler = fill(disk)  # the next row, model or checkpoint cannot be written
        stdout, stderr = proc.communicate(timeout=300)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    result.pid = proc.pid
    assert_stopped_for_lack_of_space(result, outdir)
    assert any(f'could not write {outdir}/{name}' in result.stderr for name in first_writes), result.stderr
    os.remove(filler)
    # Room again: the resumed run writes two checkpoints side by side, and up to three best
    # models and the final one (16 MB held that only when some evaluation did not improve).
    resize(48)
    resumed = run_script('a3c_ale.py', '--resume', str(outdir))
    assert resumed.returncode == 0, resumed.stderr
    assert score_steps(outdir) == [1000, 2000, 3000]  # the evaluation that could not be written was played again


def test_a_gif_that_does_not_fit_leaves_no_file(small_disk):
    disk, _ = small_disk
    fill(disk)
    gif = disk / 'pong.gif'
    result = run_script('demo_a3c_ale.py', 'pong', '--random', '--n-runs', '1', '--gif', str(gif))
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    assert error_lines(result.stderr) == [f'demo_a3c_ale.py: error: could not write {gif} (No space left on device)']
    assert sorted(os.listdir(disk)) == ['filler']


# 3. Damaged or hand-edited run files.

def write_scores(directory, text):
    (directory / 'scores.txt').write_text(text)


def test_a_bad_or_truncated_row_is_moved_aside_with_a_warning_naming_its_line(tmp_path, capsys):
    write_scores(tmp_path, f'{HEADER}\n1000\t10\t5.0\t5\t0\n2000\t20\tfive\t5\t0\n3000\t30\t7.0\t7\t0\n4000\t4')
    redo, best = rewind_scores(str(tmp_path), 4500, 1000)
    warnings = capsys.readouterr().err
    assert 'scores.txt line 3 is not a row' in warnings and "'2000\\t20\\tfive\\t5\\t0'" in warnings
    assert 'scores.txt line 5 is not a row' in warnings
    assert score_steps(tmp_path) == [1000, 3000] and best == 7.0
    assert redo == [2000, 4000]  # a checkpoint that does not say which rows it saw: every missing one
    discarded = (tmp_path / 'scores_discarded.txt').read_text().splitlines()
    assert discarded == [HEADER, '2000\t20\tfive\t5\t0', '4000\t4']


def test_rows_lost_after_the_checkpoint_are_reported_not_played_again(tmp_path, capsys):
    write_scores(tmp_path, f'{HEADER}\n1000\t10\t5.0\t5\t0\n2000\t20\tfive\t5\t0\n')
    # the checkpoint saw rows 1000 and 2000; 3000 was being played when it was written
    redo, _ = rewind_scores(str(tmp_path), 3500, 1000, recorded_at_checkpoint=[1000, 2000])
    assert redo == [3000]
    assert 'lost the rows of the evaluations at 2000 steps' in capsys.readouterr().err


def test_a_missing_header_or_a_missing_scores_file_is_written_anew(tmp_path, capsys):
    write_scores(tmp_path, '1000\t10\t5.0\t5\t0\n')
    assert rewind_scores(str(tmp_path), 1500, 1000) == ([], 5.0)
    assert 'line 1 is not the header' in capsys.readouterr().err
    assert (tmp_path / 'scores.txt').read_text() == f'{HEADER}\n1000\t10\t5.0\t5\t0\n'
    os.remove(tmp_path / 'scores.txt')
    assert rewind_scores(str(tmp_path), 1500, 1000, recorded_at_checkpoint=[]) == ([1000], -np.inf)
    assert 'scores.txt is missing: a new one is started' in capsys.readouterr().err
    assert score_steps(tmp_path) == []


def drop_attribute(path, name):
    with h5py.File(path, 'r+') as f:
        del f.attrs[name]


def test_a_checkpoint_missing_attributes_is_skipped_or_completed(tmp_path, capsys):
    outdir = tmp_path / 'run'
    stopped_run(outdir)
    newest = checkpoint_paths(str(outdir))[0]
    drop_attribute(newest, 'elapsed')  # not needed to go on: 0, with a warning
    assert latest_checkpoint(str(outdir)).path == newest
    assert f'{newest} does not say its elapsed' in capsys.readouterr().err
    drop_attribute(newest, 'steps')  # needed: the checkpoint before it is used
    older = checkpoint_paths(str(outdir))[1:]
    if older:
        assert latest_checkpoint(str(outdir)).path == older[0]
        assert f'skipping damaged checkpoint {newest}' in capsys.readouterr().err
    for path in older:
        drop_attribute(path, 'args')
    assert_usage_error(run_script('a3c_ale.py', '--resume', str(outdir)), 'holds no intact checkpoint')


def test_resume_of_a_hand_edited_scores_file_goes_on_and_says_which_line(tmp_path):
    outdir = tmp_path / 'run'
    stopped_run(outdir)
    with open(outdir / 'scores.txt', 'a') as f:
        f.write('1000\t12.5\tabc\n')
    result = run_script('a3c_ale.py', '--resume', str(outdir))
    assert result.returncode == 0, result.stderr
    assert 'Traceback' not in result.stderr
    assert "scores.txt line 2 is not a row of steps, elapsed, mean, median, stdev ('1000\\t12.5\\tabc')" in result.stderr
    assert score_steps(outdir) == [1000, 2000, 3000]
    assert (outdir / 'scores_discarded.txt').read_text().splitlines()[1:] == ['1000\t12.5\tabc']


# 4. Paths of the wrong kind.

@pytest.fixture
def things(tmp_path):
    """A directory, a file, and a real model file."""
    directory = tmp_path / 'a_directory'
    directory.mkdir()
    a_file = tmp_path / 'a_file'
    a_file.write_text('text')
    model = tmp_path / 'model.h5'
    save_model(str(model), make_model(ModelSpec(4), False, np.random.RandomState(0)))
    return str(directory), str(a_file), str(model)


@pytest.mark.parametrize('case', [
    'rom_directory', 'outdir_file', 'resume_file', 'resume_missing', 'load_directory', 'model_directory',
    'gif_directory', 'gif_in_a_file', 'record_screen_dir_file', 'scenario_directory'])
def test_a_path_of_the_wrong_kind_gets_one_line(tmp_path, things, case):
    directory, a_file, model = things
    outdir = str(tmp_path / 'run')
    script, argv, fragments = {
        'rom_directory': ('a3c_ale.py', ['1', directory, '--outdir', outdir], ['ROM', 'is a directory']),
        'outdir_file': ('a3c_ale.py', ['1', 'breakout', '--outdir', a_file], ['--outdir', 'is a file; give a directory']),
        'resume_file': ('a3c_ale.py', ['--resume', a_file], ['--resume', 'is a file; give a directory']),
        'resume_missing': ('a3c_ale.py', ['--resume', outdir], ['--resume', 'does not exist']),
        'load_directory': ('a3c_ale.py', ['1', 'breakout', '--load', directory, '--outdir', outdir],
                           ['--load', 'is a directory; give a file']),
        'model_directory': ('demo_a3c_ale.py', ['breakout', directory], ['model file', 'is a directory; give a file']),
        'gif_directory': ('demo_a3c_ale.py', ['breakout', model, '--gif', directory],
                          ['--gif', 'is a directory; give a new file name']),
        'gif_in_a_file': ('demo_a3c_ale.py', ['breakout', model, '--gif', os.path.join(a_file, 'x.gif')],
                          ['the directory of --gif', 'does not exist']),
        'record_screen_dir_file': ('demo_a3c_ale.py', ['breakout', model, '--record-screen-dir', a_file],
                                   ['--record-screen-dir', 'is a file; give a directory']),
        'scenario_directory': ('demo_a3c_doom.py', ['--random', '--scenario', directory],
                               ['scenario', 'is a directory']),
    }[case]
    if script == 'demo_a3c_doom.py':
        pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')
    assert_usage_error(run_script(script, *argv), *fragments)
    assert not os.path.exists(outdir)


@contextlib.contextmanager
def permissions_apply():
    """Root reads and writes whatever it likes: run the scripts without that power (CAP_DAC_*), so
    that file permissions apply to them as to any user."""
    if os.geteuid() != 0:
        yield []
        return
    if shutil.which('setpriv') is None:
        pytest.skip('setpriv (util-linux) is needed to drop root\'s file access powers')
    yield ['setpriv', '--bounding-set=-dac_override,-dac_read_search']


def run_without_file_powers(prefix, script, *argv):
    return subprocess.run([*prefix, sys.executable, os.path.join(ROOT, script), *argv], cwd=ROOT, text=True,
                          capture_output=True, timeout=300)


def test_files_that_cannot_be_read_or_written_get_one_line(tmp_path, things):
    directory, _, model = things
    unreadable = tmp_path / 'unreadable.h5'
    shutil.copy(model, unreadable)
    os.chmod(unreadable, 0)
    read_only = tmp_path / 'read_only'
    read_only.mkdir()
    os.chmod(read_only, 0o555)
    rom = tmp_path / 'rom.bin'
    shutil.copy(resolve_rom('breakout'), rom)
    os.chmod(rom, 0)
    with permissions_apply() as prefix:
        cases = [
            ('demo_a3c_ale.py', ['breakout', str(unreadable)], ['model file', 'cannot be read (Permission denied)']),
            ('a3c_ale.py', ['1', 'breakout', '--load', str(unreadable), '--outdir', str(tmp_path / 'run')],
             ['--load', 'cannot be read (Permission denied)']),
            ('a3c_ale.py', ['1', str(rom), '--outdir', str(tmp_path / 'run')], ['ROM', 'cannot be read (Permission denied)']),
            ('a3c_ale.py', ['1', 'breakout', '--outdir', str(read_only / 'run')],
             ['--outdir', 'cannot be created (Permission denied)']),
            ('a3c_ale.py', ['1', 'breakout', '--outdir', str(read_only)],
             ['--outdir', 'cannot be written (Permission denied)']),
            ('demo_a3c_ale.py', ['breakout', model, '--gif', str(read_only / 'x.gif')],
             ['the directory of --gif', 'cannot be written (Permission denied)']),
            ('demo_a3c_ale.py', ['breakout', model, '--record-screen-dir', str(read_only / 'frames')],
             ['--record-screen-dir', 'cannot be created (Permission denied)']),
        ]
        for script, argv, fragments in cases:
            assert_usage_error(run_without_file_powers(prefix, script, *argv), *fragments)
    assert not (tmp_path / 'run').exists() and os.listdir(read_only) == []
