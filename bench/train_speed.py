#!/usr/bin/python3
"""Training speed benchmark: AMP against scikit-learn and the python xgboost package on one large synthetic table.

Usage: bench/train_speed.py --amp build/release/amp [--rows 1000000] [--cols 20] [--nthread 2]
                             [--algorithms linear_regression,logistic_regression]  (default: all three)

A seeded table of `rows` x `cols` standard-normal features (rounded to 5 decimals, so the CSV that AMP reads and the
numpy array the references fit are the same numbers), a regression target y = X w + noise and a binary label
(y > median). AMP side: the CSV is uploaded to a fresh `amp serve` once, then linear_regression (y),
logistic_regression (label) and xgboost_regressor (y) are trained through the v1 API with holdout_fraction 0; the
time shown is the job's own "fit_seconds" metric: preprocessing (imputation, standardization for the linear
families) plus the fit, without loading the CSV. Reference side, in the same run on the same numbers already in
memory: LinearRegression(), LogisticRegression() (lbfgs, C=1, max_iter=100: its defaults) and
xgboost.XGBRegressor(tree_method="hist", n_jobs=nthread, same parameters); wall time of .fit(). Each side runs
--repeat times, taking turns (AMP, reference, AMP, ...); the table shows each side's best time and their ratio, then
the median of each side and of the ratios of the pairs run back to back, which is steadier than either best on a
shared machine. Quality is printed beside the times (R² or accuracy on the training rows) so a fast wrong answer
would show.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy
import xgboost
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from amp_client import AmpClient  # noqa: E402
from many_models import start as start_server, stop as stop_server  # noqa: E402  (bench/ is sys.path[0])

XGB_PARAMS = {"n_estimators": 100, "max_depth": 6, "learning_rate": 0.3}


def make_table(rows, cols, seed):
    rng = numpy.random.default_rng(seed)
    x = numpy.round(rng.standard_normal((rows, cols)), 5)
    weights = numpy.linspace(-2.0, 2.0, cols)
    y = numpy.round(x @ weights + 0.5 * numpy.sin(3 * x[:, 0]) + rng.standard_normal(rows), 5)
    label = (y > numpy.median(y)).astype(int)
    return x, y, label


def write_csv(path, x, y, label):
    cols = x.shape[1]
    header = ",".join([f"x{c}" for c in range(cols)] + ["y", "label"])
    table = numpy.hstack([x, y[:, None], label[:, None]])
    fmt = ["%.5f"] * (cols + 1) + ["%d"]
    numpy.savetxt(path, table, delimiter=",", header=header, comments="", fmt=fmt)


def timed(fit):
    started = time.perf_counter()
    result = fit()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amp", required=True)
    parser.add_argument("--rows", type=int, default=1000000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--nthread", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--algorithms", default="linear_regression,logistic_regression,xgboost_regressor",
                        help="comma-separated subset of the AMP algorithms to time")
    args = parser.parse_args()

    x, y, label = make_table(args.rows, args.cols, args.seed)
    features = [f"x{c}" for c in range(args.cols)]
    data_dir = tempfile.mkdtemp(prefix="amp_bench_speed_")
    csv_path = os.path.join(data_dir, "table.csv")
    write_csv(csv_path, x, y, label)

    proc, url = start_server(args.amp, data_dir, [])
    client = AmpClient(url, api_key=open(os.path.join(data_dir, "admin.key")).read().strip(), timeout=600)
    results = []
    try:
        with open(csv_path, "rb") as source:
            dataset = client.upload_dataset(source.read(), "speed")
        os.remove(csv_path)
        runs = [
            ("linear_regression", "y", {}, "LinearRegression()",
             lambda: LinearRegression().fit(x, y), lambda model: ("r2", r2_score(y, model.predict(x)))),
            ("logistic_regression", "label", {}, "LogisticRegression(lbfgs)",
             lambda: LogisticRegression().fit(x, label),
             lambda model: ("accuracy", accuracy_score(label, model.predict(x)))),
            ("xgboost_regressor", "y", dict(XGB_PARAMS, nthread=args.nthread), "xgboost.XGBRegressor(hist)",
             lambda: xgboost.XGBRegressor(tree_method="hist", n_jobs=args.nthread, random_state=args.seed,
                                          **XGB_PARAMS).fit(x, y),
             lambda model: ("r2", r2_score(y, model.predict(x)))),
        ]
        wanted = set(args.algorithms.split(","))
        unknown = wanted - {run[0] for run in runs}
        if unknown:
            parser.error(f"unknown --algorithms: {', '.join(sorted(unknown))}")
        for algorithm, target, params, reference_name, reference_fit, reference_quality in runs:
            if algorithm not in wanted:
                continue
            # AMP and the reference take turns, so a change in the machine's speed during the run (other tenants
            # of a shared host) reaches both sides alike.
            amp_times, reference_times = [], []
            model = None
            for attempt in range(args.repeat):
                job = client.train(f"speed-{algorithm}", dataset["id"], target, algorithm=algorithm,
                                   features=features, params=dict(params, holdout_fraction=0, seed=args.seed))
                job = client.wait_for_job(job["job_id"], timeout=3600)
                version = client._request(
                    "GET", f"/v1/models/speed-{algorithm}/versions/{job['result']['version']}")
                amp_times.append(version["metrics"]["fit_seconds"])
                seconds, model = timed(reference_fit)
                reference_times.append(seconds)
            quality_name, quality = reference_quality(model)
            results.append((algorithm, amp_times, reference_name, reference_times, quality_name, quality))
    finally:
        client.close()
        stop_server(proc)

    print(f"{args.rows} x {args.cols} synthetic table, best of {args.repeat}; AMP: the job's fit_seconds "
          f"(v1 API); reference: .fit() wall time; nthread {args.nthread} for XGBoost on both sides")
    print(f"{'AMP algorithm':<22} {'AMP s':>8}  {'reference':<28} {'ref s':>8}  {'AMP/ref':>8}  reference quality")
    for algorithm, amp_times, reference_name, reference_times, quality_name, quality in results:
        print(f"{algorithm:<22} {min(amp_times):>8.3f}  {reference_name:<28} {min(reference_times):>8.3f}  "
              f"{min(amp_times) / min(reference_times):>8.2f}  {quality_name} {quality:.4f}")
    print(f"\nmedians over the {args.repeat} turns; pair ratio: the median of AMP/reference over the turns")
    print(f"{'AMP algorithm':<22} {'AMP s':>8}  {'ref s':>8}  {'AMP/ref':>8}  {'pair ratio':>10}  pair ratios")
    for algorithm, amp_times, _, reference_times, _, _ in results:
        ratios = [amp / reference for amp, reference in zip(amp_times, reference_times)]
        print(f"{algorithm:<22} {statistics.median(amp_times):>8.3f}  {statistics.median(reference_times):>8.3f}  "
              f"{statistics.median(amp_times) / statistics.median(reference_times):>8.2f}  "
              f"{statistics.median(ratios):>10.2f}  " + " ".join(f"{ratio:.2f}" for ratio in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
