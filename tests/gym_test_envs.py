"""Tiny Gymnasium environments for the tests, registered under AsyncRlTest/ on import (the trainer's
forked workers inherit the registry)."""
import gymnasium
import numpy as np
from gymnasium import spaces


class Target(gymnasium.Env):
    """One step: see a target in [-1, 1], answer a real number, earn minus the squared miss. An A3C
    Gaussian policy that has learned answers the target (return near 0); an untrained one's mean
    return is about -1/3 - its variance."""
    observation_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
    action_space = spaces.Box(-2.0, 2.0, (1,), np.float32)

    def __init__(self, render_mode=None):
        pass

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.target = self.np_random.uniform(-1, 1, 1).astype(np.float32)
        return self.target.copy(), {}

    def step(self, action):
        reward = -float((action[0] - self.target[0]) ** 2)
        return self.target.copy(), reward, True, False, {}


class Spaces(gymnasium.Env):
    """Observes zeros of observation_space's shape, takes any action, earns 1 a step and never ends:
    its time limit truncates it."""

    def __init__(self, observation_space=None, action_space=None, render_mode=None):
        self.observation_space = observation_space or spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.action_space = action_space or spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 1.0, False, False, {}


class Plain(gymnasium.Env):
    """As the tutorials write one: no __init__ (so no render_mode), spaces as class attributes. Each
    step moves a counter; the episode ends after 5 steps."""
    observation_space = spaces.Box(-10.0, 10.0, (2,), np.float32)
    action_space = spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(2, np.float32), {}

    def step(self, action):
        self.t += 1
        return np.array([self.t, action], np.float32), float(action), self.t >= 5, False, {}


class Never(Plain):
    """Never ends, and registers no time limit: a maze the policy walks in circles."""

    def step(self, action):
        observation, reward, _, _, info = super().step(action)
        return observation, reward, False, False, info


class Broken(gymnasium.Env):
    """Its constructor fails, with a message of its own."""

    def __init__(self, render_mode=None):
        raise RuntimeError('the simulator licence file is missing')


gymnasium.register('AsyncRlTest/Target-v0', entry_point=Target)
gymnasium.register('AsyncRlTest/Plain-v0', entry_point=Plain)
gymnasium.register('AsyncRlTest/Never-v0', entry_point=Never)
gymnasium.register('AsyncRlTest/Broken-v0', entry_point=Broken)
gymnasium.register('AsyncRlTest/Endless-v0', entry_point=Spaces, max_episode_steps=3)
gymnasium.register('AsyncRlTest/MultiDiscreteActions-v0', entry_point=Spaces, max_episode_steps=3,
                   kwargs={'action_space': spaces.MultiDiscrete([2, 3])})
gymnasium.register('AsyncRlTest/MatrixActions-v0', entry_point=Spaces, max_episode_steps=3,
                   kwargs={'action_space': spaces.Box(-1.0, 1.0, (2, 2), np.float32)})
gymnasium.register('AsyncRlTest/TupleObservations-v0', entry_point=Spaces, max_episode_steps=3,
                   kwargs={'observation_space': spaces.Tuple((spaces.Discrete(2), spaces.Discrete(3)))})
