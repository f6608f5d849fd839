"""sweep_a3c_ale.py: many runs on a real Ray (local, and a real two-node cluster on this machine),
resumed sweeps, lost nodes, and the paper's table from scores.txt files.

Ray is optional: without it these tests are skipped (make setup-sweep installs it). Every Ray
node binds to 127.0.0.1 and usage reporting is off: the tests talk only to the loopback.
"""
import math
import os
import signal
import subprocess
import sys

import pytest

from conftest import ROOT, processes_in_group, run_script
from sweep_a3c_ale import attempt_progress, steps_made
from sweep_table import write_table
from test_cli_errors import assert_usage_error
from test_reliability import killed_at_exit, score_steps, wait_for

LOOPBACK = {'RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER': '0', 'RAY_USAGE_STATS_ENABLED': '0'}
# Tiny runs: one process, one game evaluated every 1,000 steps, checkpoints every 500.
RUN = ['--processes', '1', '--eval-frequency', '1000', '--eval-n-runs', '1', '--checkpoint-frequency', '500',
       '--progress-interval', '1']
TINY = RUN + ['--steps', '2000']
LONGER = RUN + ['--steps', '4000']
HEADER = 'steps\telapsed\tmean\tmedian\tstdev'


def sweep_env():
    return dict(os.environ, **LOOPBACK)


def start_sweep(*argv):
    return subprocess.Popen([sys.executable, os.path.join(ROOT, 'sweep_a3c_ale.py'), *argv], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=sweep_env())


def needs_ray():
    return pytest.importorskip('ray', reason='Ray is not installed (make setup-sweep installs it)')


# The table, from scores.txt files written by hand.

def write_run(sweep_dir, name, rows):
    (sweep_dir / name).mkdir(parents=True)
    (sweep_dir / name / 'scores.txt').write_text(HEADER + '\n' + ''.join(f'{steps}\t1.0\t{mean}\t{mean}\t0\n'
                                                                          for steps, mean in rows))


def test_the_table_against_scores_written_by_hand(tmp_path):
    write_run(tmp_path, 'breakout_ff_seed0', [(1000, 2.0), (2000, 30.0), (3000, 10.0)])
    write_run(tmp_path, 'breakout_ff_seed1', [(1000, 4.0), (2000, 6.0), (3000, 20.0)])
    write_run(tmp_path, 'pong_ff_seed0', [(1000, -20.0), (2000, -3.05)])
    write_run(tmp_path, 'pong_lstm_seed0', [(1000, -21.0)])
    write_run(tmp_path, 'pong_n-step-q_seed0', [(1000, -20.0), (2000, -10.0)])
    write_run(tmp_path, 'pong_one-step-sarsa_seed3', [(1000, -21.0)])
    (tmp_path / 'logs').mkdir()  # not a run: ignored
    records = {(r['game'], r['kind']): r for r in write_table(str(tmp_path))}
    breakout = records[('breakout', 'ff')]
    assert breakout['seeds'] == 2 and breakout['final_steps'] == 3000
    assert breakout['best_mean'] == 25.0 and breakout['best_stdev'] == pytest.approx(math.sqrt(50))  # 30, 20
    assert breakout['final_mean'] == 15.0 and breakout['final_stdev'] == pytest.approx(math.sqrt(50))  # 10, 20
    # no-op random 1.7 and human 30.5 (atari_published_scores.csv)
    breakout_hns = 100 * (25.0 - 1.7) / (30.5 - 1.7)
    assert breakout['best_hns'] == pytest.approx(breakout_hns)
    assert breakout['a3c_ff_1day'] == 551.6 and breakout['chainerrl_a3c'] == 569.9
    pong = records[('pong', 'ff')]
    assert pong['best_mean'] == -3.05 and pong['final_stdev'] == 0.0
    assert pong['final_hns'] == pytest.approx(100 * (-3.05 + 20.7) / (14.6 + 20.7))  # = 50%
    n_step_q = records[('pong', 'n-step-q')]
    assert n_step_q['algorithm'] == 'n-step Q' and n_step_q['best_mean'] == -10.0 and n_step_q['seeds'] == 1
    assert records[('pong', 'one-step-sarsa')]['algorithm'] == 'one-step Sarsa'
    markdown = (tmp_path / 'table.md').read_text()
    assert '| game | algorithm | seeds |' in markdown
    assert '| breakout | A3C FF | 2 | 3,000 | 25.0 ± 7.1 | 15.0 ± 7.1 | 80.9% | 46.2% | 551.6 |' in markdown
    assert '| pong | n-step Q | 1 | 2,000 | -10.0 ± 0.0 |' in markdown
    assert '- n-step Q, best evaluation: median HNS' in markdown
    assert 'human starts' in markdown
    both = (breakout_hns + 50.0) / 2  # the median of two games is their mean
    assert f'- A3C FF, best evaluation: median HNS {both:.1f}%, mean HNS {both:.1f}% over 2 games' in markdown
    assert '- A3C LSTM, best evaluation: median HNS' in markdown  # pong LSTM alone: -21 is -0.8%
    csv_lines = (tmp_path / 'table.csv').read_text().splitlines()
    assert csv_lines[0].startswith('game,kind,algorithm,seeds,final_steps,best_mean') and len(csv_lines) == 6
    assert (tmp_path / 'curves.png').read_bytes()[:4] == b'\x89PNG'


