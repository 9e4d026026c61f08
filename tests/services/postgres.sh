#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for tests.
#   tests/services/postgres.sh start DIR     initdb + start in DIR on a free port; prints, for eval:
#                                            AMP_TEST_POSTGRES_URI=postgresql://amp:PASSWORD@127.0.0.1:PORT/amp
#   tests/services/postgres.sh stop DIR      stops the server and removes DIR
#   tests/services/postgres.sh run -- CMD... starts a cluster in a temp folder, runs CMD with AMP_TEST_POSTGRES_URI
#                                            set, stops the cluster and exits with CMD's status
# Needs the Debian package postgresql-15 (scripts/install-deps.sh). No systemd: pg_ctl starts the server. initdb and
# postgres refuse to run as root, so as root they run as the `postgres` user (created by the package) and DIR must
# be reachable by it (the temp folder is under /tmp, not /root). Durability is off (fsync, full_page_writes): the
# data is thrown away. See ../shared/notes/real-services-on-debian.md.
set -euo pipefail

# Inherited PG* variables (PGHOST, PGPORT, PGDATABASE...) would redirect psql and the server tools.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p')

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" ]]; then
      echo "$dir"
      return
    fi
  done
  echo "postgres.sh: no PostgreSQL server found (install postgresql-15: scripts/install-deps.sh)" >&2
  exit 1
}

# Runs a server tool as the postgres user when we are root (initdb and postgres refuse root), else as ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir="$1"
  local bin port password
  bin="$(pg_bin)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "postgres.sh: no postgres user (is postgresql-15 installed?)" >&2; exit 1; }
    chown postgres: "$dir"
    chmod 700 "$dir"
  fi
  port="$(free_port)"
  password="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(12))')"
  echo "$password" >"$dir/password"
  chmod 644 "$dir/password"
  # The socket lives in DIR (short path under /tmp: sockets need < 107 bytes).
  as_owner "$bin/initdb" -D "$dir/db" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 --no-sync --pwfile="$dir/password" >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/db/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  as_owner "$bin/pg_ctl" -D "$dir/db" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
CREATE ROLE amp LOGIN PASSWORD '$password';
CREATE DATABASE amp OWNER amp;
SQL
  echo "AMP_TEST_POSTGRES_URI=postgresql://amp:$password@127.0.0.1:$port/amp"
}

stop() {
  local dir="$1"
  [[ -d "$dir" ]] || return 0
  if [[ -f "$dir/db/postmaster.pid" ]]; then
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/db" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

run() {
  local uri status
  run_dir="$(mktemp -d /tmp/amp-pg.XXXXXX)"
  trap 'stop "$run_dir"' EXIT
  trap 'exit 143' TERM INT
  uri="$(start "$run_dir")"
  export "${uri?}"
  set +e
  "$@"
  status=$?
  set -e
  return "$status"
}

case "${1:-}" in
  start) start "${2:?usage: postgres.sh start DIR}" ;;
  stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
  run)
    shift
    [[ "${1:-}" == "--" ]] && shift
    [[ $# -gt 0 ]] || { echo "usage: postgres.sh run -- CMD..." >&2; exit 2; }
    run "$@"
    ;;
  *)
    echo "usage: postgres.sh start DIR | stop DIR | run -- CMD..." >&2
    exit 2
    ;;
esac
