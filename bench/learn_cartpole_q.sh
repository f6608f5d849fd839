#!/usr/bin/env bash
# The paper's three Q-learning methods on CartPole-v1 through the real trainer, 2 processes each, one
# after the other, with settings that make it quick (the test suite's: tests/test_q_learning.py),
# then one plot of the three curves. Each run's directory: trained_model/cartpole_q/<method>/run.
#
# usage: bench/learn_cartpole_q.sh [SEED]      (default 0)
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-0}
for method in n-step-q one-step-q one-step-sarsa; do
    interval=$([ "$method" = n-step-q ] && echo 250 || echo 100)
    run=trained_model/cartpole_q/${method//-/_}/run
    rm -rf "$run"
    mkdir -p "$(dirname "$run")"
    .venv/bin/python a3c_gym.py 2 CartPole-v1 --algorithm "$method" --steps 2e5 --lr 7e-3 --reward-scale 0.1 \
        --epsilon-steps 1e4 --target-update-interval "$interval" --eval-frequency 5000 --seed "$seed" \
        --progress-interval 30 --outdir "$run"
done
.venv/bin/python plot_scores.py trained_model/cartpole_q/{n_step_q,one_step_q,one_step_sarsa}/run \
    --label "n-step Q" --label "one-step Q" --label "one-step Sarsa" --title "CartPole-v1, 2 processes" \
    --xlabel "global steps" \
    -o trained_model/cartpole_q/scores.txt.png
