#!/usr/bin/python3
"""Prediction throughput through nginx with 1, 2 and 3 `amp serve` replicas sharing one data folder.

Starts three replicas on one shared data folder (SQLite in WAL mode + local artifacts; the first trains the demo
model), nginx from deploy/nginx-loopback.conf.template (deploy/nginx.conf's upstream settings and routes, via
tests/services/nginx.sh) and drives, with wrk and the seed client's payload (bench/seed_payload.lua, as
bench/predict.py does), four contenders in alternating order for several rounds:
  direct    wrk -> replica 1 (no nginx): the baseline that shows nginx's own cost
  nginx-1   wrk -> nginx -> replica 1
  nginx-2   wrk -> nginx -> replicas 1-2
  nginx-3   wrk -> nginx -> replicas 1-3
nginx is reloaded gracefully between contenders with the upstream list each needs. Prints req/s, p50/p99, requests
per CPU-second of the servers (replicas + nginx), CPU microseconds per request spent in the replicas and in nginx
(what extrapolates to other machines), the medians, and the ratios to nginx-1 and to direct.
nginx's access log is off unless --access-log (at these rates it writes ~1 GB per minute).
With --trees, a 100-tree depth-6 XGBoost regressor (bench/predict.py's, 20,000 rows uploaded and trained through
nginx) is served instead of the linear demo model: a prediction that costs the replica more while the proxying
costs the same.

Usage: bench/replicas.py --amp build/release/amp [--rounds 3] [--duration 10] [--threads 2] [--connections 64]
                         [--trees]
"""

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from predict import cpu_seconds, run_wrk, train_tree_model  # noqa: E402
from replica_set import DEMO_MODEL, ReplicaSet  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amp", default=os.path.join(ROOT, "build/release/amp"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--access-log", action="store_true", help="keep nginx's JSON access log on")
    parser.add_argument("--trees", action="store_true", help="serve a 100-tree XGBoost model instead of the demo")
    args = parser.parse_args()

    nginx_env = {} if args.access_log else {"AMP_NGINX_ACCESS_LOG": "off"}
    with ReplicaSet(os.path.abspath(args.amp), 3, nginx_env=nginx_env) as cluster:
        ports = [replica.port for replica in cluster.replicas]
        contenders = {"direct": None, "nginx-1": ports[:1], "nginx-2": ports[:2], "nginx-3": ports[:3]}
        print(f"replicas on ports {ports} sharing {cluster.data_dir}; nginx at {cluster.nginx.url}; "
              f"wrk {args.threads} threads x {args.connections} connections, {args.duration} s per run; "
              f"{os.cpu_count()} cores", flush=True)

        body = None
        if args.trees:
            cluster.nginx.reload(ports)
            body = train_tree_model(cluster.nginx.url, cluster.work, api_key=cluster.admin_key)
            print("model: 100-tree depth-6 XGBoost regressor, uploaded and trained through nginx", flush=True)
        else:
            print(f"model: the linear demo model ({DEMO_MODEL})", flush=True)

        def prepare(name):
            """The URL to drive and the PIDs whose CPU time counts for `name`: (replicas, nginx)."""
            replica_pids = [replica.process.pid for replica in cluster.replicas]
            if contenders[name] is None:
                return cluster.replicas[0].url, replica_pids[:1], []
            cluster.nginx.reload(contenders[name])
            run_wrk(cluster.nginx.url, 1, 4, 1, DEMO_MODEL, body)  # old workers finish, the new ones take over
            return cluster.nginx.url, replica_pids[:len(contenders[name])], cluster.nginx.pids()

        for name in contenders:  # warm-up: loads the model in every replica
            url, _, _ = prepare(name)
            run_wrk(url, args.threads, args.connections, 2, DEMO_MODEL, body)
        results = {name: [] for name in contenders}
        for round_idx in range(args.rounds):
            order = list(contenders) if round_idx % 2 == 0 else list(reversed(contenders))
            for name in order:
                url, amp_pids, nginx_pids = prepare(name)
                amp_before, nginx_before = cpu_seconds(amp_pids), cpu_seconds(nginx_pids)
                result = run_wrk(url, args.threads, args.connections, args.duration, DEMO_MODEL, body)
                requests = result["rps"] * args.duration
                amp_cpu, nginx_cpu = cpu_seconds(amp_pids) - amp_before, cpu_seconds(nginx_pids) - nginx_before
                result["rps_per_cpu"] = requests / max(amp_cpu + nginx_cpu, 1e-9)
                result["amp_us"] = amp_cpu / requests * 1e6  # CPU per request in the replicas
                result["nginx_us"] = nginx_cpu / requests * 1e6  # ... and in nginx
                results[name].append(result)
                print(f"round {round_idx + 1} {name:8} {result['rps']:10.0f} req/s  p50 {result['p50']:.3f} ms  "
                      f"p99 {result['p99']:.3f} ms  {result['rps_per_cpu']:8.0f} req/CPU-s  "
                      f"CPU/req amp {result['amp_us']:.1f} us nginx {result['nginx_us']:.1f} us  "
                      f"non-2xx {result['non2xx']} {result['socket_errors']}", flush=True)

        print("\nmedians")
        print(f"{'setup':8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'req/CPU-s':>10} {'amp us':>7} "
              f"{'nginx us':>8} {'vs nginx-1':>10} {'vs direct':>10}")
        medians = {name: {key: statistics.median(run[key] for run in runs)
                          for key in ("rps", "p50", "p99", "rps_per_cpu", "amp_us", "nginx_us")}
                   for name, runs in results.items()}
        for name, median in medians.items():
            print(f"{name:8} {median['rps']:10.0f} {median['p50']:8.3f} {median['p99']:8.3f} "
                  f"{median['rps_per_cpu']:10.0f} {median['amp_us']:7.1f} {median['nginx_us']:8.1f} "
                  f"{median['rps'] / medians['nginx-1']['rps']:9.2f}x {median['rps'] / medians['direct']['rps']:9.2f}x")
        failed = sum(run["non2xx"] for runs in results.values() for run in runs)
        print(f"non-2xx responses in all runs: {failed}")
        if failed:
            sys.exit("some requests failed: the figures above do not measure working predictions")


if __name__ == "__main__":
    main()
