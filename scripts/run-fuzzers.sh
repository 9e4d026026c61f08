#!/usr/bin/env bash
# Runs the libFuzzer targets built in FUZZ_DIR, JOBS at a time (one core each), each for FUZZ_SECONDS (or FUZZ_RUNS
# inputs when that is not -1) from the seed corpus in fuzz/corpus/<target>, with a fixed seed. A crash, a sanitizer
# report or a hang fails the run; the target's log stays in FUZZ_DIR/<target>.log and the crashing input in FUZZ_DIR.
#   FUZZ_DIR=build/fuzz FUZZ_SECONDS=60 FUZZ_RUNS=-1 FUZZ_SEED=20261128 JOBS=2 scripts/run-fuzzers.sh target...
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZ_DIR:=build/fuzz}" "${FUZZ_SECONDS:=60}" "${FUZZ_RUNS:=-1}" "${FUZZ_SEED:=20261128}" "${JOBS:=$(nproc)}"
export FUZZ_SECONDS FUZZ_RUNS FUZZ_SEED
source_dir=$(pwd)
export source_dir

run_one() {
  local target=$1
  rm -rf "corpus/$target" && mkdir -p "corpus/$target"
  if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$source_dir/tests/ubsan.supp \
      "./amp_${target}_fuzz" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_SECONDS" -seed="$FUZZ_SEED" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      "corpus/$target" "$source_dir/fuzz/corpus/$target" >"$target.log" 2>&1; then
    echo "fuzz $target: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$target.log" | grep -o '[0-9]*$') inputs)"
  else
    echo "fuzz $target: FAILED, its log ($FUZZ_DIR/$target.log) ends:"
    tail -n 60 "$target.log"
    return 1
  fi
}
export -f run_one

cd "$FUZZ_DIR"
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {}
