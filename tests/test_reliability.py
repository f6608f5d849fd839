"""Never lose a run: interruption, kill -9, resume, dying workers, damaged checkpoints."""
import contextlib
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from checkpoint import Checkpoint, checkpoint_paths, latest_checkpoint, read_checkpoint, write_checkpoint
from conftest import ROOT, processes_in_group, run_script
from errors import UsageError

SHORT_RUN = ['--steps', '6000', '--eval-frequency', '1000', '--eval-n-runs', '1',
             '--checkpoint-frequency', '1000', '--progress-interval', '1']


def start_training(outdir, *argv, script='a3c_ale.py'):
    return subprocess.Popen([sys.executable, os.path.join(ROOT, script), *argv, '--outdir', str(outdir)],
                            cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_for(condition, timeout=120):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, 'timed out'
        time.sleep(0.1)


@contextlib.contextmanager
def killed_at_exit(proc):
    """Whatever happens in the test, leave no process of the run behind."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def signal_and_wait(proc, pid, signum):
    """Send signum to pid (the run or one of its workers); return how long the run took to end
    and its standard error."""
    os.kill(pid, signum)
    started = time.time()
    _, stderr = proc.communicate(timeout=30)
    return time.time() - started, stderr


def children_of(pid):
    with open(f'/proc/{pid}/task/{pid}/children') as f:
        return [int(child) for child in f.read().split()]


def score_steps(outdir):
    rows = (outdir / 'scores.txt').read_text().splitlines()
    assert rows[0] == 'steps\telapsed\tmean\tmedian\tstdev'
    return [int(row.split('\t')[0]) for row in rows[1:]]


def resume(outdir, *argv):
    return run_script('a3c_ale.py', '--resume', str(outdir), *argv)


def test_kill_9_mid_training_then_resume_continues_counter_and_scores(tmp_path):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'breakout', *SHORT_RUN)
    try:
        wait_for(lambda: len(checkpoint_paths(str(outdir))) >= 2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    wait_for(lambda: processes_in_group(proc.pid) == [], timeout=10)
    stopped_at = latest_checkpoint(str(outdir)).steps
    assert 2000 <= stopped_at < 6000
    files_before = set(os.listdir(outdir))

    result = resume(outdir)
    assert result.returncode == 0, result.stderr
    assert f'resuming from {outdir}/checkpoint_{stopped_at}.h5 at step {stopped_at:,}' in result.stdout
    assert 'was -inf' not in result.stdout  # the best mean goes on from the rows before the checkpoint
    assert score_steps(outdir) == [1000, 2000, 3000, 4000, 5000, 6000]  # none twice, none missing
    assert (outdir / '6000_finish.h5').is_file()
    assert latest_checkpoint(str(outdir)).steps == 6000
    # Nothing the run had is gone, but the checkpoints older than the newest 3 (--keep-checkpoints).
    assert {name for name in files_before if not name.startswith('checkpoint_')} <= set(os.listdir(outdir))
    kept = checkpoint_paths(str(outdir))
    assert len(kept) == 3 and kept[0] == str(outdir / 'checkpoint_6000.h5')
    assert processes_in_group(result.pid) == []


@pytest.mark.every_python
def test_ctrl_c_saves_a_resumable_checkpoint_and_resume_runs_to_the_end(tmp_path):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'breakout', *SHORT_RUN)
    with killed_at_exit(proc):
        wait_for(lambda: score_steps(outdir) if (outdir / 'scores.txt').exists() else False)
        seconds, stderr = signal_and_wait(proc, proc.pid, signal.SIGINT)
    assert seconds < 10
    assert proc.returncode == 130, stderr
    assert processes_in_group(proc.pid) == []
    interrupted = [name for name in os.listdir(outdir) if name.endswith('_keyboardinterrupt.h5')]
    assert len(interrupted) == 1
    steps = int(interrupted[0].split('_')[0])
    assert latest_checkpoint(str(outdir)).steps == steps
    assert f'--resume {outdir}' in stderr

    result = resume(outdir)
    assert result.returncode == 0, result.stderr
    assert score_steps(outdir) == [1000, 2000, 3000, 4000, 5000, 6000]
    # By default only the newest 3 checkpoints stay; the models all do: the first evaluation's
    # (always a new best), the interrupted one's and the final one.
    assert len(checkpoint_paths(str(outdir))) == 3
    assert (outdir / '1000.h5').is_file()
    assert (outdir / '6000_finish.h5').is_file() and (outdir / interrupted[0]).is_file()


def test_ctrl_c_again_while_the_run_stops_does_not_cut_the_save_short(tmp_path):
    # As Ctrl-C in a terminal under bench/learn_until.sh: the terminal's SIGINT and the script's own
    # reach the trainer, the second while it stops its workers; here SIGINT every 20 ms until it ends.
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'breakout', *SHORT_RUN)
    with killed_at_exit(proc):
        wait_for(lambda: (outdir / 'scores.txt').exists() and score_steps(outdir))
        sent, deadline = 0, time.time() + 30
        while proc.poll() is None and time.time() < deadline:
            os.kill(proc.pid, signal.SIGINT)
            sent += 1
            time.sleep(0.02)
        _, stderr = proc.communicate(timeout=30)
    assert sent >= 2
    assert proc.returncode == 130, stderr
    assert 'SIGINT received again: the run is already stopping (it saves the model first); wait' in stderr
    assert 'Traceback' not in stderr
    interrupted = [name for name in os.listdir(outdir) if name.endswith('_keyboardinterrupt.h5')]
    assert len(interrupted) == 1
    assert latest_checkpoint(str(outdir)).steps == int(interrupted[0].split('_')[0])
    assert processes_in_group(proc.pid) == []


def test_ctrl_c_that_lands_in_a_weakref_callback_still_stops_the_run(capfd):
    # Python drops an exception raised inside a weakref callback ("Exception ignored in ..."): a
    # handler that raised there let the run train on (seen once in the test above). The handler
    # records the signal; the trainer's monitor loop stops the run at its next look.
    import weakref
    from argparse import Namespace
    from model_spec import ModelSpec
    from models import make_model
    from train_async import InterruptOnce, Interrupted, SharedTraining, monitor

    class Referent:
        pass

    interrupt_once = InterruptOnce()
    previous = signal.signal(signal.SIGINT, interrupt_once)
    try:
        referent = Referent()
        watcher = weakref.ref(referent, lambda _: os.kill(os.getpid(), signal.SIGINT))
        del referent  # the callback runs now, and the handler with it
    finally:
        signal.signal(signal.SIGINT, previous)
    assert watcher() is None
    assert interrupt_once.received == 'SIGINT'
    assert 'Exception ignored' not in capfd.readouterr().err
    shared = SharedTraining(make_model(ModelSpec(4), False, np.random.RandomState(0)))
    with pytest.raises(Interrupted, match='SIGINT'):
        monitor([], shared, Namespace(steps=1000, checkpoint_frequency=100), time.time(),
                save_checkpoint=None, stats=None, interrupt_once=interrupt_once)


def test_by_default_the_newest_3_checkpoints_stay_and_every_model(tmp_path):
    outdir = tmp_path / 'run'
    result = run_script('a3c_ale.py', '1', 'breakout', '--steps', '3000', '--eval-frequency', '1000',
                        '--eval-n-runs', '1', '--checkpoint-frequency', '500', '--outdir', str(outdir))
    assert result.returncode == 0, result.stderr
    kept = checkpoint_paths(str(outdir))
    assert len(kept) == 3 and kept[0] == str(outdir / 'checkpoint_3000.h5')  # of 6, from 500 on
    assert (outdir / '1000.h5').is_file() and (outdir / '3000_finish.h5').is_file()
    assert '"keep_checkpoints": 3' in (outdir / 'args.txt').read_text()
    assert '(default 3; 0: keep all)' in ' '.join(run_script('a3c_ale.py', '--help').stdout.split())


def test_a_killed_worker_stops_the_run_with_its_name_and_cause(tmp_path):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'breakout', '--progress-interval', '1')
    with killed_at_exit(proc):
        proc.stdout.readline()
        wait_for(lambda: len(children_of(proc.pid)) == 2)
        proc.stdout.readline()  # a progress line: the workers are training
        seconds, stderr = signal_and_wait(proc, children_of(proc.pid)[1], signal.SIGKILL)
    assert seconds < 10
    assert proc.returncode == 1
    assert 'worker-1 was killed by signal SIGKILL' in stderr
    assert processes_in_group(proc.pid) == []


def test_a_non_finite_loss_stops_the_run_before_any_nan_is_saved(tmp_path):
    outdir = tmp_path / 'run'
    # A learning rate of 1e30 throws the parameters so far that the next loss is NaN.
    result = run_script('a3c_ale.py', '2', 'breakout', '--lr', '1e30', '--steps', '4000',
                        '--checkpoint-frequency', '10', '--outdir', str(outdir))
    assert result.returncode == 1
    assert 'NonFiniteError' in result.stderr and ('loss is nan' in result.stderr or 'inf or NaN' in result.stderr)
    assert processes_in_group(result.pid) == []
    for path in checkpoint_paths(str(outdir)):
        checkpoint = read_checkpoint(path)
        assert np.isfinite(checkpoint.params).all() and np.isfinite(checkpoint.stats).all()
    for name in os.listdir(outdir):
        if name.endswith('.h5') and not name.startswith('checkpoint_'):
            for array in datasets_of(outdir / name):
                assert np.isfinite(array).all(), name


def datasets_of(path):
    arrays = []
    with h5py.File(path) as f:
        f.visititems(lambda _, obj: arrays.append(obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def checkpoint_at(steps, size=1000):
    return Checkpoint(steps=steps, params=np.full(size, steps, np.float32), stats=np.ones(size, np.float32),
                      elapsed=1.0, best_mean=2.0, args={'steps': 10 ** 6})


def test_a_truncated_checkpoint_is_refused_and_the_previous_one_is_used(tmp_path):
    write_checkpoint(str(tmp_path), checkpoint_at(1000))
    newest = write_checkpoint(str(tmp_path), checkpoint_at(2000))
    with open(newest, 'r+b') as f:
        f.truncate(os.path.getsize(newest) // 2)
    checkpoint = latest_checkpoint(str(tmp_path))
    assert checkpoint.steps == 1000 and (checkpoint.params == 1000).all()


WRITER = '''
import sys, numpy as np
sys.path.insert(0, {root!r})
from checkpoint import Checkpoint, write_checkpoint
print('ready', flush=True)
step = 0
while True:
    step += 1
    write_checkpoint({outdir!r}, Checkpoint(steps=step, params=np.full(2_000_000, step, np.float32),
                     stats=np.full(2_000_000, step, np.float32), elapsed=0.0, best_mean=0.0, args={{}}), keep=3)
'''


def test_kill_9_during_checkpoint_writes_leaves_a_loadable_checkpoint(tmp_path):
    rng = np.random.RandomState(0)
    for attempt in range(8):
        outdir = tmp_path / str(attempt)
        outdir.mkdir()
        writer = subprocess.Popen([sys.executable, '-c', WRITER.format(root=ROOT, outdir=str(outdir))],
                                  stdout=subprocess.PIPE, text=True)
        writer.stdout.readline()
        wait_for(lambda: checkpoint_paths(str(outdir)))
        time.sleep(rng.uniform(0.0, 0.3))  # somewhere in the middle of some write
        writer.kill()
        writer.wait()
        # Every checkpoint file there is whole: a write cut short never takes a checkpoint's name.
        paths = checkpoint_paths(str(outdir))
        assert paths
        for path in paths:
            checkpoint = read_checkpoint(path)
            assert (checkpoint.params == checkpoint.steps).all() and (checkpoint.stats == checkpoint.steps).all()


def test_resume_refuses_a_conflicting_argument_and_a_finished_run(tmp_path):
    outdir = tmp_path / 'run'
    result = run_script('a3c_ale.py', '1', 'breakout', '--steps', '300', '--eval-frequency', '300',
                        '--eval-n-runs', '1', '--outdir', str(outdir))
    assert result.returncode == 0, result.stderr
    finished = resume(outdir)
    assert finished.returncode == 2 and 'has finished (300 steps)' in finished.stderr
    checkpoint = read_checkpoint(checkpoint_paths(str(outdir))[0])
    for path in checkpoint_paths(str(outdir)):
        os.remove(path)
    checkpoint.steps = 100  # as if the run had stopped at step 100
    write_checkpoint(str(outdir), checkpoint)
    conflict = resume(outdir, '--steps', '500')
    assert conflict.returncode == 2
    assert "--steps 500 conflicts with the resumed run's 300" in conflict.stderr
    assert len(conflict.stderr.strip().splitlines()) == 1
    # Options that only change how the run is watched may be given anew; the rest stay the run's.
    watched = resume(outdir, '--progress-interval', '2', '--keep-checkpoints', '1')
    assert watched.returncode == 0, watched.stderr
    assert len(checkpoint_paths(str(outdir))) == 1


def test_resume_of_a_directory_without_checkpoint_is_refused(tmp_path):
    result = resume(tmp_path)
    assert result.returncode == 2 and 'holds no intact checkpoint' in result.stderr
    result = resume(tmp_path / 'missing')
    assert result.returncode == 2 and 'does not exist' in result.stderr


def test_load_starts_a_new_run_from_the_model_weights(tmp_path, reference_model):
    outdir = tmp_path / 'run'
    # A learning rate so small that the weights after 5 steps are still the loaded ones.
    result = run_script('a3c_ale.py', '1', 'breakout', '--load', reference_model, '--lr', '1e-20',
                        '--steps', '5', '--eval-frequency', '5', '--eval-n-runs', '1', '--outdir', str(outdir))
    assert result.returncode == 0, result.stderr
    assert score_steps(outdir) == [5]
    with h5py.File(reference_model) as loaded, h5py.File(outdir / '5_finish.h5') as final:
        for name in ('0/0/W', '0/2/W', '1/0/b', '2/0/W'):
            np.testing.assert_allclose(final[name][()], loaded[name][()], rtol=1e-6, atol=1e-9)
    assert float((outdir / 'scores.txt').read_text().splitlines()[1].split('\t')[2]) > 50


def test_unique_path_never_overwrites(tmp_path):
    from run_dir import unique_path
    first = tmp_path / '100_finish.h5'
    first.write_text('kept')
    assert unique_path(str(first)) == str(tmp_path / '100_finish_2.h5')
    assert unique_path(str(tmp_path / 'new.h5')) == str(tmp_path / 'new.h5')


def test_latest_checkpoint_of_a_missing_directory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        latest_checkpoint(str(tmp_path / 'nothing'))  # no such directory


def test_rewind_scores_keeps_rows_up_to_the_checkpoint_and_lists_evaluations_to_redo(tmp_path):
    from run_dir import rewind_scores
    (tmp_path / 'scores.txt').write_text('steps\telapsed\tmean\tmedian\tstdev\n'
                                         '1000\t1\t5.0\t5\t0\n3000\t3\t2.0\t2\t0\n4000\t4\t9.0\t9\t0\n')
    redo, best = rewind_scores(str(tmp_path), 3500, 1000)
    assert redo == [2000] and best == 5.0
    assert score_steps(tmp_path) == [1000, 3000]
    assert (tmp_path / 'scores_discarded.txt').read_text().splitlines()[1].startswith('4000\t')
