"""Many runs at once (games x seeds x kinds: A3C FF, A3C LSTM, the Q-learning methods) on Ray, and
the paper's table from them.

usage: python sweep_a3c_ale.py SWEEP_DIR --games breakout pong --seeds 0 1 2 --processes 16 [a3c_ale.py options]
       python sweep_a3c_ale.py SWEEP_DIR --games CartPole-v1 InvertedPendulum-v5 ... [a3c_gym.py options]
       python sweep_a3c_ale.py SWEEP_DIR ... --address auto      (on a running Ray cluster: ray start ...)
       python sweep_a3c_ale.py SWEEP_DIR --table                 (the table and curves from what is there)

Each (game, kind, seed) is one a3c_ale.py run (a3c_gym.py for a Gymnasium id, which has a version:
CartPole-v1) in SWEEP_DIR/<game>_<kind>_seed<k>/ (kind: ff, lstm, n-step-q, one-step-q,
one-step-sarsa, the last three with --algorithm), started as a Ray
task that needs --processes CPUs, so Ray places as many runs on a node as its cores allow. Without
--address Ray starts inside this command on this machine; with it the runs go to that cluster,
whose nodes must see SWEEP_DIR and this checkout at the same paths (a shared file system). Running
the same command again continues the sweep: finished runs are skipped, interrupted ones resumed
(--resume), missing ones started. A node lost mid-run: Ray runs its tasks again elsewhere and they
resume from their last checkpoint. Ctrl-C stops every run as a3c_ale.py's Ctrl-C does (each saves).
Each run's output goes to SWEEP_DIR/logs/<run>.log. At the end, and with --table at any time:
SWEEP_DIR/table.md, table.csv and curves.png (sweep_table.py).
"""
import ctypes
import glob
import os
import re
import signal
import subprocess
import sys
import time

# Ray reports usage to its authors unless told not to; nothing leaves the machine unless the user asks.
os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')

from ale import ATARI, game_ids, resolve_rom  # noqa: E402
from checkpoint import checkpoint_paths  # noqa: E402
from errors import ArgumentParser, UsageError, exit_with_usage_error, positive_int  # noqa: E402
from gym_env import GYM, resolve_env_id, short_name  # noqa: E402
from run_dir import LOCK_NAME  # noqa: E402
from sweep_table import KINDS, run_name, write_table  # noqa: E402
from train_command import parse_args as parse_trainer_args  # noqa: E402

ROOT = os.path.dirname(os.path.abspath(__file__))
TRAINERS = {ATARI.name: os.path.join(ROOT, 'a3c_ale.py'), GYM.name: os.path.join(ROOT, 'a3c_gym.py')}
SUMMARY_INTERVAL = 60.0
POLL_INTERVAL = 2.0
SET_BY_THE_SWEEP = ('--outdir', '--resume', '--seed', '--use-lstm', '--algorithm')
START_MARK = '# sweep: started'


