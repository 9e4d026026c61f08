#!/usr/bin/env bash
# Instructions per row of the flattened tree predictor and of XGBoost's in-place prediction, counted by valgrind's
# callgrind (repeatable, unlike times on a shared machine). The model (100 trees, depth 6, 10 features) is trained
# natively first, so valgrind only runs the measured loops: 10,000 single rows, and one batch of ROWS rows.
# Usage: bench/trees_callgrind.sh [path/to/amp_tree_bench] [rows]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="${1:-$here/../build/release/amp_tree_bench}"
rows="${2:-20000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bench" --model "$work/model.ubj" --rows 64 --callgrind single-flat >/dev/null  # trains and saves the model
for path in single-flat single-xgboost batch-flat batch-xgboost; do
  valgrind --tool=callgrind --callgrind-out-file="$work/$path.out" --collect-atstart=no \
    "$bench" --model "$work/model.ubj" --rows "$rows" --callgrind "$path" >"$work/$path.log" 2>&1
  measured="$(awk '/rows measured/ {print $3}' "$work/$path.log")"
  total="$(callgrind_annotate "$work/$path.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
  printf '%-16s %8d instructions per row (%s rows)\n' "$path" "$((total / measured))" "$measured"
done
