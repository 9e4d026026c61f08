#!/usr/bin/python3
"""Training accuracy benchmark: AMP against scikit-learn and XGBoost on the same split of real data.

Usage: bench/train_accuracy.py --amp build/release/amp [--seed 42]

Datasets: scikit-learn's bundled breast_cancer (binary), iris and wine (multiclass) and diabetes (regression), and
palmerpenguins' penguins.csv (species from measurements, island and sex; missing values) when r-cran-palmerpenguins
is installed (scripts/install-deps.sh --bench). Each is split once in Python (seeded, stratified for
classification, 80/20). The training part is uploaded to a fresh `amp serve` and trained with holdout_fraction 0;
the test part is scored through AMP's v1 predict API. The reference side fits scikit-learn's
Pipeline(SimpleImputer(median), StandardScaler(), LogisticRegression / LinearRegression) and XGBoost's
XGBClassifier / XGBRegressor(tree_method="hist", n_jobs=1) (categorical columns one-hot encoded, numbers
median-imputed) on the same rows; for the random forests XGBoost's XGBRFClassifier / XGBRFRegressor with AMP's
forest defaults (the matching model) and scikit-learn's RandomForest* (for context); for the lasso (diabetes)
scikit-learn's Lasso(alpha); for k-means (k = the number of classes, 3 for diabetes; the target is left out)
scikit-learn's KMeans(n_init=10) on the same standardized, one-hot features, scored by the test part's inertia.
Both sides' test metrics are computed here from the predictions, so they are comparable; AMP's training time is the
job's fit_seconds metric (preprocessing and fit, without loading the CSV), the reference's the fit's wall time.
"""

import argparse
import csv
import io
import math
import os
import sys
import tempfile
import time

import numpy
import requests
import xgboost
from sklearn import datasets, metrics
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from amp_client import AmpClient  # noqa: E402
from many_models import start as start_server, stop as stop_server  # noqa: E402  (bench/ is sys.path[0])

PENGUINS = "/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv"
XGB_PARAMS = {"n_estimators": 100, "max_depth": 6, "learning_rate": 0.3}
LASSO_ALPHA = 0.5


def sklearn_dataset(loader, target_names=True):
    data = loader()
    columns = [str(name).replace(" ", "_") for name in data.feature_names]
    rows = [list(map(float, row)) for row in data.data]
    target = [str(data.target_names[t]) if target_names else float(t) for t in data.target]
    return columns, ["numeric"] * len(columns), rows, target


def penguins_dataset():
    with open(PENGUINS) as source:
        records = [row for row in csv.DictReader(source) if row["species"] not in ("", "NA")]
    columns = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"]
    kinds = ["categorical", "numeric", "numeric", "numeric", "numeric", "categorical", "numeric"]
    rows = []
    for record in records:
        row = []
        for name, kind in zip(columns, kinds):
            value = record[name]
            missing = value in ("", "NA")
            row.append(None if missing else (value if kind == "categorical" else float(value)))
        rows.append(row)
    return columns, kinds, rows, [record["species"] for record in records]


def to_csv(columns, rows, target_name, target):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns + [target_name])
    for row, label in zip(rows, target):
        writer.writerow(["" if value is None else (repr(value) if isinstance(value, float) else value)
                         for value in row] + [repr(label) if isinstance(label, float) else label])
    return out.getvalue().encode()


def reference_preprocessing(kinds, scale):
    numeric = [idx for idx, kind in enumerate(kinds) if kind == "numeric"]
    categorical = [idx for idx, kind in enumerate(kinds) if kind == "categorical"]
    number_steps = [("impute", SimpleImputer(strategy="median"))] + ([("scale", StandardScaler())] if scale else [])
    return ColumnTransformer([
        ("numbers", Pipeline(number_steps), numeric),
        ("categories", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                 ("onehot", OneHotEncoder(handle_unknown="ignore"))]), categorical),
    ])


def as_matrix(rows):
    return numpy.array([[numpy.nan if value is None else value for value in row] for row in rows], dtype=object)


def scores(classification, actual, predicted, probabilities=None, classes=None):
    if not classification:
        return {"rmse": math.sqrt(metrics.mean_squared_error(actual, predicted)),
                "r2": metrics.r2_score(actual, predicted)}
    result = {"accuracy": metrics.accuracy_score(actual, predicted),
              "f1_macro": metrics.f1_score(actual, predicted, average="macro"),
              "log_loss": metrics.log_loss(actual, probabilities, labels=classes)}
    if len(classes) == 2:
        result["roc_auc"] = metrics.roc_auc_score([classes.index(a) for a in actual], probabilities[:, 1])
    else:
        result["roc_auc"] = metrics.roc_auc_score(actual, probabilities, multi_class="ovr", labels=classes)
    return result


