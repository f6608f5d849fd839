"""Steps/s of the Atari environment alone (our preprocessing, random actions, no learning): the
working tree's ale.py against ale.py as it stood at a git revision, measured in one run.

usage: .venv/bin/python bench/env_speed.py [--before REV] [--game breakout] [--rounds 5] [--seconds 10]

One process; the two versions take turns, --rounds times each, so that the machine's drift
falls on both alike. Prints each round, then each version's median and the ratio.
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def load_ale_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def steps_per_second(ale_module, game, seconds, seed=0):
    env = ale_module.ALE(ale_module.resolve_rom(game), seed)
    rng = np.random.RandomState(seed)
    actions = rng.randint(env.number_of_actions, size=100_000)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.receive_action(actions[steps % len(actions)])
        if env.is_terminal:
            env.reset()
        steps += 1
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--before', default='HEAD', help='git revision of the ale.py to compare with (default HEAD)')
    parser.add_argument('--game', default='breakout')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--seconds', type=float, default=10.0)
    args = parser.parse_args()
    source = subprocess.run(['git', '-C', ROOT, 'show', f'{args.before}:ale.py'], check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as directory:
        before_path = os.path.join(directory, 'ale_before.py')
        with open(before_path, 'w') as f:
            f.write(source)
        versions = {f'ale.py at {args.before}': load_ale_module(before_path, 'ale_before'),
                    'ale.py now': load_ale_module(os.path.join(ROOT, 'ale.py'), 'ale_now')}
        rates = {name: [] for name in versions}
        for round_ in range(args.rounds):
            for name, module in versions.items():
                rates[name].append(steps_per_second(module, args.game, args.seconds))
                print(f'round {round_ + 1}: {name}: {rates[name][-1]:,.0f} steps/s', flush=True)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name, median in medians.items():
        print(f'{name}: median {median:,.0f} steps/s over {args.rounds} rounds of {args.seconds:g} s ({args.game})')
    before, now = medians.values()
    print(f'now / before: {now / before:.3f}')


if __name__ == '__main__':
    main()
