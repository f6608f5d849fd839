"""Training speed of the Q-learning methods against A3C FF, and of n-step Q against ChainerRL 0.8's
NSQ, measured in one run on one machine.

usage: .venv/bin/python bench/q_speed.py [--processes 1 2] [--warmup 10] [--seconds 30] [--rounds 1]
                                        [--peer-python .peer/bin/python --peer-steps 30000]

For each process count it starts the real a3c_ale.py on Breakout with A3C FF and with
--algorithm n-step-q, one-step-q and one-step-sarsa (the paper's settings otherwise), ignores the
first --warmup seconds and measures global steps/s over the next --seconds from the progress lines
(bench/throughput.py's measurement), and prints each method's speed as a ratio to A3C FF's. With
--rounds N it measures all of it N times over, interleaved, and reports the medians (this machine
drifts within minutes). With --peer-python it also runs ChainerRL 0.8.0's NSQ with its Atari
example's settings (../shared/peer/peer_chainerrl_nsq.py, in its own environment: see
../shared/peer/README.md) for --peer-steps steps and prints our n-step Q's ratio to it.
"""
import argparse
import os
import platform
import statistics
import time

from throughput import ROOT, peer, python_path, training

PEER_NSQ = os.path.join(ROOT, '..', 'shared', 'peer', 'peer_chainerrl_nsq.py')
METHODS = (('A3C FF', ()), ('n-step Q', ('--algorithm', 'n-step-q')), ('one-step Q', ('--algorithm', 'one-step-q')),
           ('one-step Sarsa', ('--algorithm', 'one-step-sarsa')))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--processes', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--warmup', type=float, default=10.0)
    parser.add_argument('--seconds', type=float, default=30.0)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--peer-python', default=None, help="python of the peer's environment")
    parser.add_argument('--peer-steps', type=int, default=30000)
    args = parser.parse_args()

    cpu = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')),
               platform.processor())
    print(f'Measured {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, {os.cpu_count()} cores, {cpu}', flush=True)
    rates = {}
    for processes in args.processes:
        for _ in range(args.rounds):
            for name, options in METHODS:
                rate, _, _ = training(processes, False, args.warmup, args.seconds, options=options)
                rates.setdefault((name, processes), []).append(rate)
                print(f'  {name}, {processes} processes: {rate:,.0f} steps/s', flush=True)
    print('| method | processes | steps/s | of A3C FF |')
    print('|---|---|---|---|')
    for processes in args.processes:
        a3c = statistics.median(rates[('A3C FF', processes)])
        for name, _ in METHODS:
            rate = statistics.median(rates[(name, processes)])
            print(f'| {name} | {processes} | {rate:,.0f} | {rate / a3c:.2f} |')
    if args.peer_python:
        for processes in args.processes:
            peer_rate = peer(python_path(args.peer_python), processes, args.peer_steps, script=PEER_NSQ)
            ours = statistics.median(rates[('n-step Q', processes)])
            print(f'- ChainerRL 0.8.0 NSQ, {processes} processes, {args.peer_steps} steps: {peer_rate:,.0f} steps/s; '
                  f'our n-step Q is {ours / peer_rate:.2f}x', flush=True)


if __name__ == '__main__':
    main()
