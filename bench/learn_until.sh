#!/usr/bin/env bash
# A learning run (a benchmark, not a CI test): train until a goal, resumable across sessions.
#
# usage: bench/learn_until.sh GOAL RUN_DIR TITLE SCRIPT ARGS...
#   GOAL: mean=15 (an evaluation mean of at least 15) or steps=10000000 (an evaluation at or
#   past 10M global steps)
#   e.g. bench/learn_until.sh mean=15 trained_model/pong_ff/run "A3C FF, Pong" a3c_ale.py 2 pong --seed 0
# Starts `SCRIPT ARGS --outdir RUN_DIR`, or `SCRIPT --resume RUN_DIR` if RUN_DIR already holds a
# checkpoint (stop it any time with Ctrl-C, or kill -TERM: a script started in the background by
# another shell, `bench/learn_until.sh ... &`, ignores SIGINT, so kill -INT does nothing to it;
# run this again to go on; a second SIGINT while the run stops, as Ctrl-C in a terminal gives
# here, only waits for the save). When a row of
# RUN_DIR/scores.txt reaches the goal it stops the run with SIGINT, which saves the model and a
# checkpoint. Then it plots RUN_DIR/scores.txt.png (with REFERENCE=FILE, beside that curve).
set -euo pipefail
cd "$(dirname "$0")/.."
goal=$1 run_dir=$2 title=$3 script=$4
shift 4
case $goal in
    mean=*) column=3 ;;
    steps=*) column=1 ;;
    *) echo "learn_until.sh: error: GOAL $goal is neither mean=X nor steps=N" >&2; exit 2 ;;
esac
target=${goal#*=}
if ls "$run_dir"/checkpoint_*.h5 >/dev/null 2>&1; then
    command=(.venv/bin/python "$script" --resume "$run_dir")
else
    mkdir -p "$(dirname "$run_dir")"
    command=(.venv/bin/python "$script" "$@" --outdir "$run_dir")
fi
echo "+ ${command[*]}"
"${command[@]}" &
trainer=$!
trap 'kill -INT $trainer 2>/dev/null; wait $trainer || true' INT TERM
reached() {
    [ -f "$run_dir/scores.txt" ] &&
        awk -v c="$column" -v t="$target" 'NR > 1 && $c >= t {found=1} END {exit !found}' "$run_dir/scores.txt"
}
while kill -0 $trainer 2>/dev/null; do
    if reached; then
        echo "$goal reached: stopping the run"
        kill -INT $trainer
        break
    fi
    sleep 10
done
wait $trainer || true
cat "$run_dir/scores.txt"
.venv/bin/python plot_scores.py "$run_dir" --title "$title" ${REFERENCE:+--reference "$REFERENCE"} || true
