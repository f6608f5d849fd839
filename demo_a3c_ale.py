"""Replay a trained A3C model on an Atari game: whole games, real scores.

usage: python demo_a3c_ale.py ROM MODEL [options]      (python demo_a3c_ale.py --help)
       python demo_a3c_ale.py ROM --random [options]      (a uniformly random policy)
"""
import os

os.environ['OMP_NUM_THREADS'] = '1'

import sys  # noqa: E402

import demo_command  # noqa: E402
from ale import ATARI  # noqa: E402


def main(argv=None):
    return demo_command.main('demo_a3c_ale.py', ATARI, argv)


if __name__ == '__main__':
    sys.exit(main())