def parse_args(argv=None):
    parser = ArgumentParser(description='Run A3C (and the Q-learning methods) on many games and seeds at once with Ray; '
                                        'write the paper\'s table.',
                            epilog='Options not listed here go to every run\'s trainer (a3c_ale.py, a3c_gym.py).\n\n'
                                   'example:\n  sweep_a3c_ale.py sweeps/five --games breakout pong --seeds 0 1 2 '
                                   '--kinds ff n-step-q --processes 16\n  sweep_a3c_ale.py sweeps/five --table')
    parser.add_argument('sweep_dir', help='directory of the sweep: one run directory per game, kind and seed')
    parser.add_argument('--games', nargs='+', metavar='GAME',
                        help='ALE game ids (breakout pong ...) and Gymnasium ids (CartPole-v1 ...)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0], help='seeds (default 0)')
    parser.add_argument('--kinds', nargs='+', choices=KINDS, default=['ff'],
                        help='A3C FF (ff), A3C LSTM (lstm), the paper\'s Q-learning methods (n-step-q, one-step-q, '
                             'one-step-sarsa), any of them (default ff)')
    parser.add_argument('--processes', type=positive_int, default=16,
                        help='worker processes (and Ray CPUs) of each run (default 16)')
    parser.add_argument('--address', default=None,
                        help='a running Ray cluster (auto, or host:port); default: Ray on this machine only')
    parser.add_argument('--num-cpus', type=positive_int, default=None,
                        help='CPUs the local Ray may use (default: all of this machine\'s); not with --address')
    parser.add_argument('--table', action='store_true', help='only write the table and curves from what is there')
    args, trainer_options = parser.parse_known_args(argv)
    if args.table:
        return args, []
    if not args.games:
        parser.error('--games is required (or --table)')
    for option in trainer_options:
        if option.split('=')[0] in SET_BY_THE_SWEEP:
            parser.error(f'{option.split("=")[0]} is set by the sweep for each run'
                         + ('; use --kinds lstm' if option == '--use-lstm' else '')
                         + ('; use --kinds n-step-q (one-step-q, one-step-sarsa)' if option.startswith('--algorithm')
                            else ''))
    if args.address and args.num_cpus:
        parser.error('--num-cpus is for the local Ray; a cluster has the CPUs its nodes have')
    # Every run's own command line must be right before anything starts: its trainer's parser says.
    for game in args.games:
        for kind in args.kinds:
            try:
                parse_trainer_args(environment_of(game), [str(args.processes), game, *trainer_options,
                                                          *kind_options(kind)])
            except UsageError as error:
                parser.error(f'{kind} runs: {error}')
    return args, trainer_options


def kind_options(kind):
    """What a run of kind adds to the trainer's command line."""
    return ['--use-lstm'] if kind == 'lstm' else [] if kind == 'ff' else ['--algorithm', kind]


def environment_of(game):
    """A Gymnasium id has a version (CartPole-v1, ALE/Breakout-v5); an ALE game id has none."""
    return GYM if re.search(r'-v\d+$', game) else ATARI


def check_game(game):
    """UsageError unless game is an ALE game id (the table's) or a Gymnasium id."""
    if environment_of(game) is GYM:
        resolve_env_id(game)
        return
    resolve_rom(game)
    if game not in game_ids():
        raise UsageError(f'--games takes ALE game ids, as the table does, or Gymnasium ids; {game!r} is neither')


def import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError('the sweep needs Ray: run `make setup-sweep` '
                         '(or `.venv/bin/pip install -r requirements-sweep.txt`)') from None
    return ray


# --- what a run directory holds -------------------------------------------------------------------

def run_state(run_dir):
    """'missing', 'finished', 'interrupted' (a checkpoint to resume from) or 'unusable' (files, no
    checkpoint: it ended before its first one)."""
    if not os.path.isdir(run_dir) or not set(os.listdir(run_dir)) - {LOCK_NAME}:
        return 'missing'
    if glob.glob(os.path.join(glob.escape(run_dir), '*_finish.h5')):
        return 'finished'
    return 'interrupted' if checkpoint_paths(run_dir) else 'unusable'


def attempt_progress(log_path):
    """(attempt, steps at its start, steps now) of a run's latest attempt, read from its log.

    Each start of the run appends a START_MARK line; a resumed attempt starts at its checkpoint's
    step, not where the attempt before it was cut off, so steps are counted within one attempt:
    from the step it resumed at (0 for a new run) to its last progress line or its finish line.
    """
    try:
        with open(log_path, errors='replace') as f:
            text = f.read()
    except OSError:
        return 0, 0, 0
    attempt = text.count('\n' + START_MARK) + text.startswith(START_MARK)
    latest = text[text.rfind(START_MARK):] if attempt else text
    resumed = re.search(r'resuming from .* at step ([\d,]+)', latest)
    first = int(resumed.group(1).replace(',', '')) if resumed else 0
    progress = re.findall(r'^(?:steps ([\d,]+)/|training finished: ([\d,]+) steps)', latest, re.MULTILINE)
    return attempt, first, int(''.join(progress[-1]).replace(',', '')) if progress else first


def starts_in(log_path):
    return attempt_progress(log_path)[0]


# --- one run: a Ray task ---------------------------------------------------------------------------

def as_its_own_process():
    """In the trainer's process, before it starts: die with the Ray worker that started it (a lost
    node), and take signals as a process started from a shell does (a Ray worker blocks some,
    and a child inherits that: Ctrl-C's SIGINT would never reach a3c_ale.py)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def train_one_run(python, trainer, run_dir, log_path, new_run_command):
    """Start the run in run_dir, or resume it, or nothing if it has finished; return (exit
    status, what was done). Runs on any node of the cluster, as a Ray task."""
    # ray.cancel interrupts this task as SIGINT does (the local Ray's processes start with it ignored;
    # see run_sweep): let it through to Python here, and record it rather than raise, as the trainer's
    # own handler does: an exception raised from a handler is lost where the signal lands in a weakref
    # callback or a finalizer, and the run would go on. The loop below acts on the record.
    stop_requested = []
    signal.signal(signal.SIGINT, lambda signum, frame: stop_requested.append(signum))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    state = run_state(run_dir)
    if state == 'finished':
        return 0, 'finished before'
    if state == 'unusable':  # ended before its first checkpoint: move it aside, start anew
        os.replace(run_dir, f'{run_dir}.unusable-{time.strftime("%Y%m%dT%H%M%S")}')
    command = ([python, trainer, '--resume', run_dir] if state == 'interrupted'
               else [python, trainer, *new_run_command, '--outdir', run_dir])
    import ray
    node = ray.get_runtime_context().get_node_id()
    with open(log_path, 'a') as log:
        print(f'{START_MARK} on {os.uname().nodename} node {node} at {time.strftime("%Y-%m-%d %H:%M:%S")}: '
              f'{" ".join(command[1:])}', file=log, flush=True)
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=as_its_own_process)
        while proc.poll() is None:
            if stop_requested:  # the sweep was stopped (Ctrl-C, or ray.cancel): stop as Ctrl-C does
                proc.send_signal(signal.SIGINT)
                return proc.wait(), 'stopped'
            time.sleep(0.5)
        return proc.returncode, 'resumed' if state == 'interrupted' else 'started'


# --- the sweep --------------------------------------------------------------------------------------

def plan(args, trainer_options):
    """(name, run_dir, log_path, trainer, command of a new run) for every (game, kind, seed)."""
    runs = []
    for game in args.games:
        trainer = TRAINERS[environment_of(game).name]
        for kind in args.kinds:
            for seed in args.seeds:
                name = run_name(short_name(game), kind, seed)
                command = [str(args.processes), game, '--seed', str(seed), *trainer_options, *kind_options(kind)]
                runs.append((name, os.path.join(args.sweep_dir, name),
                             os.path.join(args.sweep_dir, 'logs', f'{name}.log'), trainer, command))
    return runs


def say(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', flush=True)


def run_sweep(args, trainer_options):
    ray = import_ray()
    runs = plan(args, trainer_options)
    os.makedirs(os.path.join(args.sweep_dir, 'logs'), exist_ok=True)
    init = dict(include_dashboard=False, log_to_driver=False,
                runtime_env={'env_vars': {'PYTHONPATH': ROOT, 'RAY_USAGE_STATS_ENABLED':
                                          os.environ['RAY_USAGE_STATS_ENABLED']}})
    # The local Ray's processes share this command's process group: a Ctrl-C in the terminal would
    # reach them too and cut them off before they stop the runs. They inherit SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if args.address:
        ray.init(address=args.address, **init)
    else:
        # The embedded Ray serves this machine only: its processes listen on 127.0.0.1 (with Ray 2.60
        # this variable, named for another purpose, is what binds a local Ray there).
        os.environ.setdefault('RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER', '0')
        # 'local': a Ray of its own, even where another Ray runs on this machine (without it,
        # ray.init joins the one started last, seen in a test while another cluster was up).
        ray.init(address='local', num_cpus=args.num_cpus, **init)
    cluster_cpus = int(ray.cluster_resources().get('CPU', 0))
    if cluster_cpus < args.processes:
        ray.shutdown()
        raise UsageError(f'each run needs {args.processes} CPUs (--processes) but the Ray cluster has {cluster_cpus}; '
                         'give fewer --processes or a larger cluster')
    task = ray.remote(num_cpus=args.processes, max_retries=3, retry_exceptions=False)(train_one_run)
    pending, seen_starts = {}, {}
    for name, run_dir, log_path, trainer, command in runs:
        if run_state(run_dir) == 'finished':
            say(f'{name}: finished before, skipped')
            continue
        pending[task.remote(sys.executable, trainer, run_dir, log_path, command)] = (name, run_dir, log_path)
        seen_starts[name] = starts_in(log_path)
    say(f'{len(runs)} runs: {len(runs) - len(pending)} finished, {len(pending)} to train, each on {args.processes} '
        f'CPUs of the cluster\'s {cluster_cpus}')
    failures = []
    # Ctrl-C and SIGTERM only ask: the loop below stops the runs between two waits (a
    # KeyboardInterrupt could strike inside Ray's own calls, and be lost there).
    stop_requested = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stop_requested.append(signum))
    logs, progress = [log_path for _, _, log_path, _, _ in runs], {}
    last_summary = time.time()
    steps_made(logs, progress)
    try:
        while pending and not stop_requested:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_INTERVAL)
            for ref in ready:
                name, run_dir, log_path = pending.pop(ref)
                try:
                    status, what = ray.get(ref)
                except Exception as error:  # the task itself failed (e.g. retries exhausted)
                    status, what = None, f'{type(error).__name__}'
                if status == 0:
                    say(f'{name}: finished ({what})')
                else:
                    failures.append(name)
                    say(f'{name}: failed (exit status {status}, {what}); see {log_path}')
            announce_starts(pending, seen_starts)
            if time.time() - last_summary >= SUMMARY_INTERVAL:
                now, made = time.time(), steps_made(logs, progress)
                running = sum(1 for name, _, log_path in pending.values() if starts_in(log_path) > 0
                              and not run_state(os.path.join(args.sweep_dir, name)) == 'finished')
                say(f'summary: {len(runs) - len(pending)} done, {running} running, {len(pending) - running} waiting; '
                    f'{made / (now - last_summary):,.0f} global steps/s of all runs together')
                last_summary = now
        if stop_requested:
            say(f'{signal.Signals(stop_requested[0]).name}: stopping every run (each saves a checkpoint, as '
                'a3c_ale.py does on Ctrl-C)')
            for ref in pending:
                ray.cancel(ref)
            ray.wait(list(pending), num_returns=len(pending), timeout=120)
            for name, run_dir, _ in pending.values():
                newest = checkpoint_paths(run_dir)
                say(f'{name}: stopped' + (f'; newest checkpoint {newest[0]}' if newest
                                          else ' before its first checkpoint'))
            say('run the same command again to continue the sweep')
    finally:
        ray.shutdown()
    if write_table(args.sweep_dir):
        say(f'wrote {os.path.join(args.sweep_dir, "table.md")}, table.csv and curves.png')
    if stop_requested:
        return 130
    return 1 if failures else 0


def announce_starts(pending, seen_starts):
    for name, run_dir, log_path in pending.values():
        starts = starts_in(log_path)
        if starts > seen_starts[name]:
            seen_starts[name] = starts
            with open(log_path) as f:
                line = [line for line in f if line.startswith(START_MARK)][-1]
            say(f'{name}: {line[len("# sweep: "):].strip()}')


def steps_made(log_paths, before):
    """Global steps the runs made since `before` (each run's attempt_progress, by log path)."""
    made = 0
    for log_path in log_paths:
        attempt, first, steps = attempt_progress(log_path)
        then_attempt, _, then_steps = before.get(log_path, (0, 0, 0))
        made += steps - (then_steps if attempt == then_attempt else first)
        before[log_path] = attempt, first, steps
    return made


def main(argv=None):
    try:
        args, trainer_options = parse_args(argv)
        if args.table:
            if not os.path.isdir(args.sweep_dir):
                raise UsageError(f'{args.sweep_dir!r} is not a sweep directory; give the SWEEP_DIR of a sweep')
            if not write_table(args.sweep_dir):
                raise UsageError(f'{args.sweep_dir!r} holds no run with an evaluation yet')
            print(f'wrote {os.path.join(args.sweep_dir, "table.md")}, table.csv and curves.png')
            return 0
        for game in args.games:
            check_game(game)
        if os.path.exists(args.sweep_dir) and not os.path.isdir(args.sweep_dir):
            raise UsageError(f'SWEEP_DIR {args.sweep_dir!r} is a file; give a directory')
        args.sweep_dir = os.path.abspath(args.sweep_dir)  # the same for every task, wherever it runs
        return run_sweep(args, trainer_options)
    except UsageError as error:
        exit_with_usage_error('sweep_a3c_ale.py', error)


if __name__ == '__main__':
    sys.exit(main())
