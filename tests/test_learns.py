"""It learns: the real agent and process machinery solve a trivially learnable task."""
import argparse
import os

import numpy as np

from corridor import Corridor
from cue_memory import CueMemory
from evaluation import eval_performance
from model_spec import ModelSpec
from models import make_model
from train_async import train


def test_untrained_policy_rarely_solves_the_corridor():
    model = make_model(ModelSpec(Corridor.number_of_actions), False, np.random.RandomState(0))
    _, (mean, _, _), _ = eval_performance(Corridor(), model, 100, np.random.RandomState(0))
    assert mean < 0.3  # about 1/16: four rights in a row by chance


def test_a3c_learns_the_corridor_with_two_processes(tmp_path):
    # A larger learning rate than Atari's: the task is tiny and the test must be quick.
    args = argparse.Namespace(processes=2, seed=0, steps=4000, t_max=2, beta=0.01, lr=7e-3,
                              eval_frequency=1000, eval_n_runs=100, weight_decay=0.0, use_lstm=False,
                              lstm_forget_bias=None,
                              profile=False, progress_interval=5.0, checkpoint_frequency=1000,
                              keep_checkpoints=0)
    status = train(args, lambda process_idx, seed, train: Corridor(seed, train),
                   ModelSpec(Corridor.number_of_actions), str(tmp_path))
    assert status == 0
    scores = np.loadtxt(tmp_path / 'scores.txt', skiprows=1, ndmin=2)
    assert list(scores[:, 0]) == [1000, 2000, 3000, 4000]
    # Evaluations sample their actions, so a learned policy still misses a step now and then: at
    # 99% per step a four-step run is optimal 96% of the time, so "all of 20 runs optimal" failed by
    # chance (about 1 run in 10 of this test). Over 100 runs the mean return of such a policy is
    # 0.96 +- 0.02; untrained it is about 1/16. The last evaluation must be near optimal.
    assert scores[-1, 2] >= 0.85, scores
    assert os.path.exists(tmp_path / '4000_finish.h5')


def train_on_cue_memory(tmp_path, use_lstm, steps):
    """The real trainer and processes on CueMemory with t_max = 5; the last evaluation's mean."""
    args = argparse.Namespace(processes=2, seed=0, steps=steps, t_max=5, beta=0.01, lr=7e-3,
                              eval_frequency=steps // 2, eval_n_runs=100, weight_decay=0.0, use_lstm=use_lstm,
                              lstm_forget_bias=None,
                              profile=False, progress_interval=5.0, checkpoint_frequency=steps,
                              keep_checkpoints=0)
    status = train(args, lambda process_idx, seed, train: CueMemory(seed, train),
                   ModelSpec(CueMemory.number_of_actions), str(tmp_path))
    assert status == 0
    return np.loadtxt(tmp_path / 'scores.txt', skiprows=1, ndmin=2)[-1, 2]


def test_a3c_lstm_remembers_a_cue_across_update_segments(tmp_path):
    # Best return 2: both answers right. Had the recurrent state not survived into the second
    # segment, the second answer would be a guess: about 1.5.
    assert train_on_cue_memory(tmp_path, use_lstm=True, steps=20000) >= 1.95


def test_a3c_ff_is_stuck_at_chance_on_the_cue_memory_task(tmp_path):
    assert 0.7 <= train_on_cue_memory(tmp_path, use_lstm=False, steps=10000) <= 1.3  # guessing earns 1
