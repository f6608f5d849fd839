"""Every use of randomness draws from a stream of its own: no-op starts and sampled actions apart."""
import argparse

import numpy as np

import demo_command
from ale import ATARI, resolve_rom
from model_spec import ModelSpec
from models import make_model, save_model
from seeding import independent_seeds
from train_async import SharedTraining, Worker, worker_seeds


def first_draws(rng):
    return rng.randint(2 ** 31, size=8).tolist()


def test_derived_seeds_are_distinct_and_reproducible():
    seeds = independent_seeds(4, 0, 1, 0)
    assert len(set(seeds)) == 4
    assert independent_seeds(4, 0, 1, 0) == seeds
    assert independent_seeds(4, 0, 2, 0) != seeds
    assert len(set(worker_seeds(0, 0, 0) + worker_seeds(0, 1, 0))) == 8


def test_the_demo_draws_no_op_starts_and_actions_from_different_streams(tmp_path):
    model_path = str(tmp_path / 'model.h5')
    save_model(model_path, make_model(ModelSpec(4), False, np.random.RandomState(0)))
    args = demo_command.parse_args(ATARI, ['breakout', model_path, '--seed', '0'])
    env, _, action_rng = demo_command.open_player(ATARI, args)
    assert first_draws(env.rng) != first_draws(action_rng)


def test_the_evaluation_draws_no_op_starts_and_actions_from_different_streams(tmp_path):
    args = argparse.Namespace(seed=0, use_lstm=False)
    shared = SharedTraining(make_model(ModelSpec(4), False, np.random.RandomState(0)))
    rom = resolve_rom('breakout')
    worker = Worker(0, args, shared, lambda process_idx, seed, train: ATARI.open(rom, seed, train=train), ModelSpec(4),
                    str(tmp_path), 0.0, 0, [])
    worker.open_evaluation()
    assert first_draws(worker.eval_env.rng) != first_draws(worker.eval_rng)
