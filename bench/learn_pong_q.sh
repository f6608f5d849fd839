#!/usr/bin/env bash
# One of the paper's Q-learning methods on Pong with 2 processes and the paper's settings (the
# learning rate anneals over the default 80M steps, as pong_ff's did), until the evaluation at STEPS
# global steps, plotted beside our A3C FF's curve (trained_model/pong_ff) at equal steps.
#
# usage: bench/learn_pong_q.sh ALGORITHM [RUN_DIR]      ALGORITHM: n-step-q, one-step-q or one-step-sarsa
#        default RUN_DIR: trained_model/pong_<algorithm>/run; STEPS=N (default 10000000 for n-step-q,
#        5000000 for the one-step methods)
# Resumes RUN_DIR if it holds a checkpoint (see bench/learn_until.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
algorithm=${1:?usage: bench/learn_pong_q.sh n-step-q|one-step-q|one-step-sarsa [RUN_DIR]}
case $algorithm in
    n-step-q) steps=${STEPS:-10000000} title="n-step Q" ;;
    one-step-q) steps=${STEPS:-5000000} title="one-step Q" ;;
    one-step-sarsa) steps=${STEPS:-5000000} title="one-step Sarsa" ;;
    *) echo "learn_pong_q.sh: error: ALGORITHM $algorithm is not n-step-q, one-step-q or one-step-sarsa" >&2; exit 2 ;;
esac
REFERENCE=${REFERENCE:-trained_model/pong_ff/scores.txt} exec bench/learn_until.sh \
    "steps=$steps" "${2:-trained_model/pong_${algorithm//-/_}/run}" "$title, Pong, 2 processes (dashed: our A3C FF)" \
    a3c_ale.py 2 pong --algorithm "$algorithm" --seed 0 --keep-checkpoints 2
