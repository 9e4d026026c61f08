#!/usr/bin/python3
"""Exports scikit-learn's diabetes data and Lasso / ElasticNet reference fits for the C++ parity test.

Usage: elastic_net_diabetes.py OUTDIR

Writes into OUTDIR:
  diabetes.csv  the data as loaded by sklearn.datasets.load_diabetes(scaled=False), with a "target" column
  sklearn.json  {"rows": n, "fits": [{"alpha", "l1_ratio", "coef", "intercept"}, ...]}: the coefficients (on the
                standardized scale) and intercept of Pipeline(StandardScaler(), ElasticNet(alpha, l1_ratio)) (Lasso
                for l1_ratio 1), fitted on all rows to a tight tolerance (tol=1e-12) so the test compares solutions,
                not stopping points

Exits 3 if scikit-learn is not installed, so the caller can tell that apart from a failure.
"""

import csv
import json
import os
import sys

try:
    import sklearn
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import ElasticNet, Lasso
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as error:
    print(f"scikit-learn is not available: {error}", file=sys.stderr)
    sys.exit(3)

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
# (alpha, l1_ratio): a light and a heavy lasso (some coefficients exactly zero), and two elastic nets.
PENALTIES = [(0.1, 1.0), (2.0, 1.0), (0.5, 0.3), (1.0, 0.7)]


def fit(alpha, l1_ratio, x, y):
    if l1_ratio == 1.0:
        model = Lasso(alpha=alpha, tol=1e-12, max_iter=1000000)
    else:
        model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=1000000)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", model)])
    pipeline.fit(x, y)
    return {
        "alpha": alpha,
        "l1_ratio": l1_ratio,
        "coef": [float(value) for value in model.coef_],
        "intercept": float(model.intercept_),
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    data = load_diabetes(scaled=False)
    x, y = data.data, data.target
    if list(data.feature_names) != FEATURES:
        print(f"unexpected feature names {data.feature_names}", file=sys.stderr)
        return 1
    with open(os.path.join(out_dir, "diabetes.csv"), "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FEATURES + ["target"])
        for row, target in zip(x, y):
            writer.writerow([repr(float(value)) for value in row] + [repr(float(target))])
    result = {
        "sklearn_version": sklearn.__version__,
        "rows": int(x.shape[0]),
        "fits": [fit(alpha, l1_ratio, x, y) for alpha, l1_ratio in PENALTIES],
    }
    with open(os.path.join(out_dir, "sklearn.json"), "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
