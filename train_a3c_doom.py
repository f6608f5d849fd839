"""Train A3C FF or A3C LSTM on a ViZDoom scenario (experimental, as in the original).

usage: python train_a3c_doom.py PROCESSES [--scenario basic] [options]      (python train_a3c_doom.py --help)
       python train_a3c_doom.py --resume RUN_DIR
The options, outputs and files are a3c_ale.py's (train_command.py), plus the ViZDoom settings (doom_env.py).
"""
import os

# One BLAS/OpenMP thread per worker, set before numpy loads: N workers on N cores.
for _variable in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_variable] = '1'

import sys  # noqa: E402

import train_command  # noqa: E402
from doom_env import DOOM  # noqa: E402


def main(argv=None):
    return train_command.main('train_a3c_doom.py', DOOM, argv)


if __name__ == '__main__':
    sys.exit(main())
