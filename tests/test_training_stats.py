"""stats.csv and --tensorboard: the training statistics against hand computations, in a real run."""
import argparse
import math
import os
import signal

import numpy as np
import pytest

from a3c import A3C, n_step_returns
from async_util import bind_parameters, n_parameters, weight_mask
from conftest import run_script
from corridor import Corridor
from model_spec import ModelSpec
from models import make_model, phi
from rmsprop_async import RMSpropAsync
from test_learning_rule import original_style_gradient
from test_reliability import killed_at_exit, signal_and_wait, start_training, wait_for
from train_async import train
from training_stats import COLUMNS, SUMS, stats_row


def test_an_update_adds_its_figures_as_computed_by_hand():
    rng = np.random.RandomState(2)
    model = make_model(ModelSpec(4), False, rng)
    shared_params = np.empty(n_parameters(model), np.float32)
    bind_parameters(model, shared_params)
    shared_stats = np.zeros_like(shared_params)
    reference = make_model(ModelSpec(4), False, rng)
    reference_params = np.empty_like(shared_params)
    bind_parameters(reference, reference_params)
    reference_params[:] = shared_params
    sums = np.zeros(len(SUMS))
    agent = A3C(make_model(ModelSpec(4), False, rng), shared_params, shared_stats,
                RMSpropAsync(weight_mask=weight_mask(model)), np.random.RandomState(0),
                t_max=3, gamma=0.9, beta=0.01, sums=sums)
    states = rng.randint(0, 256, (4, 4, 84, 84)).astype(np.uint8)
    rewards = [1.0, 0.0, -1.0]
    actions = [agent.act_and_train(states[0], 0.0), agent.act_and_train(states[1], rewards[0]),
               agent.act_and_train(states[2], rewards[1])]
    agent.act_and_train(states[3], rewards[2])  # the update, bootstrapping from states[3]

    pout, values, _ = reference(phi(states))
    logits, values = pout.logits.array.astype(np.float64), values.array[:, 0].astype(np.float64)
    pi = np.exp(logits - logits.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    entropy = -(pi * np.log(pi)).sum(axis=1)[:3]
    returns = n_step_returns(np.array(rewards), values[3], 0.9)
    advantages = returns - values[:3]
    policy_loss = -(np.log(pi[np.arange(3), actions]) * advantages).sum()
    value_loss = 0.5 * (advantages ** 2).sum() / 2
    grad_norm = np.linalg.norm(original_style_gradient(reference, states[:3], actions, rewards, states[3], 0.9, 0.01))
    expected = dict(updates=1, states=3, entropy=entropy.sum(), value=values[:3].sum(), advantage=advantages.sum(),
                    policy_loss=policy_loss, value_loss=value_loss, grad_norm=grad_norm,
                    clipped=float(grad_norm > 40), episodes=0, episode_reward=0)
    for name, value in expected.items():
        assert sums[SUMS.index(name)] == pytest.approx(value, rel=1e-4, abs=1e-6), name


def test_a_row_is_the_mean_of_the_growth_since_the_last_row():
    growth = dict(updates=4, states=20, entropy=26.0, value=2.0, advantage=-1.0, policy_loss=8.0, value_loss=2.0,
                  grad_norm=100.0, clipped=1, episodes=5, episode_reward=7.5)
    row = dict(zip(COLUMNS, stats_row(30000, 60.0, 500.0, 6e-4, np.array([growth[name] for name in SUMS]))))
    assert row['entropy'] == 1.3 and row['value'] == 0.1 and row['advantage'] == -0.05
    assert row['policy_loss'] == 2.0 and row['value_loss'] == 0.5 and row['grad_norm'] == 25.0
    assert row['clipped'] == 0.25 and row['episodes'] == 5 and row['episode_reward'] == 1.5
    empty = dict(zip(COLUMNS, stats_row(1, 1.0, 1.0, 1e-4, np.zeros(len(SUMS)))))
    assert math.isnan(empty['entropy']) and math.isnan(empty['episode_reward']) and empty['episodes'] == 0


def read_stats(path):
    lines = path.read_text().splitlines()
    assert lines[0] == ','.join(COLUMNS)
    return [dict(zip(COLUMNS, [float(x) if x else math.nan for x in line.split(',')])) for line in lines[1:]]


def test_a_corridor_run_writes_its_statistics(tmp_path):
    args = argparse.Namespace(processes=1, seed=0, steps=3000, t_max=2, beta=0.01, lr=7e-3, eval_frequency=10 ** 6,
                              eval_n_runs=1, weight_decay=0.0, use_lstm=False,
                              lstm_forget_bias=None, profile=False, progress_interval=5.0,
                              checkpoint_frequency=10 ** 6, keep_checkpoints=0, stats_frequency=1000)
    assert train(args, lambda process_idx, seed, train: Corridor(seed, train), ModelSpec(2), str(tmp_path)) == 0
    rows = read_stats(tmp_path / 'stats.csv')
    assert [row['steps'] // 1000 for row in rows] == [1, 2, 3]  # at (or just past) every 1,000 steps
    for previous_steps, row in zip([0] + [row['steps'] for row in rows], rows):
        assert row['lr'] == pytest.approx(7e-3 * (1 - row['steps'] / 3000), rel=1e-8)
        assert 0 < row['entropy'] <= math.log(2) and row['steps_per_s'] > 0 and 0 <= row['clipped'] <= 1
        # a corridor episode is 1 to 4 moves and a pass that sees its end: at least a fifth of the
        # row's steps (its window is 1,000 steps give or take how far past 1,000 each row came)
        assert row['episodes'] >= (row['steps'] - previous_steps) / 5 * 0.9 and 0 <= row['episode_reward'] <= 1


def test_tensorboard_event_files_hold_the_statistics_and_evaluations_and_resume_without_repeats(tmp_path):
    pytest.importorskip('tensorboardX', reason='tensorboardX is not installed (make setup-tensorboard)')
    event_accumulator = pytest.importorskip('tensorboard.backend.event_processing.event_accumulator',
                                            reason='tensorboard is not installed (make setup-tensorboard)')
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '1', 'breakout', '--steps', '6000', '--eval-frequency', '1000',
                          '--eval-n-runs', '1', '--checkpoint-frequency', '1000', '--stats-frequency', '500',
                          '--tensorboard', '--progress-interval', '1')
    with killed_at_exit(proc):
        wait_for(lambda: len(list(outdir.glob('checkpoint_*.h5'))) >= 2)
        signal_and_wait(proc, proc.pid, signal.SIGINT)
    resumed = run_script('a3c_ale.py', '--resume', str(outdir))
    assert resumed.returncode == 0, resumed.stderr
    events = event_accumulator.EventAccumulator(str(outdir / 'tensorboard'))
    events.Reload()
    tags = events.Tags()['scalars']
    assert {'train/entropy', 'train/value', 'train/steps_per_s', 'eval/mean', 'eval/median'} <= set(tags)
    for tag in tags:
        steps = [event.step for event in events.Scalars(tag)]
        assert steps == sorted(set(steps)), (tag, steps)  # each step once, in order
    assert [event.step for event in events.Scalars('eval/mean')] == [1000, 2000, 3000, 4000, 5000, 6000]
    assert len(os.listdir(outdir / 'tensorboard')) == 2  # one event file per trainer that ran
