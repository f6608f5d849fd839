"""The Makefile takes the newest supported Python it finds, or the one named, and refuses the rest in
one line. Dry runs (make -n): nothing is built."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

MAKE = shutil.which('make')
HERE = '%d.%d' % sys.version_info[:2]
# make's flags and the Makefile's variables that a parent make passes down in the environment
MAKE_OWN = {'MAKEFLAGS', 'MAKELEVEL', 'MFLAGS', 'PYTHON', 'OTHER_PYTHONS', 'VENV', 'PROCESSES', 'ARGS'}


def dry_run(*args, path):
    """make -n with only `path` on the PATH, for a venv that does not exist yet (whatever .venv
    holds), as a make of its own: not a sub-make of `make test`, whose flags and command-line
    variables (`make test PYTHON=...` exports PYTHON) it would take."""
    env = {name: value for name, value in os.environ.items() if name not in MAKE_OWN}
    return subprocess.run([MAKE, '-n', f'VENV={path}/venv', *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(env, PATH=str(path)))


def interpreter_of(version):
    """A real interpreter of Python `version` on this machine (this one, or pyenv's), else None."""
    if version == HERE:
        return sys.executable
    prefix = subprocess.run(['pyenv', 'prefix', version], capture_output=True, text=True) \
        if shutil.which('pyenv') else None
    python = prefix and os.path.join(prefix.stdout.strip(), 'bin', f'python{version}')
    return python if python and prefix.returncode == 0 and os.access(python, os.X_OK) else None


def path_with(tmp_path, versions):
    """A PATH whose only interpreters are python3.X links to real ones."""
    for version in versions:
        os.symlink(interpreter_of(version), tmp_path / f'python{version}')
    return tmp_path


def test_the_newest_supported_python_on_the_path_is_taken(tmp_path):
    found = [version for version in ('3.11', '3.12', '3.13') if interpreter_of(version)]
    if len(found) < 2:
        pytest.skip('needs two supported Pythons on this machine')
    result = dry_run('setup', path=path_with(tmp_path, found))
    assert result.returncode == 0, result.stderr
    assert f'python{found[-1]} -m venv {tmp_path}/venv' in result.stdout and f'.installed-{found[-1]}' in result.stdout


def test_python_names_the_one_to_use(tmp_path):
    result = dry_run('setup', f'PYTHON={sys.executable}', path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f'{sys.executable} -m venv {tmp_path}/venv' in result.stdout and f'.installed-{HERE}' in result.stdout


def test_an_unsupported_python_is_refused_in_one_line(tmp_path):
    old = tmp_path / 'python3.10'  # answers as Python 3.10 does
    old.write_text('#!/bin/sh\necho 3.10\n')
    old.chmod(0o755)
    result = dry_run('setup', f'PYTHON={old}', path=tmp_path)
    assert result.returncode == 2 and result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1
    assert f'PYTHON={old} is Python 3.10; async-rl supports 3.11, 3.12 and 3.13' in result.stderr
    assert 'uv python install 3.13' in result.stderr


def test_without_a_supported_python_make_says_how_to_get_one(tmp_path):
    result = dry_run('test', path=tmp_path)
    assert result.returncode == 2 and result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1
    assert 'no Python 3.13, 3.12 or 3.11 found' in result.stderr
    assert 'uv python install 3.13' in result.stderr and "distribution's python3.13" in result.stderr


def test_a_second_setup_waits_for_the_first_one_holding_the_lock(tmp_path):
    # As a first `make` would hold it while it builds the venv: a second one must not start meanwhile.
    import fcntl
    import signal
    import time
    if not shutil.which('flock'):
        pytest.skip('flock (util-linux) is not on this machine: set-ups are not serialised here')
    venv = tmp_path / 'venv'
    env = {name: value for name, value in os.environ.items() if name not in MAKE_OWN}
    with open(os.path.join(ROOT, '.setup.lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        second = subprocess.Popen([MAKE, 'setup', f'VENV={venv}', f'PYTHON={sys.executable}'], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(3)
            assert second.poll() is None and not venv.exists()  # waiting, nothing made
            fcntl.flock(lock, fcntl.LOCK_UN)
            deadline = time.time() + 60
            while not venv.exists() and time.time() < deadline:
                time.sleep(0.2)
            assert venv.exists()  # once the lock is free, it sets up
        finally:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()


def test_under_make_test_a_skip_for_a_missing_extra_fails_and_other_skips_stay_skips(tmp_path):
    (tmp_path / 'test_extra.py').write_text(
        'import pytest\n'
        'def test_needs_an_extra():\n'
        "    pytest.importorskip('no_such_extra_module', reason='no_such_extra_module is not installed')\n"
        'def test_needs_another_python():\n'
        "    pytest.skip('needs two supported Pythons on this machine')\n")
    (tmp_path / 'test_module_skips.py').write_text(
        "import pytest\npytest.importorskip('no_such_extra_module', reason='no_such_extra_module is not installed')\n"
        'def test_never_runs():\n    pass\n')

    def pytest_run(strict, *files):
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'tests'), ASYNC_RL_STRICT_SKIPS='1' if strict else '0')
        return subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'conftest', '-rfs',
                               *(str(tmp_path / name) for name in files)],
                              capture_output=True, text=True, cwd=tmp_path, env=env)
    relaxed = pytest_run(False, 'test_extra.py', 'test_module_skips.py')
    assert relaxed.returncode == 0 and '3 skipped' in relaxed.stdout, relaxed.stdout
    strict = pytest_run(True, 'test_extra.py')
    assert strict.returncode == 1, strict.stdout
    assert 'skipped under make test, which installs every extra and mounts as root: ' in strict.stdout
    assert 'no_such_extra_module is not installed' in strict.stdout
    assert '1 failed, 1 skipped' in strict.stdout, strict.stdout
    module = pytest_run(True, 'test_module_skips.py')  # a whole module that skips itself: the session fails
    assert module.returncode != 0 and 'no_such_extra_module is not installed' in module.stdout, module.stdout
