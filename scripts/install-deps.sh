#!/usr/bin/env bash
# Installs the Debian packages AMP needs to build, test and benchmark. Idempotent: installs only what is missing.
# Usage: scripts/install-deps.sh [--bench]
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  # libraries (Boost 1.74: Debian's scikit-learn pulls the default Boost headers; 1.81 would conflict)
  libboost-dev libsimdjson-dev rapidjson-dev libeigen3-dev libsqlite3-dev libssl-dev libcli11-dev
  libgtest-dev libgmock-dev libxgboost-dev libcurl4-openssl-dev
  # tests: Debian's python3 with requests, scikit-learn and xgboost (the pyenv python3 on PATH does not see them)
  python3-requests python3-sklearn python3-numpy python3-xgboost
  # tests: the openssl command makes throwaway TLS certificates; Ceph's RADOS Gateway is the real S3 server
  openssl ceph-mon ceph-osd radosgw
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(nginx wrk valgrind python3-fastapi python3-uvicorn r-cran-palmerpenguins)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)
if ! $SUDO apt-get install "${apt_opts[@]}" "${missing[@]}"; then
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=600
  $SUDO apt-get install "${apt_opts[@]}" "${missing[@]}"
fi