def run_amp(client, name, columns, rows_train, y_train, rows_test, target_name, algorithm, params):
    dataset = client.upload_dataset(to_csv(columns, rows_train, target_name, y_train), name)
    job = client.train(name, dataset["id"], None if algorithm == "kmeans" else target_name, algorithm=algorithm,
                       features=columns, params=dict(params, holdout_fraction=0))
    job = client.wait_for_job(job["job_id"], timeout=600)
    version = client._request("GET", f"/v1/models/{name}/versions/{job['result']['version']}")
    body = {"rows": [{column: value for column, value in zip(columns, row)} for row in rows_test]}
    response = requests.post(f"{client.base_url}/v1/models/{name}/predict", json=body, timeout=120,
                             headers={"Authorization": f"Bearer {client.api_key}"})
    if response.status_code != 200:
        raise RuntimeError(f"{name}: predict answered {response.status_code}: {response.text[:300]}")
    return version["metrics"]["fit_seconds"], response.json()


# The primary metric of each kind of model, and whether higher is better.
PRIMARY = {"classification": ("accuracy", True), "regression": ("rmse", False), "clustering": ("inertia", False)}


def relative_difference(kind, amp_scores, reference_scores):
    """AMP's primary metric relative to the reference's, signed so that positive means AMP is better."""
    name, higher_is_better = PRIMARY[kind]
    amp, reference = amp_scores[name], reference_scores[name]
    change = (amp - reference) / abs(reference) if reference else 0.0
    return change if higher_is_better else -change


def families(classification, classes, seed):
    """(label, AMP algorithm, AMP params, kind) of every AMP algorithm that fits the dataset."""
    task = "classification" if classification else "regression"
    result = [
        ("linear", "logistic_regression" if classification else "linear_regression", {}, task),
        ("xgboost", "xgboost_classifier" if classification else "xgboost_regressor", dict(XGB_PARAMS, seed=seed),
         task),
        ("forest", "random_forest_classifier" if classification else "random_forest_regressor", {"seed": seed},
         task),
    ]
    if not classification:
        result.append(("lasso", "linear_regression", {"alpha": LASSO_ALPHA, "l1_ratio": 1.0}, task))
    result.append(("kmeans", "kmeans", {"k": len(classes) if classification else 3, "seed": seed}, "clustering"))
    return result


def references(family, kind, classification, kinds, params, width, seed):
    """[(name, model pipeline)] of the reference models for an AMP family; the first is the bar's match."""
    if family == "linear":
        estimator = LogisticRegression(max_iter=1000) if classification else LinearRegression()
        return [("sklearn", Pipeline([("prep", reference_preprocessing(kinds, True)), ("model", estimator)]))]
    if family == "lasso":
        return [("sklearn", Pipeline([("prep", reference_preprocessing(kinds, True)),
                                      ("model", Lasso(alpha=params["alpha"]))]))]
    if family == "xgboost":
        estimator = (xgboost.XGBClassifier if classification else xgboost.XGBRegressor)(
            tree_method="hist", n_jobs=1, random_state=seed, **XGB_PARAMS)
        return [("xgboost", Pipeline([("prep", reference_preprocessing(kinds, False)), ("model", estimator)]))]
    if family == "forest":
        # AMP's defaults (train_plan.h): 100 trees, depth 16, 63.2% of the rows per tree, sqrt(columns) per split
        # for a classifier (all for a regressor), reg_lambda 1e-5; the same through XGBoost's own RF estimators.
        tried = max(1, int(math.floor(math.sqrt(width))))
        colsample = min(1.0, (tried + 0.25) / width) if classification else 1.0
        rf_params = dict(n_estimators=100, max_depth=16, subsample=0.632, colsample_bynode=colsample,
                         reg_lambda=1e-5, min_child_weight=1, tree_method="hist", n_jobs=1, random_state=seed)
        xgb_rf = (xgboost.XGBRFClassifier if classification else xgboost.XGBRFRegressor)(**rf_params)
        sk_rf = (RandomForestClassifier if classification else RandomForestRegressor)(
            n_estimators=100, random_state=seed, n_jobs=1)
        return [("xgb-rf", Pipeline([("prep", reference_preprocessing(kinds, False)), ("model", xgb_rf)])),
                ("sklearn", Pipeline([("prep", reference_preprocessing(kinds, False)), ("model", sk_rf)]))]
    return [("sklearn", Pipeline([("prep", reference_preprocessing(kinds, True)),
                                  ("model", KMeans(n_clusters=params["k"], n_init=10, random_state=seed))]))]


