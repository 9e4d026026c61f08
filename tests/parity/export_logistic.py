#!/usr/bin/python3
"""Exports scikit-learn's breast_cancer, iris and wine data and reference logistic regressions for the C++ parity
test of the logistic solver.

Usage: export_logistic.py OUTDIR

For each case writes OUTDIR/<name>.csv (the features, then "target": the class index) and, in OUTDIR/sklearn.json,
the coefficients (on the standardized scale) and intercepts of
Pipeline(SimpleImputer(median), StandardScaler(), LogisticRegression(C, class_weight)) fitted on all rows, solved to
convergence: solver="newton-cholesky" for binary and "newton-cg" for multinomial problems, with a tight tolerance.
Not "lbfgs": scikit-learn cannot pass scipy's L-BFGS-B its ftol, whose default (2.2e-9 relative change of the
objective) stops it with gradients near 1e-4 and coefficients up to 1e-3 (relative) from the optimum, whatever
`tol` says; the "lbfgs" entry of each case records that fit too, for comparison. Multinomial intercepts are shifted
to sum to zero (the softmax does not change; sklearn leaves them summing to zero up to its tolerance).

Exits 3 if scikit-learn is not installed, so the caller can tell that apart from a failure.
"""

import json
import os
import sys
import warnings

try:
    import sklearn
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as error:
    print(f"scikit-learn is not available: {error}", file=sys.stderr)
    sys.exit(3)

from numbered_csv import write_numbered_csv  # noqa: E402  (this folder is sys.path[0])

CASES = [
    {"name": "breast_cancer", "load": load_breast_cancer, "C": 0.5, "class_weight": None},
    {"name": "breast_cancer_balanced", "load": load_breast_cancer, "C": 2.0, "class_weight": "balanced"},
    {"name": "iris", "load": load_iris, "C": 1.0, "class_weight": None},
    {"name": "wine_balanced", "load": load_wine, "C": 0.3, "class_weight": "balanced"},
]


def fit(x, y, case, solver, tol):
    pipeline = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            (
                "model",
                LogisticRegression(
                    C=case["C"], class_weight=case["class_weight"], solver=solver, tol=tol, max_iter=1000
                ),
            ),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs stopping at its ftol warns about convergence
        pipeline.fit(x, y)
    model = pipeline.named_steps["model"]
    intercepts = [float(value) for value in model.intercept_]
    if len(intercepts) > 1:
        mean = sum(intercepts) / len(intercepts)
        intercepts = [value - mean for value in intercepts]
    return {
        "solver": solver,
        # repr() of a Python float reads back to the same double.
        "coef": [[float(value) for value in row] for row in model.coef_],
        "intercept": intercepts,
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    result = {"sklearn_version": sklearn.__version__, "cases": []}
    for case in CASES:
        data = case["load"]()
        x, y = data.data, data.target
        write_numbered_csv(os.path.join(out_dir, case["name"] + ".csv"), x, y)
        binary = len(set(y)) == 2
        converged = fit(x, y, case, "newton-cholesky" if binary else "newton-cg", 1e-10 if binary else 1e-8)
        lbfgs = fit(x, y, case, "lbfgs", 1e-12)
        result["cases"].append(
            dict(
                name=case["name"],
                C=case["C"],
                balanced=case["class_weight"] == "balanced",
                features=int(x.shape[1]),
                classes=2 if binary else len(set(y)),
                rows=int(x.shape[0]),
                lbfgs=lbfgs,
                **converged,
            )
        )
    with open(os.path.join(out_dir, "sklearn.json"), "w") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
