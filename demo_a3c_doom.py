"""Replay a trained A3C model on a ViZDoom scenario: whole episodes, the scenario's scores.

usage: python demo_a3c_doom.py MODEL [--scenario basic] [options]      (python demo_a3c_doom.py --help)
       python demo_a3c_doom.py [MODEL] --random [--scenario basic] [options]      (a uniformly random policy;
                                                                                   MODEL is not loaded)
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'

import sys  # noqa: E402

import demo_command  # noqa: E402
from doom_env import DOOM  # noqa: E402


def main(argv=None):
    return demo_command.main('demo_a3c_doom.py', DOOM, argv)


if __name__ == '__main__':
    sys.exit(main())
