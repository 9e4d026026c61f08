#!/usr/bin/python3
"""Prediction throughput benchmark: AMP's /api/predict against nginx returning a fixed JSON, side by side.

Starts `amp serve` with the demo model and nginx (2 workers) on free loopback ports, then drives each with wrk
(POSTing the seed client's payload) at 2 threads x 64 connections and at 1 connection, alternating the contenders
for several rounds, and prints requests/s, p50/p99 latency, the medians and the ratios.

With --tls it also starts a second AMP server with HTTPS (a throwaway self-signed certificate, TLS 1.3) as the
contender "tls": wrk keeps its connections, so this measures TLS record encryption, not handshakes.

With --trees it also trains, through AMP's API, a 100-tree depth-6 XGBoost regressor on 10 numeric features
(20,000 synthetic rows) and adds it as the contender "trees": the same server answering /api/predict with the tree
model.

Usage: bench/predict.py --amp build/release/amp [--rounds 3] [--duration 10] [--fastapi] [--trees] [--tls]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "clients", "python"))

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return response.read()
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def parse_latency(text):
    """wrk prints e.g. '2.31ms' or '812.00us'; returns milliseconds."""
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000.0 if unit == "us" else value * 1000.0 if unit == "s" else value


def run_wrk(url, threads, connections, duration, model_id, body=None):
    """Drives `url` with the seed client's payload for `model_id`, or with `body` if given."""
    env = dict(os.environ, MODEL_ID=model_id, BODY=body or "")
    script = "body_payload.lua" if body else "seed_payload.lua"
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                          "-s", os.path.join(HERE, script), url],
                         capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_latency(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_latency(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(0) if socket_errors else ""}


def cpu_seconds(pids):
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except FileNotFoundError:
            pass
    return total


def nginx_pids(prefix):
    with open(os.path.join(prefix, "nginx.pid")) as pid_file:
        master = int(pid_file.read())
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master] + [int(pid) for pid in children]


TREE_MODEL = "Trees 100x6"
TREE_FEATURES = [f"f{idx}" for idx in range(10)]


def train_tree_model(amp_url, work, api_key=None):
    """Uploads 20,000 synthetic rows and trains the 100-tree depth-6 model; returns the classic predict body.
    api_key: the admin key (default: the one in work/amp/admin.key)."""
    import random
    from amp_client import AmpClient
    rng = random.Random(20261129)
    path = os.path.join(work, "trees.csv")
    with open(path, "w") as csv_file:
        csv_file.write(",".join(TREE_FEATURES + ["y"]) + "\n")
        for _ in range(20000):
            values = [rng.uniform(-3, 3) for _ in TREE_FEATURES]
            target = values[0] * values[1] + 3 * abs(values[2]) - values[3] ** 2 + sum(values[4:]) + rng.gauss(0, 0.3)
            csv_file.write(",".join(f"{value:.5f}" for value in values + [target]) + "\n")
    with AmpClient(amp_url, api_key=api_key or read_admin_key(work)) as client:
        dataset = client.upload_dataset(path, "trees")
        job = client.train(TREE_MODEL, dataset["id"], "y", algorithm="xgboost_regressor",
                           params={"n_estimators": 100, "max_depth": 6})
        done = client.wait_for_job(job["id"], timeout=300)
        if done["state"] != "succeeded":
            raise RuntimeError(f"training the tree model failed: {done}")
        # Public, like the demo model: wrk calls it without a key, as the other contenders are called.
        client.set_model_public(TREE_MODEL, True)
    row = {name: round(0.37 * (idx - 4.5), 3) for idx, name in enumerate(TREE_FEATURES)}
    import json
    return json.dumps({"model_id": TREE_MODEL, "input_parameters": row, "output_target": "y"})


