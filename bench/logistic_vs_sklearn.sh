#!/usr/bin/env bash
# Logistic regression training time, AMP's solver against scikit-learn's LogisticRegression (lbfgs, its defaults:
# C=1, tol=1e-4, max_iter=100) on the same synthetic table (see bench/logistic.cc), one after the other.
# Usage: bench/logistic_vs_sklearn.sh BUILD_DIR [rows] [cols] [classes]   (BUILD_DIR: a configured build folder)
set -euo pipefail
build=${1:?usage: bench/logistic_vs_sklearn.sh BUILD_DIR [rows] [cols] [classes]}
rows=${2:-1000000}
cols=${3:-20}
classes=${4:-2}
ninja -C "$build" amp_logistic_bench >/dev/null
"$build/amp_logistic_bench" "$rows" "$cols" "$classes"
/usr/bin/python3 - "$rows" "$cols" "$classes" <<'PY'
import sys, time
import numpy
from sklearn.linear_model import LogisticRegression
rows, cols, classes = (int(arg) for arg in sys.argv[1:])
r = numpy.arange(rows, dtype=numpy.float64)[:, None]
feature = lambda c: numpy.sin(0.001 * r * (c + 1) + c)  # bench/logistic.cc's Feature
x = numpy.hstack([feature(c) for c in range(cols)])
weights = numpy.array([1.0 if c % 3 == 0 else -0.5 for c in range(cols)])
score = x @ weights + 0.5 * feature(cols + 7)[:, 0]
y = (score > 0).astype(int) if classes == 2 else numpy.fmod(numpy.abs(score) * 3.0, classes).astype(int)
start = time.perf_counter()
model = LogisticRegression().fit(x, y)
seconds = time.perf_counter() - start
print(f"scikit-learn LogisticRegression(lbfgs): {rows} x {cols}, {classes} classes: {seconds:.3f} s, "
      f"{int(model.n_iter_[0])} iterations, w0 {model.coef_[0][0]:.6f}")
PY
