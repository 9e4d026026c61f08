#!/usr/bin/env bash
# nginx as AMP's load balancer on loopback, without the system service: deploy/nginx-loopback.conf.template (the
# upstream settings of deploy/nginx.conf, the routes of deploy/amp-locations.conf) rendered into a prefix folder.
#   tests/services/nginx.sh start DIR PORT...   starts nginx in front of amp replicas on 127.0.0.1:PORT...; prints,
#                                               for eval: NGINX_URL, NGINX_PORT, NGINX_PREFIX, NGINX_ACCESS_LOG
#   tests/services/nginx.sh reload DIR PORT...  replaces the replica list and reloads gracefully (no request lost)
#   tests/services/nginx.sh stop DIR            stops nginx (graceful, then forced) and removes DIR
# Environment: AMP_NGINX_PORT (listen port; default a free one), AMP_NGINX_WORKERS (default auto),
# AMP_NGINX_MAX_FAILS / AMP_NGINX_FAIL_TIMEOUT (default: those of deploy/nginx.conf), AMP_NGINX_ACCESS_LOG=off to
# skip the access log (benchmarks of nginx itself).
# Needs the Debian package nginx (scripts/install-deps.sh). See ../shared/notes/real-services-on-debian.md.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The max_fails / fail_timeout of the first upstream server in deploy/nginx.conf: one source for both files.
production_param() {
  sed -n "s/^ *server [^ ]* .*$1=\([^ ;]*\).*/\1/p" "$repo/deploy/nginx.conf" | head -1
}

render() {
  local dir="$1" listen="$2"
  shift 2
  local max_fails="${AMP_NGINX_MAX_FAILS:-$(production_param max_fails)}"
  local fail_timeout="${AMP_NGINX_FAIL_TIMEOUT:-$(production_param fail_timeout)}"
  local servers="" port
  for port in "$@"; do
    [[ "$port" =~ ^[0-9]+$ ]] || { echo "nginx.sh: not a port: $port" >&2; exit 2; }
    servers+="    server 127.0.0.1:$port max_fails=$max_fails fail_timeout=$fail_timeout;"$'\n'
  done
  local access_log="$dir/logs/access.log amp_upstream buffer=64k flush=1s"
  if [[ "${AMP_NGINX_ACCESS_LOG:-on}" == "off" ]]; then access_log="off"; fi
  local conf
  conf="$(<"$repo/deploy/nginx-loopback.conf.template")"
  conf="${conf//@UPSTREAM_SERVERS@/${servers%$'\n'}}"
  conf="${conf//@ACCESS_LOG@/$access_log}"
  conf="${conf//@PREFIX@/$dir}"
  conf="${conf//@LISTEN@/$listen}"
  conf="${conf//@WORKERS@/${AMP_NGINX_WORKERS:-auto}}"
  printf '%s\n' "$conf" >"$dir/nginx.conf.new"
  cp "$repo/deploy/amp-locations.conf" "$dir/amp-locations.conf"
  mv "$dir/nginx.conf.new" "$dir/nginx.conf"
}

start() {
  local dir="$1"
  shift
  (($# > 0)) || { echo "usage: nginx.sh start DIR PORT..." >&2; exit 2; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  mkdir -p "$dir/logs" "$dir/temp"
  local port="${AMP_NGINX_PORT:-$(free_port)}"
  echo "$port" >"$dir/port"
  render "$dir" "127.0.0.1:$port" "$@"
  "$nginx_bin" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  local deadline=$((SECONDS + 10))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/nginx-health"; do
    if ((SECONDS > deadline)); then
      echo "nginx.sh: nginx did not answer on port $port" >&2
      cat "$dir/logs/error.log" >&2 || true
      exit 1
    fi
    sleep 0.05
  done
  echo "NGINX_URL=http://127.0.0.1:$port"
  echo "NGINX_PORT=$port"
  echo "NGINX_PREFIX=$dir"
  echo "NGINX_ACCESS_LOG=$dir/logs/access.log"
}

reload() {
  local dir="$1"
  shift
  (($# > 0)) || { echo "usage: nginx.sh reload DIR PORT..." >&2; exit 2; }
  dir="$(cd "$dir" && pwd)"
  local port
  port="$(<"$dir/port")"
  cp "$dir/nginx.conf" "$dir/nginx.conf.previous"
  render "$dir" "127.0.0.1:$port" "$@"
  if ! "$nginx_bin" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"; then
    mv "$dir/nginx.conf.previous" "$dir/nginx.conf"
    exit 1
  fi
  kill -HUP "$(<"$dir/nginx.pid")"
}

stop() {
  local dir="$1"
  [[ -d "$dir" ]] || return 0
  if [[ -f "$dir/nginx.pid" ]]; then
    local pid
    pid="$(<"$dir/nginx.pid")"
    kill -QUIT "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS > deadline)); then
        kill -KILL "$pid" 2>/dev/null || true
        pkill -KILL -P "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.05
    done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  reload) shift; reload "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start DIR PORT... | reload DIR PORT... | stop DIR" >&2; exit 2 ;;
esac