def read_admin_key(work):
    """The admin key the server wrote into its data folder, if it has one (servers with API keys)."""
    path = os.path.join(work, "amp", "admin.key")
    if os.path.exists(path):
        with open(path) as key_file:
            return key_file.read().strip()
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amp", default=os.path.join(ROOT, "build/release/amp"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--fastapi", action="store_true",
                        help="also run FastAPI + uvicorn (2 workers) + scikit-learn serving the same model")
    parser.add_argument("--tls", action="store_true", help="also run AMP with HTTPS (keep-alive connections)")
    parser.add_argument("--trees", action="store_true",
                        help="also serve a 100-tree depth-6 XGBoost model from the same AMP server")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} is missing: run scripts/install-deps.sh --bench")

    work = tempfile.mkdtemp(prefix="amp_bench_")
    procs = []
    try:
        amp_port = free_port()
        amp = subprocess.Popen([args.amp, "serve", "--port", str(amp_port), "--data-dir", os.path.join(work, "amp"),
                                "--demo-data", os.path.join(ROOT, "data/demo/house_sales.csv"), "--no-access-log"],
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "amp.log"), "w"))
        procs.append(amp)
        amp_url = f"http://127.0.0.1:{amp_port}"
        deadline = time.time() + 60
        while b"Linear Regression" not in wait_http(amp_url + "/api/model"):
            if time.time() > deadline:
                raise RuntimeError("the demo model did not appear")
            time.sleep(0.2)

        nginx_prefix = os.path.join(work, "nginx")
        os.makedirs(nginx_prefix)
        nginx_port = free_port()
        with open(os.path.join(HERE, "nginx_fixed.conf")) as template:
            conf = template.read().replace("PREFIX", nginx_prefix).replace("PORT", str(nginx_port))
        with open(os.path.join(nginx_prefix, "nginx.conf"), "w") as conf_file:
            conf_file.write(conf)
        nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx_bin, "-p", nginx_prefix, "-c", os.path.join(nginx_prefix, "nginx.conf"),
                        "-e", os.path.join(nginx_prefix, "error.log")], check=True)
        nginx_url = f"http://127.0.0.1:{nginx_port}"
        wait_http(nginx_url + "/")

        contenders = {"amp": (amp_url, [amp.pid]), "nginx": (nginx_url, nginx_pids(nginx_prefix))}
        bodies = {}
        if args.tls:
            cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
            tls_port = free_port()
            tls_amp = subprocess.Popen([args.amp, "serve", "--port", str(tls_port), "--data-dir",
                                        os.path.join(work, "amp-tls"), "--tls-cert", cert, "--tls-key", key,
                                        "--demo-data", os.path.join(ROOT, "data/demo/house_sales.csv"),
                                        "--no-access-log"], stdout=subprocess.DEVNULL,
                                       stderr=open(os.path.join(work, "amp-tls.log"), "w"))
            procs.append(tls_amp)
            tls_url = f"https://127.0.0.1:{tls_port}"
            deadline = time.time() + 60
            while True:
                try:
                    if b"Linear Regression" in subprocess.run(["curl", "-sf", "--cacert", cert, tls_url + "/api/model"],
                                                              capture_output=True).stdout:
                        break
                except Exception:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("the TLS server's demo model did not appear")
                time.sleep(0.2)
            contenders["tls"] = (tls_url, [tls_amp.pid])
        if args.trees:
            bodies["trees"] = train_tree_model(amp_url, work)
            contenders["trees"] = (amp_url, [amp.pid])
        if args.fastapi:
            fastapi_port = free_port()
            fastapi = subprocess.Popen(["/usr/bin/python3", "-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1",
                                        "--port", str(fastapi_port), "--workers", "2", "--log-level", "warning"],
                                       cwd=HERE, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "fastapi.log"), "w"),
                                       start_new_session=True)
            procs.append(fastapi)
            fastapi_url = f"http://127.0.0.1:{fastapi_port}"
            deadline = time.time() + 60
            while True:
                try:
                    probe = urllib.request.Request(fastapi_url + "/api/predict", method="POST", data=(
                        b'{"model_id": "x", "input_parameters": {"square_feet": 1650, "num_bedrooms": 3, '
                        b'"location_code": 100}}'), headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(probe, timeout=2):
                        break
                except Exception:
                    if time.time() > deadline:
                        raise RuntimeError("FastAPI did not start")
                    time.sleep(0.3)
            children = subprocess.run(["pgrep", "-P", str(fastapi.pid)], capture_output=True, text=True).stdout.split()
            contenders["fastapi"] = (fastapi_url, [fastapi.pid] + [int(pid) for pid in children])
        shapes = {"2x64": (2, 64), "1x1": (1, 1)}
        results = {(name, shape): [] for name in contenders for shape in shapes}
        for shape, (threads, connections) in shapes.items():
            for name, (url, _) in contenders.items():  # warm-up
                run_wrk(url, threads, connections, 2, "House Price Linear Regression", bodies.get(name))
            for round_idx in range(args.rounds):
                order = list(contenders.items()) if round_idx % 2 == 0 else list(reversed(contenders.items()))
                for name, (url, pids) in order:
                    before = cpu_seconds(pids)
                    result = run_wrk(url, threads, connections, args.duration, "House Price Linear Regression",
                                     bodies.get(name))
                    result["rps_per_cpu"] = result["rps"] * args.duration / max(cpu_seconds(pids) - before, 1e-9)
                    results[(name, shape)].append(result)
                    print(f"round {round_idx + 1} {shape:5} {name:6} {result['rps']:10.0f} req/s  "
                          f"p50 {result['p50']:.3f} ms  p99 {result['p99']:.3f} ms  "
                          f"{result['rps_per_cpu']:8.0f} req/CPU-s  non-2xx {result['non2xx']} "
                          f"{result['socket_errors']}", flush=True)

        print("\nmedians")
        print(f"{'shape':6} {'server':6} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'req/CPU-s':>10}")
        medians = {}
        for (name, shape), runs in results.items():
            median = {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99", "rps_per_cpu")}
            medians[(name, shape)] = median
            print(f"{shape:6} {name:6} {median['rps']:10.0f} {median['p50']:8.3f} {median['p99']:8.3f} "
                  f"{median['rps_per_cpu']:10.0f}")
        throughput_ratio = medians[("amp", "2x64")]["rps"] / medians[("nginx", "2x64")]["rps"]
        p99_ratio = medians[("amp", "1x1")]["p99"] / medians[("nginx", "1x1")]["p99"]
        print(f"\namp/nginx throughput at 2x64: {throughput_ratio:.2f}x  (bar: >= 0.5x, issue 4 bar: >= 0.8x)")
        print(f"amp/nginx p99 at 1 connection: {p99_ratio:.2f}x  (bar: <= 2x, issue 4 bar: <= 1.5x)")
        if args.tls:
            tls_ratio = medians[("tls", "2x64")]["rps"] / medians[("amp", "2x64")]["rps"]
            print(f"amp with TLS / amp plain HTTP throughput at 2x64: {tls_ratio:.2f}x  (issue 5 bar: >= 0.6x)")
        if args.trees:
            trees_ratio = medians[("trees", "2x64")]["rps"] / medians[("nginx", "2x64")]["rps"]
            print(f"amp (100-tree XGBoost model)/nginx throughput at 2x64: {trees_ratio:.2f}x  (issue 4 bar: >= 0.5x)")
        if args.fastapi:
            fastapi_ratio = medians[("amp", "2x64")]["rps"] / medians[("fastapi", "2x64")]["rps"]
            print(f"amp/fastapi throughput at 2x64: {fastapi_ratio:.1f}x  (issue 4 bar: >= 8x)")
        failed = sum(run["non2xx"] for runs in results.values() for run in runs)
        print(f"non-2xx responses in all runs: {failed}")
        if failed:
            sys.exit("some requests failed: the figures above do not measure working predictions")
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM) if proc.args[0] == "/usr/bin/python3" else proc.send_signal(
                    signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        pid_file = os.path.join(work, "nginx", "nginx.pid")
        if os.path.exists(pid_file):
            with open(pid_file) as handle:
                os.kill(int(handle.read()), signal.SIGTERM)
            time.sleep(0.3)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
