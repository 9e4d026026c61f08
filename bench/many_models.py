#!/usr/bin/python3
"""Many-models benchmark: 1,000 small linear models registered and each called once; resident memory of the server
(bar: under 300 MB). Then the same server restarted with a cache budget that holds 100 of them serves a round-robin
workload over all 1,000 and must keep answering correctly (model i predicts i * x exactly).

Usage: bench/many_models.py --amp build/release/amp [--models 1000] [--cached 100]
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from amp_client import AmpClient  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(amp, data_dir, extra):
    port = free_port()
    proc = subprocess.Popen([amp, "serve", "--port", str(port), "--data-dir", data_dir, "--no-demo", "--no-access-log",
                             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("amp did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def admin_headers(data_dir):
    """The server writes an admin API key to <data dir>/admin.key on first start."""
    with open(os.path.join(data_dir, "admin.key")) as key_file:
        return {"Authorization": "Bearer " + key_file.read().strip()}


def metric(url, name, headers):
    text = requests.get(url + "/metrics", headers=headers).text
    return float(re.search(rf"^{name} (\S+)$", text, re.MULTILINE).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amp", default=os.path.join(ROOT, "build/release/amp"))
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--cached", type=int, default=100)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="amp_many_")

    proc, url = start(args.amp, data_dir, [])
    headers = admin_headers(data_dir)
    client = AmpClient(url, api_key=headers["Authorization"].split(" ", 1)[1])
    started = time.time()
    for index in range(1, args.models + 1):
        rows = "\n".join(f"{x},{index * x}" for x in range(10))
        dataset = client.upload_dataset(f"x,y\n{rows}\n".encode(), f"d{index}")["id"]
        # Explicitly a regression: y = i x on a few whole numbers would otherwise be detected as a classification.
        client.train(f"model-{index}", dataset, "y", algorithm="linear_regression", params={"holdout_fraction": 0})
    while True:
        jobs = requests.get(url + "/v1/jobs?limit=10000", headers=headers).json()["jobs"]
        if all(job["state"] == "succeeded" for job in jobs) and len(jobs) >= args.models:
            break
        if any(job["state"] in ("failed", "cancelled") for job in jobs):
            sys.exit("a training job failed")
        time.sleep(0.5)
    print(f"registered {args.models} models in {time.time() - started:.1f} s")
    session = requests.Session()
    session.headers.update(headers)
    for index in range(1, args.models + 1):
        response = session.post(url + "/api/predict", json={"model_id": f"model-{index}", "input_parameters": {"x": 2}})
        assert response.status_code == 200 and abs(response.json()["prediction"] - 2 * index) < 1e-6, response.text
    rss = metric(url, "process_resident_memory_bytes", headers)
    loaded_bytes = metric(url, "amp_models_loaded_bytes", headers)
    print(f"{args.models} models loaded and called once: RSS {rss / 1e6:.1f} MB (bar: < 300 MB), "
          f"models' own estimate {loaded_bytes / 1e6:.2f} MB")
    stop(proc)

    # One model's estimate times the number to hold.
    per_model = loaded_bytes / args.models
    proc, url = start(args.amp, data_dir, ["--model-cache-bytes", str(int(per_model * args.cached))])
    session = requests.Session()
    session.headers.update(headers)
    wrong = 0
    started = time.time()
    calls = 0
    for _ in range(2):
        for index in range(1, args.models + 1):
            response = session.post(url + "/api/predict", json={"model_id": f"model-{index}",
                                                                "input_parameters": {"x": 3}})
            calls += 1
            if response.status_code != 200 or abs(response.json()["prediction"] - 3 * index) > 1e-6:
                wrong += 1
    elapsed = time.time() - started
    loaded = metric(url, "amp_models_loaded", headers)
    evictions = metric(url, "amp_model_evictions_total", headers)
    print(f"budget for {args.cached}: {calls} round-robin calls in {elapsed:.1f} s, wrong answers: {wrong}, "
          f"loaded now {loaded:.0f}, evictions {evictions:.0f}, "
          f"RSS {metric(url, 'process_resident_memory_bytes', headers) / 1e6:.1f} MB")
    stop(proc)
    subprocess.run(["rm", "-rf", data_dir])
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
