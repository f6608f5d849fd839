"""At MiniGrid-MemoryS7's split, does a model's choice depend on what it saw? Replays a model of
minigrid_memory_tasks:MemoryS7View3Nav-v0 and prints P(forward) and the value facing an object at the split, by
whether that object matches the start room's and whether the start room's object was seen. First
it prints what the agent sees from the split, facing west, with a 7x7 and a 3x3 view; last, for an
LSTM model of MemoryS7View3FirstColumnNav-v0, how much of the cue its output keeps along the walk.

usage: PYTHONPATH=bench .venv/bin/python bench/minigrid_memory_decision_probe.py MODEL [EPISODES] [--env ID]
       (--env minigrid_memory_tasks:MemoryS7View3FirstColumnNav-v0 for a model of that task)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import chainer_compat  # noqa: E402,F401
import chainer  # noqa: E402
import gymnasium  # noqa: E402
import numpy as np  # noqa: E402

import minigrid_memory_tasks  # noqa: E402,F401  (registers MemoryS7View3Nav-v0)
from evaluation import phi  # noqa: E402
from gym_env import GymEnv  # noqa: E402
from models import load_model  # noqa: E402

CUE, UP, DOWN, SPLIT, WEST, NORTH, SOUTH, FORWARD = (1, 2), (5, 1), (5, 5), (5, 3), 2, 3, 1, 2

parser = argparse.ArgumentParser()
parser.add_argument('model')
parser.add_argument('episodes', type=int, nargs='?', default=400)
parser.add_argument('--env', default='minigrid_memory_tasks:MemoryS7View3Nav-v0')
args = parser.parse_args()
for view in (7, 3):
    grid = gymnasium.make('MiniGrid-MemoryS7-v0', agent_view_size=view).unwrapped
    grid.reset(seed=0)
    grid.agent_pos, grid.agent_dir = SPLIT, WEST
    print(f'{view}x{view} view at the split facing west: sees the start room\'s object {grid.agent_sees(*CUE)}, '
          f'the upper one {grid.agent_sees(*UP)}, the lower one {grid.agent_sees(*DOWN)}')
env = GymEnv(args.env, seed=11, train=False)
model = load_model(args.model, env.model_spec)
rng = np.random.RandomState(0)
p_forward = {}
with chainer.no_backprop_mode():
    for _ in range(args.episodes):
        env.reset()
        grid, state, seen = env.env.unwrapped, None, False
        cue = type(grid.grid.get(*CUE))
        while not env.is_terminal:
            seen = seen or grid.agent_sees(*CUE)
            policy, value, state = model(phi(env.state[None]), state)
            if tuple(int(x) for x in grid.agent_pos) == SPLIT and grid.agent_dir in (NORTH, SOUTH):
                faced = type(grid.grid.get(*(UP if grid.agent_dir == NORTH else DOWN)))
                p_forward.setdefault((seen, faced == cue), []).append(
                    (float(policy.probs.array[0, FORWARD]), float(value.array.ravel()[0])))
            env.receive_action(policy.sample(rng))
for (seen, matches), values in sorted(p_forward.items()):
    p, v = np.mean(values, axis=0)
    print(f'cue seen {seen!s:5} object matches {matches!s:5}: P(forward) {p:.3f}, value {v:.3f} over {len(values)} visits')

# How much of the cue an LSTM carries: its output after each step of a fixed walk from the first
# column (forward 4 times, then left), averaged over key-cue and over ball-cue episodes; the norm of
# the difference of the two means (0: nothing of the cue kept). Only where every start is there.
if model.use_lstm and args.env.endswith('FirstColumnNav-v0'):
    outputs = {}
    with chainer.no_backprop_mode():
        for _ in range(60):
            env.reset()
            cue, state, walk = type(env.env.unwrapped.grid.get(*CUE)).__name__, None, []
            for action in (FORWARD, FORWARD, FORWARD, FORWARD, 0):
                _, _, state = model(phi(env.state[None]), state)
                walk.append(np.asarray(state[1].array).ravel())
                env.receive_action(action)
            outputs.setdefault(cue, []).append(walk)
    difference = np.mean(outputs['Key'], axis=0) - np.mean(outputs['Ball'], axis=0)
    print('the cue in the LSTM\'s output along the walk (norm of key minus ball):',
          ' '.join(f'{np.linalg.norm(step):.3f}' for step in difference))
