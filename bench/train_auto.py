#!/usr/bin/python3
"""Automatic mode benchmark: AMP's `"algorithm": "auto"` against the best of the single reference models.

Usage: bench/train_auto.py --amp build/release/amp [--seed 42] [--seeds 5] [--cpu-budget 2] [--folds k]
       [--repeats r] [--datasets wine,penguins]

Datasets as bench/train_accuracy.py: scikit-learn's breast_cancer, iris, wine (classification) and diabetes
(regression), and penguins (palmerpenguins' CSV when installed, else the copy in tests/e2e/data). Each is split once
in Python (seeded, stratified for classification, 80/20). AMP gets the training part with holdout_fraction 0 and
`algorithm: auto` (5-fold cross-validation, no time budget; --repeats r for repeated cross-validation); its winner, refit on the whole training part, scores
the test part through the v1 predict API. The references fit on the same rows: scikit-learn LinearRegression and
Ridge, or LogisticRegression (lbfgs, C=1); XGBoost with its defaults (hist); scikit-learn RandomForest (100 trees).
Every side's test metrics are computed here by scikit-learn from its predictions. The bar: AMP's primary metric
(log loss for classification, RMSE for regression; lower is better) at most the best reference's.

A 36-114-row test part cannot resolve differences of a few thousandths, so --seeds n repeats everything over the split
seeds seed, seed+1, ..., seed+n-1 (AMP and the references on the same split each time) and adds a summary: each
side's test metric per seed and its mean, how many seeds auto is at most that seed's best reference, and auto's mean
against the best reference's mean. The detailed table above it is the first seed's.
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


def run_case(client, url, admin_key, case, seed, cpu_budget, folds, repeats, verbose):
    """Splits `case` with `seed`, trains auto and the references on the same rows; returns (primary, results,
    leaderboard) with results [(label, seconds, scores)], AMP's first."""
    name, target_name, classification, (columns, kinds, rows, target) = case
    rows_train, rows_test, y_train, y_test = train_test_split(
        rows, target, test_size=0.2, random_state=seed, stratify=target if classification else None)
    classes = sorted(set(target)) if classification else None
    primary = "log_loss" if classification else "rmse"

    model_name = f"{name}-auto-{seed}"
    dataset = client.upload_dataset(to_csv(columns, rows_train, target_name, y_train), model_name)
    job = client.train(model_name, dataset["id"], target_name, algorithm="auto", features=columns,
                       params={"holdout_fraction": 0, "seed": seed}, cpu_budget=cpu_budget,
                       search={key: value for key, value in (("folds", folds), ("repeats", repeats)) if value}
                       or None)
    job = client.wait_for_job(job["job_id"], timeout=1800)
    body = {"rows": [{column: value for column, value in zip(columns, row)} for row in rows_test]}
    answer = requests.post(f"{url}/v1/models/{model_name}/predict", json=body, timeout=120,
                           headers={"Authorization": f"Bearer {admin_key}"}).json()
    if classification:
        probabilities = numpy.array([[row[c] for c in classes] for row in answer["probabilities"]])
        amp_scores = scores(True, y_test, answer["predictions"], probabilities, classes)
    else:
        amp_scores = scores(False, y_test, answer["predictions"])
    # What was published (the one-standard-error rule may publish a simpler model than the leaderboard's first).
    version = requests.get(f"{url}/v1/models/{model_name}/versions/1", timeout=30,
                           headers={"Authorization": f"Bearer {admin_key}"}).json()
    results = [(f"AMP auto -> {version['algorithm']}", job["duration_seconds"], amp_scores)]

    x_train, x_test = as_matrix(rows_train), as_matrix(rows_test)
    for label, estimator, scale in references(classification, seed):
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

    if verbose:
        for label, seconds, result in results:
            shown = "  ".join(f"{key} {value:.4f}" for key, value in result.items())
            print(f"{name:<14} {label:<28} {seconds:>8.3f}  {result[primary]:>9.4f}  {shown}")
        best_reference = min(results[1:], key=lambda result: result[2][primary])
        amp_value, best_value = amp_scores[primary], best_reference[2][primary]
        print(f"{name:<14} bar: AMP auto {primary} {amp_value:.4f} vs best reference ({best_reference[0]}) "
              f"{best_value:.4f}: {'met' if amp_value <= best_value else 'MISSED'}")
        print(f"{name:<14} leaderboard: " + "; ".join(
            f"{entry['rank']}. {entry['algorithm']} {entry['params']} cv {entry['cv_score']:.4f}"
            f"+-{entry['cv_std']:.4f}" for entry in job["leaderboard"]))
    return primary, results, job["leaderboard"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amp", required=True)
    parser.add_argument("--seed", type=int, default=42, help="the split of the detailed single-seed table")
    parser.add_argument("--seeds", type=int, default=1,
                        help="split seeds: --seed, --seed+1, ...; more than 1 adds the multi-seed summary")
    parser.add_argument("--cpu-budget", type=int, default=2)
    parser.add_argument("--folds", type=int, default=0, help="auto's search.folds (0: the server's default)")
    parser.add_argument("--repeats", type=int, default=0,
                        help="auto's search.repeats, repeated cross-validation (0: the server's default)")
    parser.add_argument("--datasets", default="", help="comma-separated subset (default: all)")
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
    if args.datasets:
        wanted = args.datasets.split(",")
        cases = [case for case in cases if case[0] in wanted]
    seeds = [args.seed + offset for offset in range(max(1, args.seeds))]

    data_dir = tempfile.mkdtemp(prefix="amp_bench_auto_")
    proc, url = start_server(args.amp, data_dir, [])
    admin_key = open(os.path.join(data_dir, "admin.key")).read().strip()
    client = AmpClient(url, api_key=admin_key, timeout=120)
    print(f"{'dataset':<14} {'model':<28} {'train s':>8}  {'primary':>9}  metrics (test part)")
    misses = []
    summary = []  # (dataset, primary, {seed: results})
    try:
        for case in cases:
            per_seed = {}
            for seed in seeds:
                primary, results, leaderboard = run_case(client, url, admin_key, case, seed, args.cpu_budget, args.folds,
                                                         args.repeats, verbose=seed == seeds[0])
                per_seed[seed] = results
                if seed != seeds[0]:
                    amp = results[0]
                    best = min(results[1:], key=lambda result: result[2][primary])
                    print(f"{case[0]:<14} seed {seed}: {amp[0]} {primary} {amp[2][primary]:.4f} vs best reference "
                          f"({best[0]}) {best[2][primary]:.4f}; cv: " + "; ".join(
                              f"{entry['algorithm']} {entry['cv_score']:.4f}" for entry in leaderboard[:3]
                              if entry["rank"] <= 3 or entry["algorithm"] == "ensemble"), flush=True)
            first = per_seed[seeds[0]]
            if first[0][2][primary] > min(result[2][primary] for result in first[1:]):
                misses.append(case[0])
            summary.append((case[0], primary, per_seed))
    finally:
        client.close()
        stop_server(proc)
    print(f"seed {seeds[0]}: " + ("bar met on every dataset" if not misses else f"bar missed on: {', '.join(misses)}"))
    if len(seeds) > 1:
        print_multi_seed(summary, seeds)
    return 0


def print_multi_seed(summary, seeds):
    """Per dataset: every side's test primary metric per seed and its mean; how often auto is at most the best
    reference of that seed; and auto's mean against the best reference by mean (the best single reference model)."""
    print(f"\nmulti-seed summary over split seeds {seeds[0]}..{seeds[-1]} (test primary metric, lower is better)")
    for name, primary, per_seed in summary:
        labels = [result[0] if idx else "AMP auto" for idx, result in enumerate(per_seed[seeds[0]])]
        print(f"{name:<14} {'model':<28} " + " ".join(f"{seed:>8}" for seed in seeds) + f"  {'mean':>8}")
        means = []
        for idx, label in enumerate(labels):
            values = [per_seed[seed][idx][2][primary] for seed in seeds]
            means.append(sum(values) / len(values))
            print(f"{name:<14} {label:<28} " + " ".join(f"{value:>8.4f}" for value in values) + f"  {means[-1]:>8.4f}")
        picks = [per_seed[seed][0][0].replace("AMP auto -> ", "") for seed in seeds]
        wins = sum(1 for seed in seeds
                   if per_seed[seed][0][2][primary] <= min(result[2][primary] for result in per_seed[seed][1:]))
        ties = sum(1 for seed in seeds
                   if per_seed[seed][0][2][primary] <= min(result[2][primary] for result in per_seed[seed][1:]) * 1.001)
        best_idx = min(range(1, len(labels)), key=lambda idx: means[idx])
        verdict = "met" if means[0] <= means[best_idx] else "MISSED"
        print(f"{name:<14} auto picked: {', '.join(picks)}")
        print(f"{name:<14} auto <= that seed's best reference on {wins} of {len(seeds)} seeds ({ties} within 0.1%); mean {means[0]:.4f} "
              f"vs best reference by mean ({labels[best_idx]}) {means[best_idx]:.4f}: {verdict}")


if __name__ == "__main__":
    sys.exit(main())
