#!/usr/bin/env bash
# Learning check (a benchmark, not a CI test): A3C FF on Pong with 2 processes and the paper's
# settings, until an evaluation mean reaches +15 (from about -21 for a random policy).
#
# usage: bench/learn_pong.sh [RUN_DIR]      default RUN_DIR: trained_model/pong_ff/run
# Starts the run, or resumes it if RUN_DIR already holds a checkpoint (see bench/learn_until.sh).
exec "$(dirname "$0")/learn_until.sh" "mean=${TARGET:-15}" "${1:-trained_model/pong_ff/run}" \
    "A3C FF, Pong, 2 processes" \
    a3c_ale.py 2 pong --seed 0 --keep-checkpoints 2
