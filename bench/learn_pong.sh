#!/usr/bin/env bash
# Learning check (a benchmark, not a CI test): A3C FF on Pong with 2 processes and the paper's
# settings, until an evaluation mean reaches +15 (from about -21 for a random policy).
#
# usage: bench/learn_pong.sh [RUN_DIR]      default RUN_DIR: trained_model/pong_ff/run
# Starts the run, or resumes it if RUN_DIR already holds a checkpoint (stop it any time with
# Ctrl-C; run this again to go on). When a row of RUN_DIR/scores.txt reaches the target it stops
# the run with SIGINT, which saves the model and a checkpoint. It plots RUN_DIR/scores.txt.png.
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=${1:-trained_model/pong_ff/run}
target=${TARGET:-15}
if ls "$run_dir"/checkpoint_*.h5 >/dev/null 2>&1; then
    command=(.venv/bin/python a3c_ale.py --resume "$run_dir")
else
    mkdir -p "$(dirname "$run_dir")"
    command=(.venv/bin/python a3c_ale.py 2 pong --seed 0 --keep-checkpoints 2 --outdir "$run_dir")
fi
echo "+ ${command[*]}"
"${command[@]}" &
trainer=$!
trap 'kill -INT $trainer 2>/dev/null; wait $trainer' INT TERM
reached() {
    [ -f "$run_dir/scores.txt" ] && awk -v t="$target" 'NR > 1 && $3 >= t {found=1} END {exit !found}' "$run_dir/scores.txt"
}
while kill -0 $trainer 2>/dev/null; do
    if reached; then
        echo "evaluation mean reached $target: stopping the run"
        kill -INT $trainer
        break
    fi
    sleep 30
done
wait $trainer || true
cat "$run_dir/scores.txt"
.venv/bin/python plot_scores.py "$run_dir" --title "A3C FF, Pong, 2 processes" || true
