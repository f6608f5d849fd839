"""It learns: the real agent and process machinery solve a trivially learnable task."""
import argparse
import os

import numpy as np

from corridor import Corridor
from evaluation import eval_performance
from models import make_model
from train_async import train


def test_untrained_policy_rarely_solves_the_corridor():
    model = make_model(Corridor.number_of_actions, False, np.random.RandomState(0))
    _, (mean, _, _) = eval_performance(Corridor(), model, 100, np.random.RandomState(0))
    assert mean < 0.3  # about 1/16: four rights in a row by chance


def test_a3c_learns_the_corridor_with_two_processes(tmp_path):
    # A larger learning rate than Atari's: the task is tiny and the test must be quick.
    args = argparse.Namespace(processes=2, seed=0, steps=4000, t_max=2, beta=0.01, lr=7e-3,
                              eval_frequency=1000, eval_n_runs=20, weight_decay=0.0, use_lstm=False,
                              profile=False, progress_interval=5.0, checkpoint_frequency=1000,
                              keep_checkpoints=0)
    status = train(args, lambda process_idx, seed, train: Corridor(seed, train),
                   Corridor.number_of_actions, str(tmp_path))
    assert status == 0
    scores = np.loadtxt(tmp_path / 'scores.txt', skiprows=1, ndmin=2)
    assert list(scores[:, 0]) == [1000, 2000, 3000, 4000]
    assert scores[-1, 2] == 1.0, scores  # the optimal return in all 20 runs
    assert os.path.exists(tmp_path / '4000_finish.h5')
