"""A long run stays healthy: train with more processes than cores for a while and watch each
worker's memory and the steps/s over time.

usage: .venv/bin/python bench/soak.py [--processes 8] [--minutes 20] [--game breakout] [--use-lstm]

It starts the real a3c_ale.py (evaluations of 10 games every --eval-frequency steps, checkpoints
every --eval-frequency steps into a temporary run directory), reads the global step counter from
its progress lines, and reads each worker's resident (RSS) and proportional (PSS) memory from
/proc at the end of the first minute and of the last one. It prints a table of both with the
growth, the steps/s of every minute, and flags a worker whose memory grew by more than 10%. Not a
test: a benchmark whose result goes in bench/README.md.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from throughput import children_of, memory_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROWTH_LIMIT = 0.10


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--processes', type=int, default=8)
    parser.add_argument('--minutes', type=int, default=20)
    parser.add_argument('--game', default='breakout')
    parser.add_argument('--use-lstm', action='store_true')
    parser.add_argument('--eval-frequency', type=int, default=250_000)
    args = parser.parse_args()

    outdir = os.path.join(tempfile.mkdtemp(prefix='soak_'), 'run')
    command = [sys.executable, os.path.join(ROOT, 'a3c_ale.py'), str(args.processes), args.game, '--seed', '0',
               '--eval-frequency', str(args.eval_frequency), '--keep-checkpoints', '1',
               '--progress-interval', '5', '--outdir', outdir] + (['--use-lstm'] if args.use_lstm else [])
    print(f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, {os.cpu_count()} cores: {" ".join(command[1:])}',
          flush=True)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    start = time.time()
    minute_marks = [(start, 0)]  # (time, global steps) at each minute's end
    first_memory = last_memory = None
    try:
        for line in proc.stdout:
            if line.startswith('evaluation at'):
                print(f'  {time.time() - start:6.0f} s  {line.strip()}', flush=True)
            match = re.match(r'steps ([\d,]+)/', line)
            if not match:
                continue
            now, steps = time.time(), int(match.group(1).replace(',', ''))
            minute = int((now - start) // 60)
            if minute >= len(minute_marks):  # a minute has ended
                minute_marks.append((now, steps))
                rate = (steps - minute_marks[-2][1]) / (now - minute_marks[-2][0])
                print(f'  minute {minute:2d}: {rate:,.0f} steps/s', flush=True)
                workers = children_of(proc.pid)
                if minute == 1:
                    first_memory = {pid: memory_of(pid) for pid in workers}
                if minute == args.minutes:
                    last_memory = {pid: memory_of(pid) for pid in workers}
                    break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if first_memory is None or last_memory is None:
        raise SystemExit('the run ended before the last minute; see its output above')

    print(f'\n| worker | RSS minute 1 (MB) | RSS minute {args.minutes} (MB) | growth | '
          f'PSS minute 1 (MB) | PSS minute {args.minutes} (MB) | growth |')
    print('|---|---|---|---|---|---|---|')
    worst = 0.0
    for index, pid in enumerate(sorted(first_memory)):
        (rss0, pss0), (rss1, pss1) = first_memory[pid], last_memory.get(pid, (float('nan'),) * 2)
        worst = max(worst, rss1 / rss0 - 1, pss1 / pss0 - 1)
        print(f'| {index} | {rss0:.1f} | {rss1:.1f} | {100 * (rss1 / rss0 - 1):+.1f}% | {pss0:.1f} | {pss1:.1f} | '
              f'{100 * (pss1 / pss0 - 1):+.1f}% |')
    rates = [(s1 - s0) / (t1 - t0) for (t0, s0), (t1, s1) in zip(minute_marks, minute_marks[1:])]
    print(f'\nsteps/s by minute: {", ".join(f"{rate:,.0f}" for rate in rates)}')
    print(f'minute 2 to the last: {min(rates[1:]):,.0f} to {max(rates[1:]):,.0f} steps/s; '
          f'last / minute 2: {rates[-1] / rates[1]:.2f}')
    verdict = 'DEFECT: more than 10% growth' if worst > GROWTH_LIMIT else 'within 10%'
    print(f'largest memory growth of a worker: {100 * worst:+.1f}% ({verdict})')


if __name__ == '__main__':
    main()
