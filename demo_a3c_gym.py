"""Replay a trained A3C model on a Gymnasium environment: whole episodes, the environment's returns.

usage: python demo_a3c_gym.py ENV_ID MODEL [options]      (python demo_a3c_gym.py --help)
       python demo_a3c_gym.py ENV_ID --random [options]      (a uniformly random policy)
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'

import sys  # noqa: E402

import demo_command  # noqa: E402
from gym_env import GYM  # noqa: E402


def main(argv=None):
    return demo_command.main('demo_a3c_gym.py', GYM, argv)


if __name__ == '__main__':
    sys.exit(main())
