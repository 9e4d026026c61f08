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
median-imputed) on the same rows. Both sides' test metrics are computed here by scikit-learn from the predictions,
so they are comparable; AMP's training time is its job's duration, the reference's the fit's wall time.
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
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from amp_client import AmpClient  # noqa: E402
from many_models import start as start_server, stop as stop_server  # noqa: E402  (bench/ is sys.path[0])

PENGUINS = "/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv"
XGB_PARAMS = {"n_estimators": 100, "max_depth": 6, "learning_rate": 0.3}


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
    job = client.train(name, dataset["id"], target_name, algorithm=algorithm, features=columns,
                       params=dict(params, holdout_fraction=0))
    job = client.wait_for_job(job["job_id"], timeout=600)
    body = {"rows": [{column: value for column, value in zip(columns, row)} for row in rows_test]}
    answer = requests.post(f"{client.base_url}/v1/models/{name}/predict", json=body, timeout=120).json()
    return job["duration_seconds"], answer


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
    print(f"{'dataset':<14} {'model':<22} {'side':<8} {'train s':>8}  metrics (test part)")
    try:
        for name, target_name, classification, (columns, kinds, rows, target) in cases:
            rows_train, rows_test, y_train, y_test = train_test_split(
                rows, target, test_size=0.2, random_state=args.seed, stratify=target if classification else None)
            classes = sorted(set(target)) if classification else None
            families = [("linear", "logistic_regression" if classification else "linear_regression", {}),
                        ("xgboost", "xgboost_classifier" if classification else "xgboost_regressor",
                         dict(XGB_PARAMS, seed=args.seed))]
            for family, algorithm, params in families:
                seconds, answer = run_amp(client, f"{name}-{family}", columns, rows_train, y_train, rows_test,
                                          target_name, algorithm, params)
                if classification:
                    probabilities = numpy.array([[row[c] for c in classes] for row in answer["probabilities"]])
                    amp_scores = scores(True, y_test, answer["predictions"], probabilities, classes)
                else:
                    amp_scores = scores(False, y_test, answer["predictions"])

                x_train, x_test = as_matrix(rows_train), as_matrix(rows_test)
                if family == "linear":
                    estimator = LogisticRegression(max_iter=1000) if classification else LinearRegression()
                    model = Pipeline([("prep", reference_preprocessing(kinds, True)), ("model", estimator)])
                    fit_y = y_train
                else:
                    xgb_params = dict(XGB_PARAMS)
                    estimator = (xgboost.XGBClassifier if classification else xgboost.XGBRegressor)(
                        tree_method="hist", n_jobs=1, random_state=args.seed, **xgb_params)
                    model = Pipeline([("prep", reference_preprocessing(kinds, False)), ("model", estimator)])
                    fit_y = [classes.index(y) for y in y_train] if classification else y_train
                started = time.perf_counter()
                model.fit(x_train, fit_y)
                reference_seconds = time.perf_counter() - started
                if classification:
                    probabilities = model.predict_proba(x_test)
                    predicted = [classes[idx] for idx in probabilities.argmax(axis=1)]
                    reference_scores = scores(True, y_test, predicted, probabilities, classes)
                else:
                    reference_scores = scores(False, y_test, model.predict(x_test))
                reference = "sklearn" if family == "linear" else "xgboost"
                for side, secs, result in (("AMP", seconds, amp_scores), (reference, reference_seconds,
                                                                         reference_scores)):
                    shown = "  ".join(f"{key} {value:.4f}" for key, value in result.items())
                    print(f"{name:<14} {algorithm:<22} {side:<8} {secs:>8.3f}  {shown}")
    finally:
        client.close()
        stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
