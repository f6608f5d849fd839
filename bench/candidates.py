"""What each hot-path change not yet made would save a step, each timed alone against the code as
it is, in one process and one run: the ceiling of what is left (issue 17).

usage: .venv/bin/python bench/candidates.py [--rounds 5]

Each candidate is a small prototype here, not in the trainer: the part of the step it would
replace, timed alternately with the current code on the same inputs (median of the rounds), and
how often a step runs it (per update: divided by t_max). The prototypes give the current code's
results (checked here: the same arrays, and for the fully connected gradient in the optimizer,
which adds in another order, the same within float32 rounding). The whole step is the agent's,
with its environment, timed in the same run. A3C FF, Breakout, t_max 5.
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'

import argparse  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import chainer_compat  # noqa: E402,F401  (before chainer: what today's numpy and Python removed)
import chainer  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402

from async_util import parameters_in_order  # noqa: E402
from conv2d_valid import Convolution2DValid, block_kernels  # noqa: E402
from linear import Linear, weight_gradient  # noqa: E402
from models import phi  # noqa: E402
from rmsprop_async import _rmsprop_pass  # noqa: E402
from step_breakdown import milliseconds, one_worker  # noqa: E402

T_MAX = 5


def alternate(current, candidate, repeats, rounds):
    """Median ms per call of each, timed in turns."""
    times = [], []
    for _ in range(rounds):
        for i, function in enumerate((current, candidate)):
            times[i].append(milliseconds(function, repeats))
    return float(np.median(times[0])), float(np.median(times[1]))


# The fully connected layer's weight gradient gy^T x has rank <= t_max: the optimizer's pass can
# form each row of it where it uses it (never writing the 2.65 MB matrix, never reading it back),
# and its squared norm is the sum of (gy gy^T) * (x x^T), two t_max x t_max products.
@numba.njit(error_model='numpy', nogil=True, cache=True)
def _rmsprop_outer_product(params, stats, gyT, x, local, alpha, grad_square_scale, eps, step_scale):
    rows, n = gyT.shape
    cols = x.shape[1]
    g = np.empty(cols, np.float32)
    for i in range(rows):
        a = gyT[i, 0]
        for j in range(cols):
            g[j] = a * x[0, j]
        for t in range(1, n):
            a = gyT[i, t]
            for j in range(cols):
                g[j] += a * x[t, j]
        part = slice(i * cols, (i + 1) * cols)
        _rmsprop_pass(params[part], stats[part], g, local[part], alpha, grad_square_scale, eps, step_scale)


def measure(rounds):
    env, agent, agent_step = one_worker(False, T_MAX)
    model, rng = agent.model, agent.rng
    for _ in range(300):
        agent_step()
    whole = float(np.median([milliseconds(agent_step, 2000) for _ in range(rounds)]))

    conv1, conv2, fc = model.head
    W1, b1, W2, b2 = conv1.W.array, conv1.b.array, conv2.W.array, conv2.b.array
    x = phi(env.state[None])
    results = []

    heads = ((model.pi[0].W.array, model.pi[0].b.array), (model.v[0].W.array, model.v[0].b.array))

    def act_with_chainer():
        with chainer.no_backprop_mode():
            model(x, None, keep=[])

    def act_on_arrays():  # the same nodes' forwards, without Links' calls or Variables
        y = Convolution2DValid(4, True).forward((x, W1, b1))[0]
        y = Convolution2DValid(2, True).forward((y, W2, b2))[0]
        y = Linear(True).forward((y, fc.W.array, fc.b.array))[0]
        return [Linear(False).forward((y, W, b))[0] for W, b in heads]
    with chainer.no_backprop_mode():
        pout, value, _ = model(x, None)
    assert all(np.array_equal(a, b) for a, b in zip(act_on_arrays(), (pout.logits.array, value.array)))
    results.append(('acting on arrays: the nodes\' forwards without Chainer\'s Links and Variables',
                    1 + 1 / T_MAX, *alternate(act_with_chainer, act_on_arrays, 2000, rounds)))

    # calls per step now: conv1 in acting and V(s_n); conv2 there and in its input gradient;
    # cached, both once per update (after the copy back)
    calls_now = {0: 1 + 1 / T_MAX, 1: 1 + 2 / T_MAX}
    bk_ms = [milliseconds(lambda i=i: block_kernels(*((W1, 4, 2), (W2, 2, 2))[i]), 5000) for i in range(2)]
    now = sum(ms * calls_now[i] for i, ms in enumerate(bk_ms))
    cached = sum(bk_ms) / T_MAX
    results.append(('block kernels once per parameter copy instead of per call (conv1 + conv2)', 1, now, cached))

    # The fully connected weight's share of the optimizer's pass: its gradient, its norm, its pass.
    offset = 0
    for param in parameters_in_order(model):
        if param is fc.W:
            break
        offset += param.size
    part = slice(offset, offset + fc.W.size)
    P, S, L = agent.shared_params[part].copy(), agent.shared_stats[part].copy() + 1e-3, fc.W.array.ravel().copy()
    fc_in = rng.rand(T_MAX, fc.W.shape[1]).astype(np.float32)
    gy = (1e-3 * rng.randn(T_MAX, fc.W.shape[0])).astype(np.float32)
    scalars = np.float32(0.99), np.float32(0.01), np.float32(0.1), np.float32(1e-4)

    def fc_current():
        grad = weight_gradient(gy, fc_in).ravel()
        float(np.dot(grad, grad))
        _rmsprop_pass(P, S, grad, L, *scalars)

    def fc_candidate():
        float(((gy @ gy.T) * (fc_in @ fc_in.T)).sum())
        _rmsprop_outer_product(P, S, np.ascontiguousarray(gy.T), fc_in, L, *scalars)
    P0, S0 = P.copy(), S.copy()
    fc_current()
    after = P.copy()
    P[:], S[:] = P0, S0
    fc_candidate()
    assert np.allclose(P, after, rtol=1e-6, atol=1e-9)
    results.append(('fully connected weight gradient formed inside the optimizer\'s pass (rank t_max), '
                    'caches warm', 1 / T_MAX, *alternate(fc_current, fc_candidate, 300, rounds)))
    sweep = np.zeros(8 * 2 ** 20, np.float32)  # 32 MB: this CPU's L3, streamed between calls

    def sweep_ms():
        sweep[:] += 1
    sweep_alone = float(np.median([milliseconds(sweep_ms, 20) for _ in range(rounds)]))
    cold = alternate(lambda: (sweep_ms(), fc_current()), lambda: (sweep_ms(), fc_candidate()), 20, rounds)
    results.append(('the same, caches cold (32 MB streamed before each call, its time taken off)', 1 / T_MAX,
                    cold[0] - sweep_alone, cold[1] - sweep_alone))

    return whole, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=5, help='turns of each timing (default 5)')
    args = parser.parse_args()
    whole, results = measure(args.rounds)
    print(f'A3C FF, one process, t_max {T_MAX}: whole step {whole:.3f} ms (median of {args.rounds} rounds)')
    print()
    print('| candidate | calls per step | now, ms per call | candidate, ms per call | saving, ms per step '
          '| share of the step |')
    print('|---|---|---|---|---|---|')
    total = 0.0
    for name, per_step, now, candidate in results:
        saving = (now - candidate) * per_step
        if not name.startswith('the same, caches cold'):
            total += saving
        print(f'| {name} | {per_step:.2f} | {now:.4f} | {candidate:.4f} | {saving:.4f} | {saving / whole:.1%} |')
    print(f'| all of them (caches warm) | | | | {total:.4f} | {total / whole:.1%} |')


if __name__ == '__main__':
    main()
