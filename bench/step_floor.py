"""The floor of one A3C step on this CPU: the arithmetic a step must do, and the fastest this
machine does it, beside what each part of our step takes (bench/step_breakdown.py's parts).

usage: .venv/bin/python bench/step_floor.py [--use-lstm] [--t-max 5]

One process, one thread (as each worker runs). For every matrix product of a step, at exactly
its shape: its multiply-adds and OpenBLAS's time for it alone (the faster of the two
orientations, operands ready and contiguous: nothing else). For the per-parameter passes
(clipping norm, RMSProp with the copy of the new parameters to the worker's): the bytes they
must move and this machine's time to stream that many bytes. The emulator's floor is ale-py's
own act() for the 4 frames of an agent step and the two RGB screens the observation needs.

A part's floor is the sum of its products (or streams); the step's floor is the sum of the
parts' floors, per agent step (the update's parts divided by t_max).
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'

import argparse  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from async_util import n_parameters  # noqa: E402
from linear import input_gradient, weight_gradient  # noqa: E402
from model_spec import ModelSpec  # noqa: E402
from models import make_model  # noqa: E402
from step_breakdown import measure_parts, milliseconds  # noqa: E402

N_ACTIONS = 4  # Breakout
HIDDEN = 256


def conv_products(batch):
    """The torso's products for `batch` states, as conv2d_valid.py and linear.py compute them:
    each convolution is (m*m*out, in*s*s) block kernels times (in*s*s, batch*blocks) blocks."""
    return {
        'conv1': (2 * 2 * 16, 4 * 4 * 4, batch * 21 * 21),   # 8x8 stride 4 on 4x84x84: 2x2 blocks of 4x4
        'conv2': (2 * 2 * 32, 16 * 2 * 2, batch * 10 * 10),  # 4x4 stride 2 on 16x20x20: 2x2 blocks of 2x2
        'fc': (HIDDEN, 2592, batch),
    }


def head_products(batch, use_lstm):
    products = {'policy and value heads': (N_ACTIONS + 1, HIDDEN, batch)}
    if use_lstm:
        products['LSTM input weights'] = (4 * HIDDEN, HIDDEN, batch)
        products['LSTM lateral weights, step by step'] = (4 * HIDDEN, HIDDEN, 1, batch)
    return products


def backward_products(rows, use_lstm):
    """The update's gradient products for `rows` states that carry a gradient: every weight's
    gradient, and the input gradient of every layer but the first."""
    conv1, conv2, fc = conv_products(rows).values()
    products = {
        'conv1 weight gradient': (conv1[0], conv1[2], conv1[1]),
        'conv2 weight gradient': (conv2[0], conv2[2], conv2[1]),
        'conv2 input gradient': (conv2[2], conv2[0], conv2[1]),
        'fc weight gradient': (HIDDEN, rows, 2592),
        'fc input gradient': (rows, HIDDEN, 2592),
        'heads, weight and input gradients': (N_ACTIONS + 1, rows, HIDDEN, 2),
    }
    if use_lstm:
        products['LSTM weight and input gradients'] = (4 * HIDDEN, rows, HIDDEN, 4)
    return products


def macs(shape):
    m, k, n = shape[:3]
    return m * k * n * (shape[3] if len(shape) > 3 else 1)


def product_ms(shape, rng):
    """OpenBLAS's time for an (m, k) x (k, n) product, repeated shape[3] times, in the fastest of
    four ways: A B, (B^T A^T)^T, and linear.py's two sliced products (summed over slices of B's
    rows, written in slices of the result's rows); operands contiguous."""
    m, k, n = shape[:3]
    times = shape[3] if len(shape) > 3 else 1
    a, b = rng.randn(m, k).astype(np.float32), rng.randn(k, n).astype(np.float32)
    at, bt = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)
    repeats = max(20, int(2e8 / max(1, macs(shape))))
    best = min(milliseconds(lambda: a @ b, repeats), milliseconds(lambda: bt @ at, repeats),
               milliseconds(lambda: input_gradient(a, b), repeats),
               milliseconds(lambda: weight_gradient(at, b), repeats))
    return best * times


