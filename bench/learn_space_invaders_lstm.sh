#!/usr/bin/env bash
# A3C LSTM on Space Invaders with 2 processes and the paper's settings (the learning rate anneals
# over 80M steps, as the original's did), until the evaluation at 10M global steps, plotted beside
# the original's curve (36 processes) at equal steps.
#
# usage: bench/learn_space_invaders_lstm.sh [RUN_DIR]      default RUN_DIR: trained_model/space_invaders_lstm/run
# Resumes RUN_DIR if it holds a checkpoint (see bench/learn_until.sh); STEPS=N goes on to N.
cd "$(dirname "$0")/.."
REFERENCE=${REFERENCE:-../shared/reference/muupan_space_invaders_lstm_scores.txt} exec bench/learn_until.sh \
    "steps=${STEPS:-10000000}" "${1:-trained_model/space_invaders_lstm/run}" "A3C LSTM, Space Invaders, 2 processes" \
    a3c_ale.py 2 space_invaders --use-lstm --seed 0 --keep-checkpoints 2
