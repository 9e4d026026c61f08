#!/usr/bin/python3
"""Exports scikit-learn's diabetes data and reference fits for the C++ parity test.

Usage: export_diabetes.py OUTDIR

Writes into OUTDIR:
  diabetes.csv  the data as loaded by sklearn.datasets.load_diabetes(scaled=False), with a "target" column
  sklearn.json  coefficients (on the standardized scale) and intercepts of
                Pipeline(SimpleImputer(median), StandardScaler(), LinearRegression()) and of the same pipeline
                ending in Ridge(alpha=10.0), both fitted on all rows

Exits 3 if scikit-learn is not installed, so the caller can tell that apart from a failure.
"""

import csv
import json
import os
import sys

try:
    import sklearn
    from sklearn.datasets import load_diabetes
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as error:
    print(f"scikit-learn is not available: {error}", file=sys.stderr)
    sys.exit(3)

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
RIDGE_ALPHA = 10.0


def fit(estimator, x, y):
    pipeline = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", estimator),
        ]
    )
    pipeline.fit(x, y)
    model = pipeline.named_steps["model"]
    return {
        # repr() of a Python float reads back to the same double.
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
    x = data.data
    y = data.target
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
        "features": FEATURES,
        "rows": int(x.shape[0]),
        "linear_regression": fit(LinearRegression(), x, y),
        "ridge": dict(alpha=RIDGE_ALPHA, **fit(Ridge(alpha=RIDGE_ALPHA), x, y)),
    }
    with open(os.path.join(out_dir, "sklearn.json"), "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
