"""A tiny environment with image observations that A3C must learn in a few thousand steps.

The agent stands in cell 0 of a corridor of LENGTH cells and sees itself as a
bright bar in an 84x84 frame (the same 4-frame uint8 stack the Atari
environment gives). Action 1 moves right, action 0 left; reaching the last
cell gives +1 and ends the episode, which is otherwise cut after LENGTH - 1
steps with nothing. So the only way to score is to move right at every step,
and the optimal return is 1. With t_max = 2 the first moves earn their credit
only through the bootstrapped value: a sign or bootstrap error stops learning.
"""
import numpy as np

LENGTH = 5


class Corridor:
    number_of_actions = 2

    def __init__(self, seed=0, train=True):
        self.state = np.zeros((4, 84, 84), np.uint8)
        self.reset()

    def reset(self):
        self.position = 0
        self.steps = 0
        self.reward = 0.0
        self.is_terminal = False
        self._observe()

    def receive_action(self, action):
        self.position = max(0, self.position + (1 if action == 1 else -1))
        self.steps += 1
        self.reward = 1.0 if self.position == LENGTH - 1 else 0.0
        self.is_terminal = self.position == LENGTH - 1 or self.steps >= LENGTH - 1
        self._observe()
        return self.reward

    def _observe(self):
        self.state[:] = 0
        column = 8 + 16 * self.position
        self.state[:, 20:64, column:column + 8] = 255
