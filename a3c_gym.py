"""Train A3C FF or A3C LSTM on a Gymnasium environment: vector or image observations, discrete or continuous
actions (gym_env.py).

usage: python a3c_gym.py PROCESSES ENV_ID [options]      (python a3c_gym.py --help)
       python a3c_gym.py --resume RUN_DIR
The options, outputs and files are a3c_ale.py's (train_command.py), plus --reward-scale.
"""
import os

# One BLAS/OpenMP thread per worker, set before numpy loads: N workers on N cores.
for _variable in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_variable] = '1'

import sys  # noqa: E402

import train_command  # noqa: E402
from gym_env import GYM  # noqa: E402


def main(argv=None):
    return train_command.main('a3c_gym.py', GYM, argv)


if __name__ == '__main__':
    sys.exit(main())
