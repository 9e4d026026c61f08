#!/usr/bin/python3
"""Trains Debian's python3-xgboost classifiers, for the C++ parity test of the xgboost_classifier model.

Usage: xgboost_classification.py OUTDIR

Cases: scikit-learn's breast_cancer (binary:logistic) and iris and wine (multi:softprob), all-numeric features with
no missing value, so AMP's tree pipeline (median imputation, no scaling) leaves them as they are. Rows are split by
index: row % 5 == 0 is the test part, row % 5 == 1 the validation fold used for early stopping, the rest trains.

Writes into OUTDIR:
  <case>.csv       the features f0..fN and "target" (the class index)
  xgboost.json     per case: its parameters and xgboost.XGBClassifier(tree_method="hist", n_jobs=1,
                   random_state=seed, ...).predict_proba for every row of the CSV (row-major, float32 widened to
                   double), after fitting on the training rows (with eval_set the validation fold when
                   early_stopping_rounds is set)

Exits 3 if xgboost or scikit-learn is not installed, so the caller can tell that apart from a failure.
"""

import json
import os
import sys

try:
    import numpy
    import xgboost
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine
except ImportError as error:
    print(f"xgboost or scikit-learn is not available: {error}", file=sys.stderr)
    sys.exit(3)

from numbered_csv import write_numbered_csv  # noqa: E402  (this folder is sys.path[0])
from xgboost_fit import fit_xgboost  # noqa: E402

CASES = [
    {"name": "breast_cancer", "load": load_breast_cancer, "seed": 42, "params": {"n_estimators": 60}},
    {
        "name": "iris",
        "load": load_iris,
        "seed": 7,
        "params": {"n_estimators": 200, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8,
                   "colsample_bytree": 0.8, "early_stopping_rounds": 10},
    },
    {"name": "wine", "load": load_wine, "seed": 3, "params": {"n_estimators": 40, "max_depth": 4, "reg_lambda": 2.0}},
]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    results = []
    for case in CASES:
        data = case["load"]()
        x = data.data.astype(numpy.float64)
        y = data.target
        rows = x.shape[0]
        write_numbered_csv(os.path.join(out_dir, case["name"] + ".csv"), x, y)
        train_rows = [row for row in range(rows) if row % 5 >= 2]
        validation_rows = [row for row in range(rows) if row % 5 == 1]
        model, best_iteration = fit_xgboost(xgboost.XGBClassifier, case, x, y, train_rows, validation_rows)
        probabilities = model.predict_proba(x)
        results.append({
            "name": case["name"],
            "seed": case["seed"],
            "params": case["params"],
            "features": int(x.shape[1]),
            "classes": int(probabilities.shape[1]),
            "rows": rows,
            "best_iteration": best_iteration,
            # float32 -> Python float is exact, and repr() reads back to the same double.
            "probabilities": [float(value) for value in probabilities.reshape(-1)],
        })
    with open(os.path.join(out_dir, "xgboost.json"), "w") as out:
        json.dump({"xgboost_version": xgboost.__version__, "cases": results}, out)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
