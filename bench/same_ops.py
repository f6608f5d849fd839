"""Which of the training step's float32 operations give the same bits under two interpreters (two
Pythons, numpy versions and their bundled OpenBLAS): where bench/same_params.py finds a difference,
this says where it comes from.

usage: .venv/bin/python bench/same_ops.py PYTHON_A PYTHON_B
e.g.   .venv-3.11/bin/python bench/same_ops.py .venv-3.11/bin/python .venv/bin/python

Each interpreter computes the same operations on the same inputs (the step's shapes: the fully
connected layer's 5 x 2592 by 2592 x 256 products, the softmax's exp and log, sums, the compiled
RMSProp pass); prints per operation whether the results are identical, else the largest difference,
and each interpreter's numpy and BLAS.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compute(path):
    """Run under the interpreter being compared: the operations' results into path (.npz)."""
    sys.path.insert(0, ROOT)
    import chainer_compat  # noqa: F401
    import numpy as np

    from rmsprop_async import _rmsprop_pass
    rng = np.random.RandomState(0)
    x = rng.randn(4096).astype(np.float32)
    states, weights = rng.randn(5, 2592).astype(np.float32), rng.randn(256, 2592).astype(np.float32)
    gy = rng.randn(5, 256).astype(np.float32)
    params, stats, grad = (rng.randn(100_003).astype(np.float32), rng.rand(100_003).astype(np.float32),
                           rng.randn(100_003).astype(np.float32))
    local = np.empty_like(params)
    _rmsprop_pass(params, stats, grad, local, np.float32(0.99), np.float32(0.01), np.float32(0.1), np.float32(7e-4))
    results = {
        'exp': np.exp(x), 'log': np.log(np.abs(x) + np.float32(1e-3)), 'sqrt': np.sqrt(np.abs(x)),
        'sum': x.sum(keepdims=True), 'cumsum': np.cumsum(np.abs(x)), 'dot (vector . vector)': np.dot(x, x)[None],
        'matrix . vector (acting)': weights.dot(states[0]),
        'matrix . matrix (5 x 2592 . 2592 x 256)': states.dot(weights.T),
        'matrix . matrix (5 x 256 . 256 x 2592)': gy.dot(weights),
        'matrix^T . matrix (2592 x 5 . 5 x 256)': states.T.dot(gy),
        'RMSProp pass: parameters': params, 'RMSProp pass: statistics': stats,
    }
    np.savez(path, **{name.replace('/', '_'): value for name, value in results.items()})
    config = np.show_config(mode='dicts')['Build Dependencies']['blas']
    print(f'Python {sys.version.split()[0]}, numpy {np.__version__}, '
          f'BLAS {config.get("name", "?")} {config.get("version", "?")}')


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--compute':
        return compute(sys.argv[2])
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split('\n\n')[1])
    import numpy as np
    with tempfile.TemporaryDirectory(prefix='same_ops_') as directory:
        arrays = []
        for i, python in enumerate(sys.argv[1:]):
            path = os.path.join(directory, f'{i}.npz')
            described = subprocess.run([python, os.path.abspath(__file__), '--compute', path], check=True,
                                       capture_output=True, text=True).stdout.strip()
            print(f'{"AB"[i]}: {python}: {described}')
            arrays.append(dict(np.load(path)))
    print('| operation | A against B |\n|---|---|')
    for name in arrays[0]:
        a, b = arrays[0][name], arrays[1][name]
        largest = np.abs(a.astype(np.float64) - b).max()
        print(f'| {name} | {"identical" if np.array_equal(a, b) else f"largest difference {largest:.3g} (of values up to {np.abs(a).max():.3g})"} |')


if __name__ == '__main__':
    sys.exit(main())
