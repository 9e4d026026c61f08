#!/usr/bin/python3
"""Automatic mode benchmark: AMP's `"algorithm": "auto"` against the best of the single reference models.

Usage: bench/train_auto.py --amp build/release/amp [--seed 42] [--cpu-budget 2]

Datasets as bench/train_accuracy.py: scikit-learn's breast_cancer, iris, wine (classification) and diabetes
(regression), and penguins (palmerpenguins' CSV when installed, else the copy in tests/e2e/data). Each is split once
in Python (seeded, stratified for classification, 80/20). AMP gets the training part with holdout_fraction 0 and
`algorithm: auto` (5-fold cross-validation, no time budget); its winner, refit on the whole training part, scores
the test part through the v1 predict API. The references fit on the same rows: scikit-learn LinearRegression and
Ridge, or LogisticRegression (lbfgs, C=1); XGBoost with its defaults (hist); scikit-learn RandomForest (100 trees).
Every side's test metrics are computed here by scikit-learn from its predictions. The bar: AMP's primary metric
(log loss for classification, RMSE for regression; lower is better) at most the best reference's.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy
import requests
import xgboost
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

import train_accuracy  # noqa: E402  (bench/ is sys.path[0])
from train_accuracy import (AmpClient, as_matrix, penguins_dataset, reference_preprocessing, scores,
                            sklearn_dataset, start_server, stop_server, to_csv)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PENGUINS_FIXTURE = os.path.join(ROOT, "tests", "e2e", "data", "penguins.csv")


def references(classification, seed):
    """(name, estimator, scale numbers) for every single reference model."""
    if classification:
        return [("sklearn LogisticRegression", LogisticRegression(max_iter=1000), True),
                ("xgboost defaults", xgboost.XGBClassifier(tree_method="hist", n_jobs=1, random_state=seed), False),
                ("sklearn RandomForest", RandomForestClassifier(n_estimators=100, random_state=seed), False)]
    return [("sklearn LinearRegression", LinearRegression(), True),
            ("sklearn Ridge", Ridge(alpha=1.0), True),
            ("xgboost defaults", xgboost.XGBRegressor(tree_method="hist", n_jobs=1, random_state=seed), False),
            ("sklearn RandomForest", RandomForestRegressor(n_estimators=100, random_state=seed), False)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amp", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cpu-budget", type=int, default=2)
    args = parser.parse_args()

    if not os.path.exists(train_accuracy.PENGUINS):
        train_accuracy.PENGUINS = PENGUINS_FIXTURE
    cases = [
        ("breast_cancer", "diagnosis", True, sklearn_dataset(datasets.load_breast_cancer)),
        ("diabetes", "progression", False, sklearn_dataset(datasets.load_diabetes, target_names=False)),
        ("iris", "species", True, sklearn_dataset(datasets.load_iris)),
        ("wine", "cultivar", True, sklearn_dataset(datasets.load_wine)),
        ("penguins", "species", True, penguins_dataset()),
    ]

    data_dir = tempfile.mkdtemp(prefix="amp_bench_auto_")
    proc, url = start_server(args.amp, data_dir, [])
    admin_key = open(os.path.join(data_dir, "admin.key")).read().strip()
    client = AmpClient(url, api_key=admin_key, timeout=120)
    print(f"{'dataset':<14} {'model':<28} {'train s':>8}  {'primary':>9}  metrics (test part)")
    misses = []
    try:
        for name, target_name, classification, (columns, kinds, rows, target) in cases:
            rows_train, rows_test, y_train, y_test = train_test_split(
                rows, target, test_size=0.2, random_state=args.seed, stratify=target if classification else None)
            classes = sorted(set(target)) if classification else None
            primary = "log_loss" if classification else "rmse"

            dataset = client.upload_dataset(to_csv(columns, rows_train, target_name, y_train), f"{name}-auto")
            job = client.train(f"{name}-auto", dataset["id"], target_name, algorithm="auto", features=columns,
                               params={"holdout_fraction": 0, "seed": args.seed}, cpu_budget=args.cpu_budget)
            job = client.wait_for_job(job["job_id"], timeout=1800)
            body = {"rows": [{column: value for column, value in zip(columns, row)} for row in rows_test]}
            answer = requests.post(f"{url}/v1/models/{name}-auto/predict", json=body, timeout=120,
                                   headers={"Authorization": f"Bearer {admin_key}"}).json()
            if classification:
                probabilities = numpy.array([[row[c] for c in classes] for row in answer["probabilities"]])
                amp_scores = scores(True, y_test, answer["predictions"], probabilities, classes)
            else:
                amp_scores = scores(False, y_test, answer["predictions"])
            winner = job["leaderboard"][0]
            results = [(f"AMP auto -> {winner['algorithm']}", job["duration_seconds"], amp_scores)]

            x_train, x_test = as_matrix(rows_train), as_matrix(rows_test)
            for label, estimator, scale in references(classification, args.seed):
                model = Pipeline([("prep", reference_preprocessing(kinds, scale)), ("model", estimator)])
                fit_y = [classes.index(y) for y in y_train] if classification else y_train
                started = time.perf_counter()
                model.fit(x_train, fit_y)
                seconds = time.perf_counter() - started
                if classification:
                    probabilities = model.predict_proba(x_test)
                    predicted = [classes[idx] for idx in probabilities.argmax(axis=1)]
                    results.append((label, seconds, scores(True, y_test, predicted, probabilities, classes)))
                else:
                    results.append((label, seconds, scores(False, y_test, model.predict(x_test))))

            best_reference = min(results[1:], key=lambda result: result[2][primary])
            for label, seconds, result in results:
                shown = "  ".join(f"{key} {value:.4f}" for key, value in result.items())
                print(f"{name:<14} {label:<28} {seconds:>8.3f}  {result[primary]:>9.4f}  {shown}")
            amp_value, best_value = amp_scores[primary], best_reference[2][primary]
            verdict = "met" if amp_value <= best_value else "MISSED"
            if verdict != "met":
                misses.append(name)
            print(f"{name:<14} bar: AMP auto {primary} {amp_value:.4f} vs best reference ({best_reference[0]}) "
                  f"{best_value:.4f}: {verdict}")
            print(f"{name:<14} leaderboard: " + "; ".join(
                f"{entry['rank']}. {entry['algorithm']} {entry['params']} cv {entry['cv_score']:.4f}"
                f"+-{entry['cv_std']:.4f}" for entry in job["leaderboard"]))
    finally:
        client.close()
        stop_server(proc)
    print("bar met on every dataset" if not misses else f"bar missed on: {', '.join(misses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
