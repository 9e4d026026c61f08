#!/usr/bin/env bash
# Prediction benchmark: AMP vs nginx side by side (see predict.py). Usage: bench/predict.sh [path/to/amp] [args]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
amp="${1:-$here/../build/release/amp}"
shift || true
exec /usr/bin/python3 "$here/predict.py" --amp "$amp" "$@"
