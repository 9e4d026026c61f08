#!/usr/bin/env bash
# Instructions per /api/predict request, counted by valgrind's callgrind (repeatable, unlike times), for AMP and,
# side by side in the same run, for nginx answering the same POST with a fixed JSON (bench/nginx_fixed.conf).
# Each server runs under callgrind with one thread/worker; the script warms it up, zeroes the counters, sends N
# requests on one keep-alive connection with wrk, dumps, and prints user-space instructions / N and the ratio.
# Usage: bench/callgrind.sh [path/to/amp] [requests]      (VERBOSE=1 prints the top functions too)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
amp="${1:-$here/../build/release/amp}"
requests="${2:-20000}"
work="${KEEP:-$(mktemp -d)}"; mkdir -p "$work"
pid=""
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop() { if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT
if [[ -n "${KEEP:-}" ]]; then trap stop EXIT; fi

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

# measure NAME PORT READY_URL READY_TEXT -- COMMAND...: runs COMMAND under callgrind and prints instructions per
# request; READY_URL must answer with READY_TEXT in its body before the warm-up starts.
measure() {
  local name="$1" port="$2" ready="$3" ready_text="$4"
  shift 5
  valgrind --tool=callgrind --callgrind-out-file="$work/$name.cg" --dump-instr=no --collect-atstart=yes "$@" \
    >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    if curl -sf "$ready" | grep -q "$ready_text"; then break; fi
    sleep 0.2
  done
  # (wrk keeps the connection idle until -d ends after stopping, so -d is a bound, not the run time.)
  REQUESTS=2000 wrk -t1 -c1 -d5s -s "$work/count.lua" "http://127.0.0.1:$port" >/dev/null  # warm-up
  callgrind_control --zero "$pid" >/dev/null 2>&1
  REQUESTS="$requests" wrk -t1 -c1 -d"$((requests / 400 + 5))s" -s "$work/count.lua" "http://127.0.0.1:$port" \
    >"$work/$name.wrk"
  local sent total dump
  sent="$(awk '/requests in/ {print $1}' "$work/$name.wrk")"
  callgrind_control --dump=measured "$pid" >/dev/null 2>&1
  sleep 1
  dump="$(ls -t "$work/$name.cg"* | head -1)"
  total="$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')"
  if [[ "${VERBOSE:-0}" == 1 ]]; then callgrind_annotate "$dump" 2>/dev/null | head -60 | cut -c1-200 >&2; fi
  stop
  echo "$((total / sent))"
  echo "$name: $((total / sent)) instructions per request (user space, $sent requests, 1 connection)" >&2
}

amp_port="$(free_port)"
amp_count="$(measure amp "$amp_port" "http://127.0.0.1:$amp_port/api/model" "Linear Regression" -- \
  "$amp" serve --port "$amp_port" --threads 1 --data-dir "$work/data" \
  --demo-data "$here/../data/demo/house_sales.csv" --no-access-log)"

nginx_port="$(free_port)"
mkdir -p "$work/nginx"
sed -e "s#PREFIX#$work/nginx#g" -e "s#PORT#$nginx_port#g" -e "s#^worker_processes 2;#worker_processes 1;#" \
  "$here/nginx_fixed.conf" >"$work/nginx/nginx.conf"
printf 'daemon off;\nmaster_process off;\n' >>"$work/nginx/nginx.conf"
nginx_count="$(measure nginx "$nginx_port" "http://127.0.0.1:$nginx_port/" "prediction" -- \
  /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log")"

echo "amp /api/predict: $amp_count instructions per request; nginx fixed JSON: $nginx_count;" \
  "ratio $(awk -v a="$amp_count" -v n="$nginx_count" 'BEGIN { printf "%.2f", a / n }')x"