def test_table_of_a_directory_without_runs_is_refused(tmp_path):
    assert_usage_error(run_script('sweep_a3c_ale.py', str(tmp_path), '--table'), 'holds no run with an evaluation')


# Bad input.

def test_bad_sweep_arguments_are_refused_on_one_line(tmp_path):
    sweep_dir = str(tmp_path / 'sweep')
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir), '--games is required')
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir, '--games', 'breakot'), 'did you mean breakout')
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir, '--games', 'CartPol-v1'),
                       "unknown Gymnasium environment 'CartPol-v1'")
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir, '--games', 'pong', '--use-lstm'),
                       '--use-lstm is set by the sweep', '--kinds lstm')
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir, '--games', 'pong', '--lr', '-1'),
                       '--lr', 'not a positive number')
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir, '--games', 'pong', '--algorithm', 'n-step-q'),
                       '--algorithm is set by the sweep', '--kinds n-step-q')
    assert_usage_error(run_script('sweep_a3c_ale.py', sweep_dir, '--games', 'pong', '--kinds', 'ff', 'one-step-q',
                                  '--beta', '0.02'), 'one-step-q runs: --beta is A3C')
    assert not os.path.exists(sweep_dir)


def test_without_ray_the_sweep_says_how_to_install_it(tmp_path):
    (tmp_path / 'ray').mkdir()
    (tmp_path / 'ray' / '__init__.py').write_text('raise ImportError("no ray here")\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = run_script('sweep_a3c_ale.py', str(tmp_path / 'sweep'), '--games', 'pong', env=env)
    assert_usage_error(result, 'the sweep needs Ray', 'make setup-sweep')


# On a real local Ray.

@pytest.mark.every_python
def test_a_local_sweep_of_two_games_completes_and_writes_the_table(tmp_path):
    needs_ray()
    sweep_dir = tmp_path / 'sweep'
    proc = start_sweep(str(sweep_dir), '--games', 'breakout', 'pong', '--num-cpus', '2', *TINY)
    with killed_at_exit(proc):
        stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stdout + stderr
    for name in ('breakout_ff_seed0', 'pong_ff_seed0'):
        assert score_steps(sweep_dir / name) == [1000, 2000]
        assert (sweep_dir / name / '2000_finish.h5').is_file()
        assert f'{name}: started on' in stdout and f'{name}: finished (started)' in stdout
    assert '| breakout | A3C FF | 1 | 2,000 |' in (sweep_dir / 'table.md').read_text()
    assert processes_in_group(proc.pid) == []


def test_one_sweep_runs_an_atari_game_and_a_gymnasium_environment_each_with_its_trainer(tmp_path):
    needs_ray()
    pytest.importorskip('gymnasium', reason='gymnasium is not installed (make setup-gym installs it)')
    sweep_dir = tmp_path / 'sweep'
    proc = start_sweep(str(sweep_dir), '--games', 'CartPole-v1', 'pong', '--num-cpus', '2', *TINY)
    with killed_at_exit(proc):
        stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stdout + stderr
    for name, trainer in (('CartPole-v1_ff_seed0', 'a3c_gym.py'), ('pong_ff_seed0', 'a3c_ale.py')):
        assert score_steps(sweep_dir / name) == [1000, 2000]
        assert trainer in (sweep_dir / name / 'command.txt').read_text()
    assert '| CartPole-v1 | A3C FF | 1 | 2,000 |' in (sweep_dir / 'table.md').read_text()


def test_a_stopped_sweep_run_again_resumes_the_unfinished_run_and_leaves_the_finished_one(tmp_path):
    needs_ray()
    sweep_dir = tmp_path / 'sweep'
    # One CPU: the two runs go one after the other. Stop the sweep while the second trains.
    argv = [str(sweep_dir), '--games', 'pong', 'breakout', '--num-cpus', '1', *LONGER]
    proc = start_sweep(*argv)
    second = sweep_dir / 'breakout_ff_seed0'
    with killed_at_exit(proc):
        wait_for(lambda: (sweep_dir / 'pong_ff_seed0' / '4000_finish.h5').exists()
                 and list(second.glob('checkpoint_*.h5')), timeout=300)
        finished_files = {path: path.stat().st_mtime_ns for path in (sweep_dir / 'pong_ff_seed0').iterdir()}
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the sweep and the local Ray's processes
        stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 130, stdout + stderr
    assert 'breakout_ff_seed0: stopped; newest checkpoint' in stdout
    assert list(second.glob('*_keyboardinterrupt.h5'))  # it saved, as a3c_ale.py does on Ctrl-C
    assert processes_in_group(proc.pid) == []
    log = sweep_dir / 'logs' / 'breakout_ff_seed0.log'
    at_stop = {log: attempt_progress(log)}

    again = start_sweep(*argv)
    with killed_at_exit(again):
        stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stdout + stderr
    assert 'pong_ff_seed0: finished before, skipped' in stdout
    assert 'breakout_ff_seed0: started on' in stdout and '--resume' in stdout
    assert {path: path.stat().st_mtime_ns for path in (sweep_dir / 'pong_ff_seed0').iterdir()} == finished_files
    assert score_steps(second) == [1000, 2000, 3000, 4000]
    # The progress summary counts a resumed run from the checkpoint it resumed at, not from where
    # its first attempt was cut off (which would count the steps lost since that checkpoint twice).
    attempt, resumed_at, steps = attempt_progress(log)
    assert (attempt, steps) == (2, 4000) and resumed_at > 0
    assert f'at step {resumed_at:,}' in log.read_text()
    assert steps_made([log], at_stop) == 4000 - resumed_at


# On a real two-node Ray cluster on this machine.

@pytest.fixture
def two_node_cluster(monkeypatch):
    needs_ray()
    for name, value in LOOPBACK.items():
        monkeypatch.setenv(name, value)
    from ray.cluster_utils import Cluster
    cluster = Cluster(initialize_head=True, head_node_args={'num_cpus': 1, 'include_dashboard': False})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        yield cluster, worker
    finally:
        cluster.shutdown()


def test_a_run_on_a_lost_node_finishes_on_the_other_node(tmp_path, two_node_cluster):
    cluster, _ = two_node_cluster
    sweep_dir = tmp_path / 'sweep'
    argv = [str(sweep_dir), '--games', 'breakout', 'pong', '--address', cluster.address, *LONGER]
    proc = start_sweep(*argv)
    with killed_at_exit(proc):
        # Both runs train, one on each node; take away the node that is not the head, mid-run.
        wait_for(lambda: all(list((sweep_dir / name).glob('checkpoint_*.h5'))
                             for name in ('breakout_ff_seed0', 'pong_ff_seed0')), timeout=300)
        lost = [node for node in cluster.worker_nodes]
        logs = {name: (sweep_dir / 'logs' / f'{name}.log').read_text() for name in ('breakout_ff_seed0', 'pong_ff_seed0')}
        on_lost = [name for name, log in logs.items() if f'node {lost[0].node_id}' in log]
        assert len(on_lost) == 1, logs
        cluster.remove_node(lost[0])
        stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stdout + stderr
    moved = sweep_dir / on_lost[0]
    log = (sweep_dir / 'logs' / f'{on_lost[0]}.log').read_text()
    starts = [line for line in log.splitlines() if line.startswith('# sweep: started')]
    assert len(starts) == 2 and '--resume' in starts[1], log
    assert score_steps(moved) == [1000, 2000, 3000, 4000]
    assert processes_in_group(proc.pid) == []


def test_a_local_sweep_runs_a_ray_of_its_own_while_another_ray_runs_on_this_machine(tmp_path, two_node_cluster):
    sweep_dir = tmp_path / 'sweep'
    proc = start_sweep(str(sweep_dir), '--games', 'pong', '--num-cpus', '1', *TINY)
    with killed_at_exit(proc):
        stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stdout + stderr
    assert 'Connecting to existing Ray cluster' not in stderr
    assert score_steps(sweep_dir / 'pong_ff_seed0') == [1000, 2000]
    assert processes_in_group(proc.pid) == []
