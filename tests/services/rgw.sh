#!/usr/bin/env bash
# A throwaway one-node Ceph cluster with the RADOS Gateway (a real S3 server) on loopback, for tests.
#   tests/services/rgw.sh start DIR     starts mon, osd and radosgw with their data in DIR; prints, for eval:
#                                       AMP_TEST_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
#   tests/services/rgw.sh stop DIR      stops the daemons and removes DIR
#   tests/services/rgw.sh run -- CMD... starts a cluster in a temp folder, runs CMD with those variables set,
#                                       stops the cluster and exits with CMD's status
# Needs the Debian packages ceph-mon ceph-osd radosgw (scripts/install-deps.sh). No systemd: each daemon runs in
# the foreground under setsid, its PID kept in DIR. See ../shared/notes/real-services-on-debian.md for why each
# setting is there.
set -euo pipefail

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() {
  local dir="$1"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local port mon_port osd_min fsid osd_uuid
  port="$(free_port)"
  mon_port="$(free_port)"
  osd_min="$(free_port)"
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
ms bind port min = $osd_min
ms bind port max = $((osd_min + 40))
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = $dir/run
crash dir = $dir/crash
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 0
osd objectstore = bluestore
[mon]
mon data = $dir/mon-\$id
paxos propose interval = 0.1
paxos min wait = 0.01
[osd]
osd data = $dir/osd-\$id
bluestore block path = $dir/osd-\$id.block
bluestore block create = true
bluestore block size = 4294967296
bluestore fsck on mount = false
bluestore fsck on mkfs = false
bluestore cache size = 134217728
osd client watch timeout = 10
[client.rgw]
ms mon client mode = crc secure
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
rgw gc obj min wait = 60
rgw gc processor period = 60
CONF
  mkdir -p "$dir/run" "$dir/crash" "$dir/log" "$dir/rgw" "$dir/osd-0"
  local conf="$dir/ceph.conf"
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >/dev/null 2>&1
  setsid nohup ceph-mon -c "$conf" -i a -f >"$dir/log/mon.out" 2>&1 &
  echo $! >"$dir/mon.pid"
  local osd_id
  osd_id="$(timeout 60 ceph -c "$conf" osd new "$osd_uuid" 2>/dev/null)"
  ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
  setsid nohup ceph-osd -c "$conf" -i "$osd_id" -f >"$dir/log/osd.out" 2>&1 &
  echo $! >"$dir/osd.pid"
  local access_key="amp-test" secret_key="amp-test-secret"
  timeout 60 radosgw-admin -c "$conf" user create --uid=amp --display-name=amp --access-key="$access_key" \
    --secret-key="$secret_key" >/dev/null 2>&1
  setsid nohup radosgw -c "$conf" -n client.rgw -f >"$dir/log/rgw.out" 2>&1 &
  echo $! >"$dir/rgw.pid"
  local endpoint="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$endpoint/" >/dev/null 2>&1; then
      # The first bucket and the first multipart upload each create pools (~2.5 s): do both now, not in a test.
      curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$endpoint/warm-up" >/dev/null 2>&1 || true
      local upload_id
      upload_id="$(curl -sf -X POST --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$endpoint/warm-up/object?uploads=" 2>/dev/null |
        sed -n 's:.*<UploadId>\(.*\)</UploadId>.*:\1:p')"
      if [[ -n "$upload_id" ]]; then
        curl -sf -X DELETE --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" \
          -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
          "$endpoint/warm-up/object?uploadId=$(/usr/bin/python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$upload_id")" \
          >/dev/null 2>&1 || true
      fi
      echo "export AMP_TEST_S3_ENDPOINT=$endpoint AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=us-east-1"
      return 0
    fi
    sleep 0.1
  done
  echo "rgw.sh: the RADOS Gateway did not answer within 60 s; logs in $dir/log" >&2
  tail -5 "$dir"/log/*.out >&2 || true
  return 1
}

stop() {
  local dir="$1"
  [[ -d "$dir" ]] || return 0
  local daemon pid
  for daemon in rgw osd mon; do
    if [[ -f "$dir/$daemon.pid" ]]; then
      pid="$(cat "$dir/$daemon.pid")"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  run)
    shift
    [[ "${1:-}" == "--" ]] && shift
    dir="$(mktemp -d /var/tmp/amp_rgw_XXXXXX)"
    trap 'stop "$dir"' EXIT
    eval "$(start "$dir")"
    set +e
    "$@"
    status=$?
    exit $status
    ;;
  *) echo "usage: $0 start DIR | stop DIR | run -- COMMAND..." >&2; exit 2 ;;
esac
