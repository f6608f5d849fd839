"""Training throughput of a3c_ale.py against the environment alone, measured in one run.

usage: .venv/bin/python bench/throughput.py [--processes 1 2] [--warmup 10] [--seconds 30] [--rounds 1]
                                           [--peer-python .peer/bin/python --peer-steps 30000]
                                           [--pfrl-python .pfrl/bin/python]

For A3C FF and A3C LSTM on Breakout and each process count, it starts the
real training script, ignores the first --warmup seconds, and measures global
steps/s over the next --seconds from its progress lines. Beside each it
measures the environment alone: as many processes stepping our ALE
environment (the same preprocessing) with random actions, no learning. It
prints every training figure as a share of that environment-only figure (with
--rounds N, all of it N times over: medians, the share the median of each
round's, each round's shares listed; this machine drifts within minutes), and
the memory of the runs: resident and proportional (PSS) memory per process,
and the total, which shows that parameters and RMSProp statistics are shared
rather than copied. With --peer-python it also runs ChainerRL's A3C FF
(../shared/peer/peer_chainerrl_a3c.py) and A3C LSTM
(bench/peer_chainerrl_a3c_lstm.py) from their own environment and prints our
ratios to them; with --pfrl-python the same for PFRL 0.4's A3C FF and LSTM
(../shared/peer/peer_pfrl_a3c.py, PyTorch, one thread per process). The peers
are timed from their start to their end over --peer-steps steps, start-up
included: give them tens of thousands of steps.
"""
import argparse
import multiprocessing as mp
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PEER = os.path.join(ROOT, '..', 'shared', 'peer', 'peer_chainerrl_a3c.py')
PEER_LSTM = os.path.join(ROOT, 'bench', 'peer_chainerrl_a3c_lstm.py')  # the same peer with ChainerRL's A3CLSTM
PEER_PFRL = os.path.join(ROOT, '..', 'shared', 'peer', 'peer_pfrl_a3c.py')  # --lstm for PFRL's recurrent A3C


def python_path(name):
    """An interpreter's path that stays right in another working directory."""
    return os.path.abspath(name) if os.sep in name else shutil.which(name) or name


def interpreter(python):
    """'Python 3.x.y, numpy v, numba v' of an interpreter."""
    return subprocess.run([python, '-c', 'import sys, numpy, numba; print(f"Python {sys.version.split()[0]}, '
                           'numpy {numpy.__version__}, numba {numba.__version__}")'],
                          check=True, capture_output=True, text=True).stdout.strip()


def environment_only(processes, seconds):
    """Steps/s of `processes` processes stepping our Breakout environment with random actions."""
    with mp.get_context('fork').Pool(processes) as pool:
        return sum(pool.starmap(_step_randomly, [(i, seconds) for i in range(processes)]))


def _step_randomly(seed, seconds):
    import numpy as np

    from ale import ALE, resolve_rom
    env = ALE(resolve_rom('breakout'), seed)
    rng = np.random.RandomState(seed)
    steps, start = 0, time.time()
    while time.time() - start < seconds:
        env.receive_action(rng.randint(env.number_of_actions))
        if env.is_terminal:
            env.reset()
        steps += 1
    return steps / (time.time() - start)


def memory_of(pid):
    """(RSS, PSS) in MB of one process, from /proc."""
    values = {}
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            parts = line.split()
            if parts[0] in ('Rss:', 'Pss:'):
                values[parts[0][:-1]] = int(parts[1]) / 1024
    return values['Rss'], values['Pss']


def children_of(pid):
    with open(f'/proc/{pid}/task/{pid}/children') as f:
        return [int(child) for child in f.read().split()]


def training(processes, use_lstm, warmup, seconds, root=ROOT, python=sys.executable, options=()):
    """Steps/s of the real training script (of the checkout at root, run by python, with options
    such as --algorithm n-step-q) after warmup, and its memory while it trains."""
    outdir = tempfile.mkdtemp(prefix='throughput_')
    command = [python, os.path.join(root, 'a3c_ale.py'), str(processes), 'breakout', '--seed', '0',
               '--eval-frequency', str(10 ** 9), '--progress-interval', '1', '--outdir', os.path.join(outdir, 'run')]
    if use_lstm:
        command.append('--use-lstm')
    command += list(options)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True, cwd=root)
    samples, memory = [], None
    start = time.time()
    try:
        for line in proc.stdout:
            match = re.match(r'steps ([\d,]+)/', line)
            if not match:
                continue
            now = time.time()
            if now - start >= warmup:
                samples.append((now, int(match.group(1).replace(',', ''))))
            if memory is None and now - start >= warmup:
                pids = [proc.pid] + children_of(proc.pid)
                memory = {pid: memory_of(pid) for pid in pids}
            if samples and now - samples[0][0] >= seconds:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    (t0, s0), (t1, s1) = samples[0], samples[-1]
    return (s1 - s0) / (t1 - t0), memory, proc.pid