def encoded_width(kinds, rows_train):
    return reference_preprocessing(kinds, False).fit_transform(as_matrix(rows_train)).shape[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amp", required=True)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    cases = [
        ("breast_cancer", "diagnosis", True, sklearn_dataset(datasets.load_breast_cancer)),
        ("iris", "species", True, sklearn_dataset(datasets.load_iris)),
        ("wine", "cultivar", True, sklearn_dataset(datasets.load_wine)),
        ("diabetes", "progression", False, sklearn_dataset(datasets.load_diabetes, target_names=False)),
    ]
    if os.path.exists(PENGUINS):
        cases.append(("penguins", "species", True, penguins_dataset()))
    else:
        print(f"(skipping penguins: {PENGUINS} not found; scripts/install-deps.sh --bench installs it)")

    data_dir = tempfile.mkdtemp(prefix="amp_bench_train_")
    proc, url = start_server(args.amp, data_dir, [])
    key_file = os.path.join(data_dir, "admin.key")  # written by the server on first start
    client = AmpClient(url, api_key=open(key_file).read().strip(), timeout=120)
    print(f"{'dataset':<14} {'model':<25} {'side':<8} {'train s':>8} {'vs AMP':>8}  metrics (test part)")
    worst = []
    try:
        for name, target_name, classification, (columns, kinds, rows, target) in cases:
            rows_train, rows_test, y_train, y_test = train_test_split(
                rows, target, test_size=0.2, random_state=args.seed, stratify=target if classification else None)
            classes = sorted(set(target)) if classification else None
            width = encoded_width(kinds, rows_train)
            x_train, x_test = as_matrix(rows_train), as_matrix(rows_test)
            for family, algorithm, params, kind in families(classification, classes, args.seed):
                label = algorithm + ("" if family not in ("lasso",) else "(alpha)")
                seconds, answer = run_amp(client, f"{name}-{family}", columns, rows_train, y_train, rows_test,
                                          target_name, algorithm, params)
                if kind == "clustering":
                    distances = numpy.array(answer["distances"])
                    amp_scores = {"inertia": float((distances.min(axis=1) ** 2).sum())}
                elif classification:
                    probabilities = numpy.array([[row[c] for c in classes] for row in answer["probabilities"]])
                    amp_scores = scores(True, y_test, answer["predictions"], probabilities, classes)
                else:
                    amp_scores = scores(False, y_test, answer["predictions"])
                shown = "  ".join(f"{key} {value:.4f}" for key, value in amp_scores.items())
                print(f"{name:<14} {label:<25} {'AMP':<8} {seconds:>8.3f} {'':>8}  {shown}")
                for position, (reference, model) in enumerate(references(family, kind, classification, kinds, params,
                                                                         width, args.seed)):
                    fit_y = ([classes.index(y) for y in y_train] if classification and family in ("xgboost", "forest")
                             else y_train)
                    started = time.perf_counter()
                    if kind == "clustering":
                        model.fit(x_train)
                    else:
                        model.fit(x_train, fit_y)
                    reference_seconds = time.perf_counter() - started
                    if kind == "clustering":
                        reference_scores = {"inertia": float(-model.score(x_test))}
                    elif classification:
                        probabilities = model.predict_proba(x_test)
                        predicted = [classes[idx] for idx in probabilities.argmax(axis=1)]
                        reference_scores = scores(True, y_test, predicted, probabilities, classes)
                    else:
                        reference_scores = scores(False, y_test, model.predict(x_test))
                    difference = relative_difference(kind, amp_scores, reference_scores)
                    if position == 0:
                        worst.append((difference, name, algorithm, reference))
                    shown = "  ".join(f"{key} {value:.4f}" for key, value in reference_scores.items())
                    print(f"{name:<14} {label:<25} {reference:<8} {reference_seconds:>8.3f} {difference:>+8.2%}  "
                          f"{shown}")
    finally:
        client.close()
        stop_server(proc)
    primary = ", ".join(f"{kind}: {metric}" for kind, (metric, _) in PRIMARY.items())
    print(f"\n'vs AMP': AMP's primary metric ({primary}) relative to that reference, positive = AMP better.")
    misses = [entry for entry in worst if entry[0] < -0.02]
    print("Bar (within 2% of the matching reference, the first listed, or better): " +
          ("met by every model" if not misses else
           "missed by " + ", ".join(f"{n} {a} ({d:+.2%} vs {r})" for d, n, a, r in misses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
