#!/usr/bin/env bash
# Training speed of a3c_ale.py on Breakout (FF, then LSTM), each followed at once by the
# environment-only anchor of ../shared/peer (random actions, same preprocessing), on this machine.
# usage: bench/train_speed.sh [PROCESSES [STEPS]]     needs the peer environment (PEER_PYTHON, default .peer/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
processes=${1:-2}
steps=${2:-100000}
peer_python=${PEER_PYTHON:-.peer/bin/python}
out=$(mktemp -d)
date -u +"%Y-%m-%dT%H:%MZ on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for kind in ff lstm; do
    flag=$([ "$kind" = lstm ] && echo --use-lstm || true)
    # No evaluation inside the measured steps: --eval-frequency beyond --steps.
    .venv/bin/python a3c_ale.py "$processes" breakout --steps "$steps" --eval-frequency 1000000000 \
        --seed 0 --outdir "$out/$kind" --progress-interval 60 $flag | grep 'training finished' | sed "s/^/$kind: /"
    "$peer_python" ../shared/peer/env_limit.py "$processes" 30 2>/dev/null | sed "s/^/after $kind: /"
done
rm -rf "$out"
