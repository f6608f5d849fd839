"""The scripts as a user runs them: real processes, real ALE, real files."""
import os
import platform

import h5py
import numpy as np
import pytest

from conftest import processes_in_group, run_script


def train_breakout(outdir, *extra):
    return run_script('a3c_ale.py', '2', 'breakout', '--steps', '4000', '--eval-frequency', '2000',
                      '--eval-n-runs', '1', '--outdir', str(outdir), '--progress-interval', '1', *extra)


@pytest.mark.every_python
@pytest.mark.parametrize('kind', ['ff', 'lstm'])
def test_training_run_writes_scores_and_models_and_leaves_no_process(tmp_path, kind):
    outdir = tmp_path / kind
    result = train_breakout(outdir, *(['--use-lstm'] if kind == 'lstm' else []))
    assert result.returncode == 0, result.stderr
    assert processes_in_group(result.pid) == []

    rows = (outdir / 'scores.txt').read_text().splitlines()
    assert rows[0].split('\t') == ['steps', 'elapsed', 'mean', 'median', 'stdev']
    assert [row.split('\t')[0] for row in rows[1:]] == ['2000', '4000']
    assert (outdir / '4000_finish.h5').is_file()
    assert (outdir / '2000.h5').is_file()  # the first evaluation is always a new best
    with h5py.File(outdir / '4000_finish.h5', 'r') as f:
        assert ('upward' in f['1']) == (kind == 'lstm')
    assert 'steps/s' in result.stdout and 'remaining' in result.stdout
    recorded = (outdir / 'args.txt').read_text()
    assert '"processes": 2' in recorded and '"steps": 4000' in recorded
    recorded = (outdir / 'git.txt').read_text()
    assert 'revision:' in recorded and f'python: {platform.python_version()}, numpy {np.__version__}' in recorded

    demo = run_script('demo_a3c_ale.py', 'breakout', str(outdir / '4000_finish.h5'), '--n-runs', '2')
    assert demo.returncode == 0, demo.stderr
    model_line, *lines = demo.stdout.splitlines()
    assert model_line.startswith(f'model: A3C {kind.upper()}, breakout (ROM md5 ')
    assert '4,000 global steps' in model_line and 'chainer 7.8.1' in model_line
    assert lines[0].startswith('Run 0: ') and lines[1].startswith('Run 1: ')
    assert lines[2].startswith('mean: ') and 'median: ' in lines[2] and 'stdev: ' in lines[2]


def test_one_process_with_a_seed_is_reproducible(tmp_path):
    finals = []
    for name in ('a', 'b'):
        result = run_script('a3c_ale.py', '1', 'breakout', '--seed', '7', '--steps', '600',
                            '--eval-frequency', '300', '--eval-n-runs', '1', '--outdir', str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        finals.append(tmp_path / name / '600_finish.h5')
        assert (tmp_path / name / 'scores.txt').read_text().count('\n') == 3
    with h5py.File(finals[0], 'r') as a, h5py.File(finals[1], 'r') as b:
        names = []
        a.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        for name in names:
            np.testing.assert_array_equal(a[name][()], b[name][()], err_msg=name)
    scores = [(tmp_path / name / 'scores.txt').read_text().splitlines() for name in ('a', 'b')]
    assert [row.split('\t')[2:] for row in scores[0]] == [row.split('\t')[2:] for row in scores[1]]


def test_profile_writes_one_profile_per_worker(tmp_path):
    result = run_script('a3c_ale.py', '2', 'breakout', '--steps', '400', '--eval-frequency', '400',
                        '--eval-n-runs', '1', '--outdir', str(tmp_path / 'run'), '--profile')
    assert result.returncode == 0, result.stderr
    for worker in (0, 1):
        profile = (tmp_path / 'run' / f'profile_{worker}.txt').read_text()
        assert 'act_and_train' in profile and 'cumulative' in profile


def test_default_outdir_is_a_new_one_under_results(tmp_path):
    for _ in range(2):  # started within the same second: still two directories
        result = run_script('a3c_ale.py', '1', 'pong', '--steps', '200', '--eval-frequency', '200',
                            '--eval-n-runs', '1', cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    runs = sorted(os.listdir(tmp_path / 'results'))
    assert len(runs) == 2 and all(run.startswith('pong_ff_') for run in runs)
    for run in runs:
        assert (tmp_path / 'results' / run / '200_finish.h5').is_file()


def test_the_demo_plays_a_uniformly_random_policy_without_a_model():
    """--random, the original's Doom demo's baseline, for Atari: Pong's random policy loses nearly every point."""
    result = run_script('demo_a3c_ale.py', 'pong', '--random', '--n-runs', '1')
    assert result.returncode == 0, result.stderr
    first, last = result.stdout.splitlines()
    assert first.startswith('Run 0: ') and last.startswith('mean: ')
    assert -21 <= float(first.split()[-1]) <= -15


def test_record_screen_dir_writes_each_game_into_a_directory_of_its_own_as_the_original(tmp_path):
    frames = tmp_path / 'frames'
    recorded = run_script('demo_a3c_ale.py', 'breakout', '--random', '--n-runs', '2', '--record-screen-dir',
                          str(frames))
    assert recorded.returncode == 0, recorded.stderr
    assert sorted(os.listdir(frames)) == ['0', '1']
    for game in ('0', '1'):
        names = sorted(os.listdir(frames / game))
        assert names[0] == '000000.png' and names[-1] == f'{len(names) - 1:06d}.png'  # numbered from 0 in each
        assert len(names) > 100  # every frame of a whole game
    # Recording does not change the games (same seed, same scores), and a directory that holds
    # frames already is refused as it is.
    plain = run_script('demo_a3c_ale.py', 'breakout', '--random', '--n-runs', '2')
    assert plain.stdout == recorded.stdout
    again = run_script('demo_a3c_ale.py', 'breakout', '--random', '--n-runs', '1', '--record-screen-dir', str(frames))
    assert again.returncode == 2 and 'already holds files; give a new or empty directory' in again.stderr
    assert sorted(os.listdir(frames)) == ['0', '1']
