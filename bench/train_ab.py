#!/usr/bin/python3
"""Two builds of AMP on the same training work: per-job time, page faults and CPU, side by side.

Usage: bench/train_ab.py --amp A,B [--turns 8] [--algorithm logistic_regression] [--rows 1000000] [--search]

For changes whose effect is the server process's own cost (an allocator, a copy, a page fault), which the
competitor comparisons (train_speed.py) show only through noisy wall times. On bench/train_speed.py's synthetic
table, one `amp serve` per binary, each with the CSV uploaded and parsed once (a first job, not counted):

- default: `--turns` rounds; in each, every server trains `--algorithm` once (holdout_fraction 0) and then
  scikit-learn's LogisticRegression fits the same rows in this process, as in train_speed.py, so the machine's
  memory is churned between jobs as it is there. Prints per binary the first job and the medians of the rest:
  the job's fit_seconds, the server's minor page faults and user/system CPU seconds during the job.
- --search: after 12 s idle (past the worker's memory release), one grid-search job per server (logistic
  regression, C in {0.1, 1, 10}, 3 folds, holdout 0.2): its wall time, faults and CPU.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from amp_client import AmpClient  # noqa: E402
from many_models import start as start_server, stop as stop_server  # noqa: E402  (bench/ is sys.path[0])
import train_speed  # noqa: E402


def process_counters(pid):
    """(minor faults, user s, system s) of a process, from /proc/<pid>/stat."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[7]), int(fields[11]) / tick, int(fields[12]) / tick


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amp", required=True, help="two (or more) amp binaries, comma-separated")
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1000000)
    parser.add_argument("--algorithm", default="logistic_regression")
    parser.add_argument("--search", action="store_true")
    args = parser.parse_args()

    x, y, label = train_speed.make_table(args.rows, 20, 42)
    work = tempfile.mkdtemp(prefix="amp_bench_ab_")
    csv_path = os.path.join(work, "table.csv")
    train_speed.write_csv(csv_path, x, y, label)
    with open(csv_path, "rb") as source:
        data = source.read()
    features = [f"x{col}" for col in range(20)]
    target = "label" if args.algorithm == "logistic_regression" else "y"
    params = dict(train_speed.XGB_PARAMS, nthread=2) if "xgboost" in args.algorithm else {}

    servers = []
    try:
        for binary in args.amp.split(","):
            data_dir = tempfile.mkdtemp(prefix="amp_bench_ab_", dir=work)
            proc, url = start_server(binary, data_dir, [])
            client = AmpClient(url, api_key=open(os.path.join(data_dir, "admin.key")).read().strip(), timeout=3600)
            dataset = client.upload_dataset(data, "ab")["id"]
            servers.append({"name": binary, "proc": proc, "client": client, "dataset": dataset, "jobs": []})

        def run(server, search=None, job_params=None):
            before = process_counters(server["proc"].pid)
            started = time.perf_counter()
            job = server["client"].train("ab", server["dataset"], target, algorithm=args.algorithm, features=features,
                                         params=job_params or dict(params, holdout_fraction=0, seed=42),
                                         search=search)
            job = server["client"].wait_for_job(job["job_id"], timeout=3600)
            wall = time.perf_counter() - started
            if job["state"] != "succeeded":
                raise RuntimeError(f"{server['name']}: job {job['id']} {job['state']}: {job.get('error')}")
            after = process_counters(server["proc"].pid)
            version = server["client"]._request("GET", f"/v1/models/ab/versions/{job['result']['version']}")
            return (version["metrics"]["fit_seconds"], wall, after[0] - before[0], after[1] - before[1],
                    after[2] - before[2])

        if args.search:
            for server in servers:
                run(server)  # parses and caches the table
            time.sleep(12)
            print("grid-search job (logistic regression, C in {0.1, 1, 10}, 3 folds, holdout 0.2), after 12 s idle")
            for server in servers:
                _, wall, faults, user, system = run(
                    server, search={"method": "grid", "folds": 3, "space": {"C": [0.1, 1, 10]}},
                    job_params={"holdout_fraction": 0.2, "seed": 42})
                print(f"{server['name']}: wall {wall:.2f} s, minor faults {faults}, user {user:.2f} s, "
                      f"system {system:.2f} s")
            return 0

        for turn in range(args.turns):
            for server in servers:
                server["jobs"].append(run(server))
            LogisticRegression().fit(x, label)
        print(f"{args.algorithm}, {args.rows} x 20, {args.turns} turns (each: every server one job, then "
              "scikit-learn's LogisticRegression in this process)")
        for server in servers:
            first, rest = server["jobs"][0], server["jobs"][1:]
            medians = [statistics.median(job[field] for job in rest) for field in range(5)]
            print(f"{server['name']}: first job fit {first[0]:.3f} s ({first[2]} faults); medians of the rest: "
                  f"fit {medians[0]:.3f} s, minor faults {medians[2]:.0f}, user {medians[3]:.2f} s, "
                  f"system {medians[4]:.2f} s")
    finally:
        for server in servers:
            server["client"].close()
            stop_server(server["proc"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
