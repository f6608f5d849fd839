"""Where one worker's step goes: each part of the hot path timed alone, in one process.

usage: .venv/bin/python bench/step_breakdown.py [--use-lstm]

Times (ms) the environment step, the acting forward pass, the bootstrap
state's value (a forward pass without a graph), the update's forward (computing
its torso, and replaying what acting kept of it, as the agent does) / loss /
backward over a t_max segment, the optimizer step on the flat vectors, the gradient gather and the parameter
copy, then a whole agent step as the worker runs it, and the same without the optimizer step
(what the optimizer costs inside the loop). Per-update parts are also shown per step (divided by
t_max).
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import chainer_compat  # noqa: E402,F401  (before chainer: what today's numpy and Python removed)
import chainer  # noqa: E402
import numpy as np  # noqa: E402

from a3c import A3C, a3c_loss, stack_kept  # noqa: E402
from ale import ALE, resolve_rom  # noqa: E402
from async_util import bind_parameters, n_parameters, parameters_in_order, weight_mask  # noqa: E402
from model_spec import ModelSpec  # noqa: E402
from models import make_model, phi  # noqa: E402
from rmsprop_async import RMSpropAsync  # noqa: E402


def milliseconds(function, repeats):
    function()
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats * 1e3


def one_worker(use_lstm, t_max):
    """A worker on Breakout as the trainer builds one (its agent on shared vectors, one process),
    and its step as the trainer runs it: (env, agent, agent_step)."""
    chainer.config.type_check = False
    rng = np.random.RandomState(0)
    env = ALE(resolve_rom('breakout'), 0)
    shared_model = make_model(ModelSpec(env.number_of_actions), use_lstm, rng)
    shared_params = np.empty(n_parameters(shared_model), np.float32)
    bind_parameters(shared_model, shared_params)
    model = make_model(ModelSpec(env.number_of_actions), use_lstm, rng)
    agent = A3C(model, shared_params, np.zeros_like(shared_params), RMSpropAsync(weight_mask=weight_mask(model)),
                rng, t_max=t_max)

    def agent_step():
        env.receive_action(agent.act_and_train(env.state, env.reward))
        if env.is_terminal:
            agent.stop_episode_and_train(env.reward)
            env.reset()
    return env, agent, agent_step


def measure_parts(use_lstm, t_max=5):
    """[(part, calls per agent step's share, ms per call)] of one worker's step."""
    env, agent, agent_step = one_worker(use_lstm, t_max)
    model, optimizer, rng = agent.model, agent.optimizer, agent.rng
    shared_params, shared_stats = agent.shared_params, agent.shared_stats

    def env_step():
        env.receive_action(rng.randint(env.number_of_actions))
        if env.is_terminal:
            env.reset()

    states = np.repeat(env.state[None], t_max, axis=0)
    actions, returns = rng.randint(env.number_of_actions, size=t_max), np.ones(t_max, np.float32)

    def act_forward():
        with chainer.no_backprop_mode():
            model(phi(states[:1]), None, keep=[])

    def bootstrap_value():
        with chainer.no_backprop_mode():
            model(phi(states[:1]), None)

    kept = [[] for _ in states]  # what acting keeps of each state's torso layers
    with chainer.no_backprop_mode():
        for state, state_kept in zip(states, kept):
            model(phi(state[None]), None, keep=state_kept)

    def forward():
        return model(phi(states), None, replay=stack_kept(kept))

    def forward_computing_everything():
        return model(phi(states), None)

    def loss():
        pout, values, _ = forward()
        return a3c_loss(pout.logits, values, actions, returns, 0.01, 0.5)

    def backward():
        model.cleargrads()
        loss().backward()

    grad = (0.01 * rng.randn(shared_params.size)).astype(np.float32)
    # the gradient in the pieces the agent hands over: one per parameter, in the flat layout
    grad_pieces = np.split(grad, np.cumsum([param.size for param in parameters_in_order(model)])[:-1])
    parts = [
        ('environment step', 1, milliseconds(env_step, 2000)),
        ('acting forward (batch 1, no graph)', 1, milliseconds(act_forward, 500)),
        ('bootstrap state\'s value (batch 1, no graph)', t_max, milliseconds(bootstrap_value, 200)),
        (f'update forward (batch {t_max}), computing the torso', t_max,
         milliseconds(forward_computing_everything, 200)),
        (f'update forward (batch {t_max}), torso replayed', t_max, milliseconds(forward, 200)),
        ('update forward + loss', t_max, milliseconds(loss, 200)),
        ('update forward + loss + backward', t_max, milliseconds(backward, 200)),
        ('optimizer step (clip, RMSProp, new parameters also to the local copy)', t_max,
         milliseconds(lambda: optimizer.update(shared_params, shared_stats, grad_pieces, 1e-4,
                                               local=agent.local_params), 200)),
    ]

    parts.append((f'whole step (act, env, update every {t_max})', 1, milliseconds(agent_step, 3000)))
    # What the optimizer costs inside the loop, where its vectors are no longer in the cache: the
    # whole step with and without it (the parameters then stay as they are), alternating.
    with_optimizer, without_optimizer, apply = [], [], optimizer.update
    for _ in range(3):
        optimizer.update = apply
        with_optimizer.append(milliseconds(agent_step, 1000))
        optimizer.update = lambda params, stats, pieces, lr, local=None: 0.0
        without_optimizer.append(milliseconds(agent_step, 1000))
    optimizer.update = apply
    parts.append((f'whole step without the optimizer step (median of 3 turns; with it: '
                  f'{np.median(with_optimizer):.3f})', 1, np.median(without_optimizer)))
    return parts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--use-lstm', action='store_true')
    args = parser.parse_args()
    parts = measure_parts(args.use_lstm)
    print(f'A3C {"LSTM" if args.use_lstm else "FF"}, one process')
    print('| part | ms per call | ms per step |')
    print('|---|---|---|')
    for name, per, ms in parts:
        print(f'| {name} | {ms:.3f} | {ms / per:.3f} |')


if __name__ == '__main__':
    main()