def stream_ms(n_floats, reads, writes, rng):
    """The time to read `reads` and write `writes` vectors of n_floats float32, at the speed this
    machine copies memory (one vector into another: a read and a write of each float)."""
    x, y = (rng.randn(n_floats).astype(np.float32) for _ in range(2))
    per_float_moved = milliseconds(lambda: np.copyto(y, x), 500) / 2
    return per_float_moved * (reads + writes)


def emulator_ms():
    """ale-py alone for one agent step: act() on 4 frames, and the last two frames' RGB screens."""
    from ale import ALE, resolve_rom
    ale = ALE(resolve_rom('breakout'), 0).ale
    actions = ale.getMinimalActionSet()
    screens = [np.empty((210, 160, 3), np.uint8) for _ in range(2)]
    rng = np.random.RandomState(0)

    def step():
        action = actions[rng.randint(len(actions))]
        for frame in range(4):
            ale.act(action)
            if frame >= 2:
                ale.getScreenRGB(screens[frame - 2])
        if ale.game_over():
            ale.reset_game()
    return milliseconds(step, 3000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--use-lstm', action='store_true')
    parser.add_argument('--t-max', type=int, default=5)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    t_max = args.t_max
    n_params = n_parameters(make_model(ModelSpec(N_ACTIONS), args.use_lstm, rng))

    def products_floor(products):
        shapes = products.values()
        return sum(macs(shape) for shape in shapes), sum(product_ms(shape, rng) for shape in shapes)

    forward_one = {**conv_products(1), **head_products(1, args.use_lstm)}
    backward = backward_products(t_max, args.use_lstm)
    floors = {
        'environment step': (None, emulator_ms(), 1),
        'acting forward (batch 1, no graph)': (*products_floor(forward_one), 1),
        "bootstrap state's value (batch 1, no graph)": (*products_floor(forward_one), t_max),
        'update forward + loss + backward': (*products_floor(backward), t_max),
        'optimizer step (clip, RMSProp, new parameters also to the local copy)':
            (None, stream_ms(n_params, 1 + 3, 3, rng), t_max),
    }
    big = (512, 512, 512)
    peak = macs(big) / product_ms(big, rng) / 1e6
    ours = {name: (ms, per) for name, per, ms in measure_parts(args.use_lstm, t_max)}

    print(f'A3C {"LSTM" if args.use_lstm else "FF"}, one process, t_max {t_max}, {n_params:,} parameters; '
          f'this core multiplies {peak:.1f} G multiply-adds/s at 512x512x512')
    print()
    print('| product | shape (m, k, n[, times]) | multiply-adds | OpenBLAS alone (ms) | G multiply-adds/s |')
    print('|---|---|---|---|---|')
    for title, products in (('acting', forward_one), (f'update, {t_max} rows', backward)):
        for name, shape in products.items():
            ms = product_ms(shape, rng)
            print(f'| {title}: {name} | {shape} | {macs(shape):,} | {ms:.4f} | {macs(shape) / ms / 1e6:.1f} |')
    print()
    print('| part | multiply-adds | floor, ms per call | ours, ms per call | ours / floor | floor, ms per step '
          '| ours, ms per step |')
    print('|---|---|---|---|---|---|---|')
    floor_step = ours_step = 0.0
    for name, (n_macs, floor_ms, per) in floors.items():
        ms, our_per = ours[name]
        floor_step += floor_ms / per
        ours_step += ms / our_per
        print(f'| {name} | {"" if n_macs is None else f"{n_macs:,}"} | {floor_ms:.3f} | {ms:.3f} | '
              f'{ms / floor_ms:.2f} | {floor_ms / per:.3f} | {ms / our_per:.3f} |')
    whole, _ = ours[f'whole step (act, env, update every {t_max})']
    print(f'| sum of the parts | | | | {ours_step / floor_step:.2f} | {floor_step:.3f} | {ours_step:.3f} |')
    print(f'| whole step as the worker runs it | | | | {whole / floor_step:.2f} | {floor_step:.3f} | {whole:.3f} |')


if __name__ == '__main__':
    main()
