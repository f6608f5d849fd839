"""Runs cross between the supported Pythons: a checkpoint and a model written on one (with its numpy:
1.26 on 3.11, 2 on 3.12 and 3.13) resume and replay on another, both ways round.

The other Pythons are the venvs `make test` sets up beside this one (.venv-3.X, or .venv when the
suite runs elsewhere); with none of another version here, the test is skipped.
"""
import glob
import os
import subprocess
import sys

import pytest

from conftest import ROOT

HERE = '%d.%d' % sys.version_info[:2]


def version_of(python):
    result = subprocess.run([python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                            capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def other_pythons():
    """{version: interpreter} of the set-up venvs in the checkout whose Python is not this one."""
    found = {}
    for python in sorted(glob.glob(os.path.join(ROOT, '.venv*', 'bin', 'python'))):
        version = version_of(python)
        venv = os.path.dirname(os.path.dirname(python))
        if version and version != HERE and os.path.exists(os.path.join(venv, f'.installed-{version}')):
            found.setdefault(version, python)
    return found


OTHERS = other_pythons()


def run(python, script, *args):
    result = subprocess.run([python, os.path.join(ROOT, script), *args], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, f'{script} on {python}:\n{result.stderr}'
    return result


@pytest.mark.skipif(not OTHERS, reason='no venv of another supported Python here (make test sets them up)')
@pytest.mark.parametrize('other', sorted(OTHERS) or [None])
@pytest.mark.parametrize('kind', ['ff', 'lstm'])
def test_a_run_written_on_one_python_resumes_and_replays_on_the_other(tmp_path, other, kind):
    pythons = {HERE: sys.executable, other: OTHERS[other]}
    for writer, reader in ((HERE, other), (other, HERE)):
        outdir = tmp_path / f'written_on_{writer}'
        run(pythons[writer], 'a3c_ale.py', '1', 'breakout', '--seed', '0', '--steps', '600', '--eval-frequency',
            '300', '--eval-n-runs', '1', '--checkpoint-frequency', '300', '--outdir', str(outdir),
            *(['--use-lstm'] if kind == 'lstm' else []))
        # As if the run had been killed after its checkpoint at step 300.
        os.remove(outdir / 'checkpoint_600.h5')
        os.remove(outdir / '600_finish.h5')

        resumed = run(pythons[reader], 'a3c_ale.py', '--resume', str(outdir))
        assert 'resuming from' in resumed.stdout and 'at step 300' in resumed.stdout
        assert [row.split('\t')[0] for row in (outdir / 'scores.txt').read_text().splitlines()] == \
               ['steps', '300', '600']
        assert (outdir / '600_finish.h5').is_file()

        demo = run(pythons[reader], 'demo_a3c_ale.py', 'breakout', str(outdir / '300.h5'), '--n-runs', '1')
        model_line, first_game = demo.stdout.splitlines()[:2]
        assert f'A3C {kind.upper()}' in model_line and f'Python {writer}.' in model_line
        assert first_game.startswith('Run 0: ')
        finished = run(pythons[writer], 'demo_a3c_ale.py', 'breakout', str(outdir / '600_finish.h5'), '--n-runs', '1')
        assert f'Python {reader}.' in finished.stdout.splitlines()[0]
