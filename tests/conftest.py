import os
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import chainer_compat  # noqa: E402,F401  (before any test imports chainer)
REFERENCE_MODEL = os.path.join(ROOT, '..', 'shared', 'reference', 'muupan_breakout_ff_80000000_finish.h5')


def run_script(script, *args, timeout=300, cwd=ROOT, env=None):
    """Run one of the project's scripts as a user would, in a session (process group) of its own.

    Returns a CompletedProcess with the script's pid, which is also its process group id.
    """
    with subprocess.Popen([sys.executable, os.path.join(ROOT, script), *args], cwd=cwd, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    result.pid = proc.pid
    return result


def processes_in_group(pgid):
    """Pids of live processes whose process group is pgid (read from /proc)."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != 'Z':
            pids.append(int(entry))
    return pids


def pytest_collection_modifyitems(items):
    """The tests that start Ray inside this process (two_node_cluster) run last: a process forked
    after Ray's threads started may crash (a worker of a later in-process training test died of
    SIGSEGV so on Python 3.13)."""
    items.sort(key=lambda item: 'two_node_cluster' in getattr(item, 'fixturenames', ()))


# Under `make test`, which installs every extra and runs as root (ASYNC_RL_STRICT_SKIPS=1), a skip for
# a missing extra or a tmpfs that cannot be mounted means something is broken (a native library that
# fails to load turns dozens of tests into skips): such a skip fails, with its reason. Other skips
# (another Python not found, the original's published model absent) stay skips.
STRICT_SKIPS = os.environ.get('ASYNC_RL_STRICT_SKIPS') == '1'
BROKEN_IF_SKIPPED = ('is not installed', 'mounting a small file system', 'cannot mount a tmpfs')


def skip_reason(report):
    return report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)


def fail_if_broken(report):
    if STRICT_SKIPS and report.skipped and any(text in skip_reason(report) for text in BROKEN_IF_SKIPPED):
        report.outcome = 'failed'
        report.longrepr = (f'skipped under make test, which installs every extra and mounts as root: '
                           f'{skip_reason(report)}')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    fail_if_broken(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield  # a module that skips itself (pytest.importorskip at its top)
    fail_if_broken(outcome.get_result())


def pytest_configure(config):
    config.addinivalue_line('markers', 'every_python: a short end-to-end test that `make test` also runs on every '
                            'other supported Python it finds')


@pytest.fixture
def reference_model():
    if not os.path.isfile(REFERENCE_MODEL):
        pytest.skip(f'the original\'s published model is not at {REFERENCE_MODEL}')
    return REFERENCE_MODEL
