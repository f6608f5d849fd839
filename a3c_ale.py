"""Train A3C FF or A3C LSTM on an Atari game.

usage: python a3c_ale.py PROCESSES ROM [options]      (python a3c_ale.py --help)
       python a3c_ale.py --resume RUN_DIR
"""
import os

# One BLAS/OpenMP thread per worker, set before numpy loads: N workers on N cores.
for _variable in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_variable] = '1'

import sys  # noqa: E402

import train_command  # noqa: E402
from ale import ATARI  # noqa: E402


def main(argv=None):
    return train_command.main('a3c_ale.py', ATARI, argv)


if __name__ == '__main__':
    sys.exit(main())