def peer(python, processes, steps, use_lstm=False, script=None, options=()):
    script = script or (PEER_LSTM if use_lstm else PEER)
    result = subprocess.run([python_path(python), script, str(processes), str(steps), *options],
                            capture_output=True, text=True,
                            cwd=os.path.dirname(script))
    match = re.search(r'peer(?:_lstm)?_steps_per_s=([\d.]+)', result.stdout)
    if not match:
        raise SystemExit(f'the peer did not report its speed:\n{result.stderr[-2000:]}')
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--processes', type=int, nargs='+', default=[1, os.cpu_count()])
    parser.add_argument('--warmup', type=float, default=10.0)
    parser.add_argument('--seconds', type=float, default=30.0)
    parser.add_argument('--env-seconds', type=float, default=15.0)
    parser.add_argument('--rounds', type=int, default=1, help='measure everything this many times over')
    parser.add_argument('--peer-python', default=None, help="python of the peer's environment")
    parser.add_argument('--peer-steps', type=int, default=30000)
    parser.add_argument('--pfrl-python', default=None, help="python of PFRL 0.4's environment")
    args = parser.parse_args()

    cpu = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')),
               platform.processor())
    print(f'Measured {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, {os.cpu_count()} cores, {cpu}')
    rows, figures, shares = [], {}, {}
    for processes in args.processes:
        env_rates, memories = [], {}
        for _ in range(args.rounds):
            env_rates.append(environment_only(processes, args.env_seconds))
            for use_lstm in (False, True):
                kind = 'LSTM' if use_lstm else 'FF'
                rate, memory, parent = training(processes, use_lstm, args.warmup, args.seconds)
                figures.setdefault((kind, processes), []).append(rate)
                shares.setdefault((kind, processes), []).append(rate / env_rates[-1])
                memories.setdefault(kind, (memory, parent))
        env_rate = statistics.median(env_rates)
        figures[('env', processes)] = env_rate
        rows.append(f'| environment only | {processes} | {env_rate:,.0f} | 100% | |')
        for kind in ('FF', 'LSTM'):
            rate = figures[(kind, processes)] = statistics.median(figures[(kind, processes)])
            memory, parent = memories[kind]
            workers = [pss for pid, (_, pss) in memory.items() if pid != parent]
            rss = [rss for pid, (rss, _) in memory.items() if pid != parent]
            total_pss = sum(pss for _, pss in memory.values())
            figures[(kind, processes, 'pss')] = total_pss
            rows.append(f'| A3C {kind} | {processes} | {rate:,.0f} | '
                        f'{100 * statistics.median(shares[(kind, processes)]):.1f}% | '
                        f'worker RSS {", ".join(f"{x:.0f}" for x in rss)} MB, PSS {", ".join(f"{x:.0f}" for x in workers)} MB; '
                        f'total PSS {total_pss:.0f} MB |')
    print('| run | processes | steps/s | of environment only | memory |')
    print('|---|---|---|---|---|')
    print('\n'.join(rows))
    counts = sorted(args.processes)
    if len(counts) > 1:
        low, high = counts[0], counts[-1]
        for kind in ('FF', 'LSTM'):
            print(f'- A3C {kind} scaling {low} -> {high} processes: '
                  f'{figures[(kind, high)] / figures[(kind, low)]:.2f}x; each extra worker adds '
                  f'{(figures[(kind, high, "pss")] - figures[(kind, low, "pss")]) / (high - low):.0f} MB (PSS)')
        print(f'- A3C LSTM / A3C FF at {high} processes: {figures[("LSTM", high)] / figures[("FF", high)]:.2f}')
    if args.rounds > 1:
        for (kind, processes), values in shares.items():
            print(f'- A3C {kind}, {processes} processes, of the environment only in each round: '
                  + ', '.join(f'{100 * x:.1f}%' for x in values))
    peers = []  # (name, python, how to run it for a kind)
    if args.peer_python:
        peers.append(('ChainerRL 0.8.0', args.peer_python, lambda kind: dict(use_lstm=kind == 'LSTM')))
    if args.pfrl_python:
        peers.append(('PFRL 0.4.0', args.pfrl_python,
                      lambda kind: dict(script=PEER_PFRL, options=['--lstm'] if kind == 'LSTM' else [])))
    for name, python, how in peers:
        for processes in counts:
            for kind in ('FF', 'LSTM'):
                peer_rate = peer(python, processes, args.peer_steps, **how(kind))
                print(f'- {name} A3C {kind}, {processes} processes, {args.peer_steps} steps: '
                      f'{peer_rate:,.0f} steps/s; ours is {figures[(kind, processes)] / peer_rate:.2f}x')

if __name__ == '__main__':
    main()
