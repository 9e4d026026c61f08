#!/usr/bin/env bash
# Installs the Debian packages AMP needs to build, test and benchmark. Idempotent: installs only what is missing.
# Then installs ONNX Runtime (onnxruntime-node from npm, CPU binaries, pinned by tests/onnx/package-lock.json) into
# tests/onnx/node_modules for the ONNX export test. Usage: scripts/install-deps.sh [--bench]
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev lld pkg-config
  # libraries (Boost 1.74: Debian's scikit-learn pulls the default Boost headers; 1.81 would conflict)
  libboost-dev libsimdjson-dev rapidjson-dev libeigen3-dev libsqlite3-dev libssl-dev libcli11-dev
  libgtest-dev libgmock-dev libxgboost-dev libcurl4-openssl-dev
  # the amp binary's allocator: gperftools' tcmalloc (CMakeLists.txt says why)
  libgoogle-perftools-dev
  # the PostgreSQL metadata store: libpq, and a PostgreSQL 15 server for its tests (tests/services/postgres.sh)
  libpq-dev postgresql-15
  # ONNX export: the generated onnx-ml protobuf classes (libonnx_proto) and protobuf itself
  libonnx-dev libprotobuf-dev
  # tests: Debian's python3 with requests, scikit-learn and xgboost (the pyenv python3 on PATH does not see them)
  python3-requests python3-sklearn python3-numpy python3-xgboost
  # tests: onnx.checker for exported models; node runs ONNX Runtime (tests/onnx/run_onnx.js)
  python3-onnx nodejs
  # tests: the web console's end-to-end test drives Debian's chromium headless (tests/web/, playwright-core from npm)
  chromium chromium-driver
  # tests: ONNX's node tests (6 MB), run by AMP's ONNX executor for the operators it supports
  libonnx-testdata
  # tests: the openssl command makes throwaway TLS certificates; Ceph's RADOS Gateway is the real S3 server
  openssl ceph-mon ceph-osd radosgw
  # tests: nginx in front of several replicas under wrk load (tests/e2e/nginx_failover_test.py, tests/services/
  # nginx.sh); python3-yaml parses the Kubernetes manifests (tests/deploy/k8s_lint_test.py)
  nginx wrk python3-yaml
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(valgrind python3-fastapi python3-uvicorn r-cran-palmerpenguins)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# Debian's nodejs does not bundle npm (its own package does); a nodejs from elsewhere usually does.
if ! command -v npm >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed"; then
  missing+=(npm)
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)
  if ! $SUDO apt-get install "${apt_opts[@]}" "${missing[@]}"; then
    $SUDO apt-get update -q -o DPkg::Lock::Timeout=600
    $SUDO apt-get install "${apt_opts[@]}" "${missing[@]}"
  fi
fi

# The web console's toolchain (TypeScript, Vite, Preact, uPlot, Vitest, playwright-core), pinned by
# web/package-lock.json; again when the lock file changed since the last install.
web_dir="$(dirname "$0")/../web"
if [[ ! -f "$web_dir/node_modules/.package-lock.json" || "$web_dir/package-lock.json" -nt "$web_dir/node_modules/.package-lock.json" ]]; then
  echo "install-deps: installing the web console's npm packages into web/node_modules"
  (cd "$web_dir" && npm ci --no-audit --no-fund)
fi

# --ignore-scripts: the package's postinstall would fetch GPU (CUDA) binaries; its tarball already holds the CPU ones.
onnx_dir="$(dirname "$0")/../tests/onnx"
if [[ ! -d "$onnx_dir/node_modules/onnxruntime-node" ]]; then
  echo "install-deps: installing onnxruntime-node into tests/onnx/node_modules"
  (cd "$onnx_dir" && npm ci --ignore-scripts --no-audit --no-fund)
fi
