"""MiniGrid's memory task as recurrent-PPO work trains it, for A3C through Gymnasium's module:EnvId:

    PYTHONPATH=bench .venv/bin/python a3c_gym.py 1 minigrid_memory_tasks:MemoryS7View3Nav-v0 --use-lstm \
        --lstm-forget-bias 1 --lr 7e-3 --t-max 20 --reward-scale 1 --steps 1e7 --eval-frequency 5e4 --eval-n-runs 50

MemoryS7View3Nav-v0 is MiniGrid-MemoryS7-v0 with a 3x3 view (agent_view_size=3), seen one-hot
(OneHotPartialObsWrapper, flattened: 180 numbers), and only the three actions that do anything
here: left, right, forward (MarcoMeter's recurrent-ppo-truncated-bptt trains MiniGrid's Memory
tasks so). With the default 7x7 view the agent at the split, facing west, sees the start room's
object and both objects at once, so a policy without memory can beat chance; with a 3x3 view
nothing seen after the start room tells which side is right, and without memory about half of
the episodes can succeed at most.

MemoryS7View3FirstColumnNav-v0 is the same but the agent always starts in the start room's first
column, where the start room's object is in view at the first step: MiniGrid's memory task without
the search for the cue, a T-maze (minigrid_memory_tasks:MemoryS7View3FirstColumnNav-v0).
"""
import gymnasium
import numpy as np
import minigrid  # noqa: F401  (registers MiniGrid-MemoryS7-v0)
from minigrid.envs.memory import MemoryEnv

from gym_env import with_package_wrappers


class NavigationActions(gymnasium.ActionWrapper):
    """MiniGrid's left, right and forward (0, 1, 2) only: pick up, drop, toggle and done do nothing in
    the memory task."""

    def __init__(self, env):
        super().__init__(env)
        self.action_space = gymnasium.spaces.Discrete(3)

    def action(self, action):
        return action


def view3_navigation(base_id, render_mode=None):
    """base_id with a 3x3 view, seen one-hot, and the three navigation actions."""
    env = gymnasium.make(base_id, agent_view_size=3, render_mode=render_mode)
    return NavigationActions(with_package_wrappers('MiniGrid-MemoryS7-v0', env, 'one-hot'))


class FirstColumnMemoryEnv(MemoryEnv):
    """MiniGrid's memory task with the agent always started in the start room's first column, facing
    east, where the start room's object is in view at the first step (MemoryEnv starts it in any of
    the row's columns, and from the others it sees that object only after turning back to it). What
    is left is the T-maze: see a cue, walk the hallway, take the matching side."""

    def _gen_grid(self, width, height):
        super()._gen_grid(width, height)
        self.agent_pos = np.array((1, height // 2))


gymnasium.register('MemoryS7View3Nav-v0', entry_point=view3_navigation, kwargs={'base_id': 'MiniGrid-MemoryS7-v0'})
gymnasium.register('MemoryS7FirstColumn-v0', entry_point=FirstColumnMemoryEnv, kwargs={'size': 7})
gymnasium.register('MemoryS7View3FirstColumnNav-v0', entry_point=view3_navigation,
                   kwargs={'base_id': 'MemoryS7FirstColumn-v0'})
