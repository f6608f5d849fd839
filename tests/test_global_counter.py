"""The global step counter counts as the original's: the step that sees a terminal state is one step."""
import argparse
import multiprocessing as mp

import numpy as np

from model_spec import ModelSpec
from train_async import train

EPISODE_ACTIONS = 5


class FixedLengthEpisodes:
    """Every episode ends after EPISODE_ACTIONS actions, whatever they are; counts what it is asked
    to do in memory shared with the test (the trainer forks its workers)."""
    number_of_actions = 2
    actions = mp.get_context('fork').RawValue('q', 0)
    resets = mp.get_context('fork').RawValue('q', 0)

    def __init__(self, seed=0, train=True):
        self.state = np.zeros((4, 84, 84), np.uint8)
        self.train = train
        self.reset()

    def reset(self):
        if self.train:
            FixedLengthEpisodes.resets.value += 1
        self.steps = 0
        self.reward = 0.0
        self.is_terminal = False

    def receive_action(self, action):
        if self.train:
            FixedLengthEpisodes.actions.value += 1
        self.steps += 1
        self.state[:, :, :] = self.steps
        self.reward = float(action)
        self.is_terminal = self.steps == EPISODE_ACTIONS
        return self.reward


def test_the_step_that_sees_a_terminal_state_counts_as_one_global_step(tmp_path):
    steps = 60
    args = argparse.Namespace(processes=1, seed=0, steps=steps, t_max=5, beta=0.01, lr=7e-4,
                              eval_frequency=10 ** 6, eval_n_runs=1, weight_decay=0.0, use_lstm=False,
                              lstm_forget_bias=None,
                              profile=False, progress_interval=5.0, checkpoint_frequency=10 ** 6,
                              keep_checkpoints=0)
    FixedLengthEpisodes.actions.value = FixedLengthEpisodes.resets.value = 0
    status = train(args, lambda process_idx, seed, train: FixedLengthEpisodes(seed, train), ModelSpec(2),
                   str(tmp_path))
    assert status == 0
    # Each episode takes 5 global steps that act and one that sees the terminal state and resets.
    episodes = steps // (EPISODE_ACTIONS + 1)
    assert FixedLengthEpisodes.actions.value == EPISODE_ACTIONS * episodes == 50
    assert FixedLengthEpisodes.resets.value == 1 + episodes  # the first at the start
