#!/usr/bin/env bash
# Instructions per /api/predict request, counted by valgrind's callgrind (repeatable, unlike times).
# Starts amp with one HTTP thread under callgrind, trains the demo model, warms up, zeroes the counters, sends N
# requests on one keep-alive connection with wrk, dumps, and prints total instructions / N.
# Usage: bench/callgrind.sh [path/to/amp] [requests]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
amp="${1:-$here/../build/release/amp}"
requests="${2:-20000}"
work="$(mktemp -d)"
port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --dump-instr=no --collect-atstart=yes \
  "$amp" serve --port "$port" --threads 1 --data-dir "$work/data" --demo-data "$here/../data/demo/house_sales.csv" --no-access-log \
  >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  if curl -sf "http://127.0.0.1:$port/api/model" | grep -q "Linear Regression"; then break; fi
  sleep 0.2
done
# wrk -d cannot count requests exactly; a Lua script stops the one connection after N responses.
cat >"$work/count.lua" <<LUA
dofile("$here/seed_payload.lua")
local seen = 0
local base_response = response
response = function(status, headers, body)
  base_response(status, headers, body)
  seen = seen + 1
  if seen >= tonumber(os.getenv("REQUESTS")) then wrk.thread:stop() end
end
LUA
# (wrk keeps the connection idle until -d ends after stopping, so -d is a bound, not the run time.)
REQUESTS=2000 wrk -t1 -c1 -d5s -s "$work/count.lua" "http://127.0.0.1:$port" >/dev/null  # warm-up
callgrind_control --zero "$pid" >/dev/null
REQUESTS="$requests" wrk -t1 -c1 -d"$((requests / 400 + 5))s" -s "$work/count.lua" "http://127.0.0.1:$port" \
  >"$work/wrk.out"
requests="$(awk '/requests in/ {print $1}' "$work/wrk.out")"
callgrind_control --dump=measured "$pid" >/dev/null
sleep 1
dump="$(ls -t "$work"/cg.out* | head -1)"
total="$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
echo "amp /api/predict: $((total / requests)) instructions per request (user space, $requests requests, 1 connection)"
if [[ "${VERBOSE:-0}" == 1 ]]; then callgrind_annotate "$dump" 2>/dev/null | head -40 | cut -c1-200; fi
