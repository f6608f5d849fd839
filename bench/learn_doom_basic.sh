#!/usr/bin/env bash
# Learning check (a benchmark, not a CI test): A3C FF on ViZDoom's basic scenario with 2 processes,
# until an evaluation mean (10 episodes, the scenario's own scores) reaches 50, from about -170
# for a random policy. Evaluates every 50,000 steps; the learning rate anneals over 2M steps.
#
# usage: bench/learn_doom_basic.sh [RUN_DIR]      default RUN_DIR: trained_model/doom_basic/run
# Resumes RUN_DIR if it holds a checkpoint (see bench/learn_until.sh).
exec "$(dirname "$0")/learn_until.sh" "mean=${TARGET:-50}" "${1:-trained_model/doom_basic/run}" \
    "A3C FF, ViZDoom basic, 2 processes" \
    a3c_doom.py 2 basic --seed 0 --steps 2000000 --eval-frequency 50000 --keep-checkpoints 2
