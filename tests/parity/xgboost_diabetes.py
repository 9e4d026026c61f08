#!/usr/bin/python3
"""Trains Debian's python3-xgboost on the diabetes data, for the C++ parity test of the xgboost_regressor model.

Usage: xgboost_diabetes.py OUTDIR

The data is sklearn.datasets.load_diabetes(scaled=False) with "sex" as a categorical feature ("sex_1", "sex_2")
and about 4% of the cells (target excluded) blanked out. Rows are split by index: row % 5 == 0 is the test part,
row % 5 == 1 the validation fold used for early stopping, the rest trains. The features are encoded as AMP's
pipeline encodes them for trees, fitted on the training and validation rows: median imputation (numpy's median),
no scaling, most-frequent imputation (ties to the smallest category) and one-hot in sorted category order, in
feature order.

Writes into OUTDIR:
  diabetes.csv   the data with missing cells empty
  xgboost.json   per case: its parameters, and the predictions of xgboost.XGBRegressor(tree_method="hist",
                 n_jobs=1, random_state=seed, ...) fitted on the training rows (with eval_set the validation fold
                 when early_stopping_rounds is set) for every row of the CSV, as float32 widened to double

Exits 3 if xgboost or scikit-learn is not installed, so the caller can tell that apart from a failure.
"""

import csv
import json
import os
import sys

try:
    import numpy
    import xgboost
    from sklearn.datasets import load_diabetes
except ImportError as error:
    print(f"xgboost or scikit-learn is not available: {error}", file=sys.stderr)
    sys.exit(3)

from xgboost_fit import fit_xgboost  # noqa: E402  (this folder is sys.path[0])

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
CATEGORICAL = "sex"
CASES = [
    {"name": "defaults", "seed": 42, "params": {}},
    {
        "name": "tuned with early stopping",
        "seed": 7,
        "params": {
            "n_estimators": 300,
            "max_depth": 4,
            "learning_rate": 0.1,
            "subsample": 0.8,
            "colsample_bytree": 0.7,
            "min_child_weight": 3.0,
            "reg_lambda": 2.0,
            "early_stopping_rounds": 10,
        },
    },
    {
        # Random-forest mode, as AMP's random_forest_regressor trains it: one round of parallel trees.
        "name": "random forest",
        "seed": 3,
        "params": {
            "n_estimators": 1,
            "num_parallel_tree": 20,
            "learning_rate": 1.0,
            "max_depth": 8,
            "subsample": 0.632,
            "colsample_bynode": 0.5,
            "reg_lambda": 1e-5,
        },
    },
]


def is_missing(row_idx, column_idx):
    return (row_idx * 7 + column_idx * 3) % 23 == 0


def encode(columns, fit_rows):
    """The encoded matrix (rows x encoded columns) of `columns` (per feature: a list of values, None = missing)."""
    encoded = []
    for name, values in zip(FEATURES, columns):
        if name == CATEGORICAL:
            present = [values[row] for row in fit_rows if values[row] is not None]
            categories = sorted(set(present))
            counts = {category: present.count(category) for category in categories}
            impute = max(categories, key=lambda category: (counts[category], -categories.index(category)))
            for category in categories:
                encoded.append([1.0 if (impute if value is None else value) == category else 0.0 for value in values])
        else:
            median = float(numpy.median([values[row] for row in fit_rows if values[row] is not None]))
            encoded.append([median if value is None else value for value in values])
    return numpy.array(encoded, dtype=numpy.float64).T


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)

    data = load_diabetes(scaled=False)
    if list(data.feature_names) != FEATURES:
        print(f"unexpected feature names {data.feature_names}", file=sys.stderr)
        return 1
    rows = data.data.shape[0]
    columns = []
    for column_idx, name in enumerate(FEATURES):
        values = []
        for row_idx in range(rows):
            value = float(data.data[row_idx, column_idx])
            if name == CATEGORICAL:
                value = f"sex_{int(value)}"
            values.append(None if is_missing(row_idx, column_idx) else value)
        columns.append(values)
    target = [float(value) for value in data.target]

    with open(os.path.join(out_dir, "diabetes.csv"), "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FEATURES + ["target"])
        for row_idx in range(rows):
            cells = []
            for values in columns:
                value = values[row_idx]
                cells.append("" if value is None else value if isinstance(value, str) else repr(value))
            writer.writerow(cells + [repr(target[row_idx])])

    train_rows = [row for row in range(rows) if row % 5 >= 2]
    validation_rows = [row for row in range(rows) if row % 5 == 1]
    x = encode(columns, sorted(train_rows + validation_rows))
    y = numpy.array(target)

    results = []
    for case in CASES:
        model, best_iteration = fit_xgboost(xgboost.XGBRegressor, case, x, y, train_rows, validation_rows)
        predictions = model.predict(x)
        results.append({
            "name": case["name"],
            "seed": case["seed"],
            "params": case["params"],
            "best_iteration": best_iteration,
            # float32 -> Python float is exact, and repr() reads back to the same double.
            "predictions": [float(value) for value in predictions],
        })

    with open(os.path.join(out_dir, "xgboost.json"), "w") as out:
        json.dump({"xgboost_version": xgboost.__version__, "rows": rows, "cases": results}, out)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
