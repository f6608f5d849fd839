"""Does a MiniGrid-MemoryS7 model use what it saw? Replays it and splits the episodes by the start
column: success, whether the start room's object (at (1, 2)) was ever in view, and success then.

usage: .venv/bin/python bench/minigrid_memory_probe.py MODEL [EPISODES] [--minigrid-obs one-hot|symbols]
           [--env-kwargs KEY:VALUE ...]      (the options the model was trained with)
       PYTHONPATH=bench .venv/bin/python bench/minigrid_memory_probe.py MODEL [EPISODES] \
           --env minigrid_memory_tasks:MemoryS7View3Nav-v0     (that task, which sets its own view)
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from evaluation import run_episode  # noqa: E402
from gym_env import GymEnv, env_kwarg  # noqa: E402
from models import load_model  # noqa: E402

CUE = (1, 2)  # where MiniGrid's memory.py puts the start room's object

parser = argparse.ArgumentParser()
parser.add_argument('model')
parser.add_argument('episodes', type=int, nargs='?', default=200)
parser.add_argument('--minigrid-obs', default='one-hot')
parser.add_argument('--env-kwargs', type=env_kwarg, nargs='+', metavar='KEY:VALUE')
parser.add_argument('--env', help='a module:EnvId of bench/minigrid_memory_tasks.py instead of MiniGrid-MemoryS7-v0')
args = parser.parse_args()
env = (GymEnv(args.env, seed=1, train=False) if args.env else
       GymEnv('MiniGrid-MemoryS7-v0', seed=1, train=False, minigrid_obs=args.minigrid_obs, env_kwargs=args.env_kwargs))
model = load_model(args.model, env.model_spec)
rng = np.random.RandomState(0)
by_column = {}
for _ in range(args.episodes):
    grid = env.env.unwrapped
    start, seen = [], []

    def on_step(env):
        if not start:
            start.append(int(grid.agent_pos[0]))
        seen.append(grid.agent_sees(*CUE))
    score = run_episode(env, model, rng, on_step=on_step)
    by_column.setdefault(start[0], []).append((score > 0, any(seen)))
everything = np.array(sum(by_column.values(), []), bool)
print(f'all {len(everything)} episodes: success {everything[:, 0].mean():.2f}, saw the cue {everything[:, 1].mean():.2f}')
for column, episodes in sorted(by_column.items()):
    success, saw = np.array(episodes, bool).T
    when_seen = f'{success[saw].mean():.2f}' if saw.any() else '-'
    print(f'start column {column}: {len(episodes)} episodes, success {success.mean():.2f}, '
          f'saw the cue {saw.mean():.2f}, success when it did {when_seen}')
