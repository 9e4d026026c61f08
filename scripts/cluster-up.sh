#!/usr/bin/env bash
# A whole AMP cluster on this machine, for trying it out: a shared metadata store, an artifact store, N `amp serve`
# replicas, M `amp worker` processes and nginx (deploy/nginx.conf's settings) in front, all on loopback.
#   scripts/cluster-up.sh [up] [--replicas N] [--workers M] [--s3] [--port P] [--no-demo] [--amp PATH] [--dir DIR]
#   scripts/cluster-up.sh status [--dir DIR]
#   scripts/cluster-up.sh down [--dir DIR]          stops everything and removes DIR (its data too)
# Defaults: 3 replicas, 2 workers, nginx on 127.0.0.1:8080 (or a free port if taken), DIR /tmp/amp-cluster, the
# binary build/release/amp (else build/test/amp).
# Which pieces it uses depends on this build, and it says so:
#   metadata   PostgreSQL (--metadata postgresql://..., a throwaway cluster from tests/services/postgres.sh) when both
#              the script and the flag exist; otherwise one SQLite data folder shared by every process (one machine
#              only: SQLite in WAL mode is safe across processes, not across hosts)
#   artifacts  with --s3, a one-node Ceph RADOS Gateway (tests/services/rgw.sh) as `--artifacts s3://amp/cluster`;
#              otherwise the shared data folder's artifacts/
#   training   with `amp worker` in this build, M workers claim jobs and the replicas run --training-workers 0;
#              otherwise each replica trains the jobs submitted to it and no worker is started
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
action="up"
if [[ "${1:-}" =~ ^(up|down|status)$ ]]; then action="$1"; shift; fi
replicas=3
workers=2
use_s3=0
port="${AMP_CLUSTER_PORT:-8080}"
demo=1
dir="${AMP_CLUSTER_DIR:-/tmp/amp-cluster}"
amp="${AMP:-}"
while (($# > 0)); do
  case "$1" in
    --replicas) replicas="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --s3) use_s3=1; shift ;;
    --port) port="$2"; shift 2 ;;
    --no-demo) demo=0; shift ;;
    --amp) amp="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "cluster-up: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_free() { /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$1" 2>/dev/null; }
has_flag() { "$amp" "$1" --help 2>/dev/null | grep -qE "^ +(-[a-z],)?$2\b"; }
has_subcommand() { "$amp" "$1" --help 2>/dev/null | grep -qE "^Usage: \S+ $1\b"; }

wait_ready() {  # URL, log file, pid
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null "$1/readyz"; do
    if ! kill -0 "$3" 2>/dev/null; then echo "cluster-up: process $3 exited; see $2" >&2; tail -5 "$2" >&2; exit 1; fi
    if ((SECONDS > deadline)); then echo "cluster-up: $1 not ready after 120 s; see $2" >&2; exit 1; fi
    sleep 0.1
  done
}

stop_pids() {  # SIGTERM every recorded process, then wait up to 20 s each, then SIGKILL
  local pid_file pid
  for pid_file in "$dir"/pids/*.pid; do
    [[ -f "$pid_file" ]] || continue
    pid="$(<"$pid_file")"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid_file in "$dir"/pids/*.pid; do
    [[ -f "$pid_file" ]] || continue
    pid="$(<"$pid_file")"
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS > deadline)); then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.1
    done
    rm -f "$pid_file"
  done
}

down() {
  if [[ ! -d "$dir" ]]; then echo "cluster-up: nothing to stop in $dir"; return 0; fi
  "$repo/tests/services/nginx.sh" stop "$dir/nginx" || true
  stop_pids
  if [[ -d "$dir/rgw" ]]; then "$repo/tests/services/rgw.sh" stop "$dir/rgw" || true; fi
  if [[ -d "$dir/pg" && -x "$repo/tests/services/postgres.sh" ]]; then "$repo/tests/services/postgres.sh" stop "$dir/pg" || true; fi
  rm -rf "$dir"
  echo "cluster-up: stopped and removed $dir"
}

status() {
  [[ -f "$dir/cluster.env" ]] || { echo "cluster-up: no cluster in $dir"; exit 1; }
  cat "$dir/cluster.env"
  local pid_file
  for pid_file in "$dir"/pids/*.pid; do
    [[ -f "$pid_file" ]] || continue
    local name pid
    name="$(basename "$pid_file" .pid)"
    pid="$(<"$pid_file")"
    if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: NOT running"; fi
  done
}

up() {
  if [[ -z "$amp" ]]; then
    for candidate in "$repo/build/release/amp" "$repo/build/test/amp"; do
      if [[ -x "$candidate" ]]; then amp="$candidate"; break; fi
    done
  fi
  [[ -n "$amp" && -x "$amp" ]] || { echo "cluster-up: no amp binary; run make build or pass --amp PATH" >&2; exit 1; }
  amp="$(cd "$(dirname "$amp")" && pwd)/$(basename "$amp")"
  if [[ -e "$dir" ]]; then echo "cluster-up: $dir exists; run '$0 down --dir $dir' first" >&2; exit 1; fi
  mkdir -p "$dir/pids" "$dir/logs" "$dir/data"
  # Whatever fails from here on (a command, or wait_ready's exit) stops what was started.
  started=0
  trap 'if ((started == 0)); then echo "cluster-up: failed; stopping what was started" >&2; down >/dev/null 2>&1 || true; fi' EXIT

  local common=() summary=() metadata_uri=""
  # Metadata store.
  if [[ -x "$repo/tests/services/postgres.sh" ]] && has_flag serve --metadata; then
    local pg_env uri=""
    pg_env="$("$repo/tests/services/postgres.sh" start "$dir/pg")"
    # The script prints variables for eval; the connection URI is the one value that is a postgresql:// URI.
    uri="$(printf '%s\n' "$pg_env" | sed 's/^export //' | tr -d "'\"" | tr ' ' '\n' | sed -n 's/^[A-Z_]*=\(postgres\(ql\)\{0,1\}:\/\/.*\)$/\1/p' | head -1)"
    [[ -n "$uri" ]] || { echo "cluster-up: tests/services/postgres.sh printed no postgresql:// URI" >&2; exit 1; }
    common+=(--metadata "$uri")
    metadata_uri="$uri"
    summary+=("metadata:  PostgreSQL $uri (throwaway cluster in $dir/pg)")
  else
    local why="tests/services/postgres.sh is not in this tree"
    [[ -x "$repo/tests/services/postgres.sh" ]] && why="this amp has no --metadata flag"
    summary+=("metadata:  SQLite, one data folder shared by every process ($dir/data/amp.db): $why")
  fi
  # Artifact store.
  if ((use_s3)); then
    eval "$("$repo/tests/services/rgw.sh" start "$dir/rgw")"
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
    curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$AMP_TEST_S3_ENDPOINT/amp" >/dev/null || true
    common+=(--artifacts s3://amp/cluster --s3-endpoint "$AMP_TEST_S3_ENDPOINT")
    summary+=("artifacts: S3 s3://amp/cluster on Ceph RGW $AMP_TEST_S3_ENDPOINT (keys in $dir/cluster.env)")
  else
    summary+=("artifacts: local folder $dir/data/artifacts (pass --s3 for Ceph RGW)")
  fi
  # Training.
  local serve_training=() start_workers=0
  if has_subcommand worker; then
    start_workers="$workers"
    serve_training=(--training-workers 0)
    summary+=("training:  $workers amp worker process(es); the replicas do not train")
  else
    summary+=("training:  each replica trains the jobs submitted to it: this amp has no 'worker' subcommand")
  fi

  # Replicas: the first alone, so that only it trains the demo model and creates the admin key printed below (replicas
  # may also start together on an empty folder: tests/e2e/shared_folder_start_test.py).
  local ports=() idx replica_port pid
  for ((idx = 1; idx <= replicas; idx++)); do
    replica_port="$(free_port)"
    local args=(serve --host 127.0.0.1 --port "$replica_port" --data-dir "$dir/data" "${common[@]}"
                "${serve_training[@]}")
    if ((idx > 1 || !demo)); then args+=(--no-demo); fi
    setsid nohup "$amp" "${args[@]}" >"$dir/logs/serve-$idx.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/pids/serve-$idx.pid"
    wait_ready "http://127.0.0.1:$replica_port" "$dir/logs/serve-$idx.log" "$pid"
    ports+=("$replica_port")
  done
  # Workers, with the flags this build's `amp worker` accepts among those the replicas got.
  for ((idx = 1; idx <= start_workers; idx++)); do
    local args=(worker)
    has_flag worker --data-dir && args+=(--data-dir "$dir/data")
    local flag_idx
    for ((flag_idx = 0; flag_idx < ${#common[@]}; flag_idx += 2)); do
      if has_flag worker "${common[flag_idx]}"; then args+=("${common[flag_idx]}" "${common[flag_idx + 1]}"); fi
    done
    setsid nohup "$amp" "${args[@]}" >"$dir/logs/worker-$idx.log" 2>&1 </dev/null &
    echo $! >"$dir/pids/worker-$idx.pid"
  done
  # nginx in front.
  if [[ "$port" == 0 ]] || ! port_free "$port"; then port="$(free_port)"; fi
  local nginx_env
  nginx_env="$(AMP_NGINX_PORT="$port" "$repo/tests/services/nginx.sh" start "$dir/nginx" "${ports[@]}")"
  eval "$nginx_env"
  started=1

  local admin_key
  admin_key="$(<"$dir/data/admin.key")"
  {
    echo "AMP_URL=$NGINX_URL"
    echo "AMP_API_KEY=$admin_key"
    echo "AMP_REPLICAS=${ports[*]}"
    # What another `amp worker` (or replica) needs to join: the same stores.
    if [[ -n "$metadata_uri" ]]; then echo "AMP_METADATA=$metadata_uri"; fi
    if ((use_s3)); then
      echo "AWS_ENDPOINT_URL=$AMP_TEST_S3_ENDPOINT AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY"
    fi
  } >"$dir/cluster.env"
  chmod 600 "$dir/cluster.env"
  echo "AMP cluster up in $dir"
  printf '  %s\n' "${summary[@]}"
  local joined
  joined="$(IFS=,; echo "${ports[*]}")"
  echo "  replicas:  ${#ports[@]} amp serve on 127.0.0.1:{$joined}, logs in $dir/logs"
  echo "  nginx:     $NGINX_URL (access log $NGINX_ACCESS_LOG)"
  echo
  echo "URL:        $NGINX_URL   (web console at $NGINX_URL/)"
  echo "admin key:  $admin_key"
  echo "try:        curl -H 'Authorization: Bearer $admin_key' $NGINX_URL/v1/models"
  echo "stop:       $0 down --dir $dir"
}

case "$action" in
  up) up ;;
  down) down ;;
  status) status ;;
esac
