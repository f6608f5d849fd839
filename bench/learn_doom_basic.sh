#!/usr/bin/env bash
# Learning check (a benchmark, not a CI test): A3C FF on ViZDoom's basic scenario with 2 processes and
# the original's settings and defaults (one RGB frame, 10 tics a step, 640x480, evaluations of 10
# episodes every 100,000 steps), until an evaluation mean (the scenario's own scores) reaches 50, from
# about -170 for a random policy.
#
# usage: bench/learn_doom_basic.sh [RUN_DIR [EXTRA_ARGS...]]      default RUN_DIR: trained_model/doom_basic/run
#   e.g. bench/learn_doom_basic.sh runs/basic_ours --observation grayscale-stack --tics-per-step 4 --resolution 160x120
# Resumes RUN_DIR if it holds a checkpoint (see bench/learn_until.sh).
run_dir=${1:-trained_model/doom_basic/run}
shift
exec "$(dirname "$0")/learn_until.sh" "mean=${TARGET:-50}" "$run_dir" \
    "A3C FF, ViZDoom basic, 2 processes" \
    train_a3c_doom.py 2 --scenario basic --seed 0 --keep-checkpoints 2 "$@"
