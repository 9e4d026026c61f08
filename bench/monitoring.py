#!/usr/bin/python3
"""Monitoring cost: /api/predict throughput with monitoring on vs off, side by side in one run.

Starts two `amp serve` processes with the demo model on free loopback ports, one as shipped (monitoring on: every
row counted into the live window, far-outside checks, predictions remembered for feedback) and one with
--no-monitoring, then drives each with wrk for several rounds in alternating order and prints requests/s and
latencies per round, the medians and the ratio on/off (the bar: >= 0.9). Then it reads the monitored demo version's
memory from GET /v1/models/{demo}/monitoring (the bar: < 1 MB) and the monitoring process's resident memory.

With --callgrind N it also counts user-space instructions per request under valgrind's callgrind (one HTTP thread,
N requests on one keep-alive connection, as bench/callgrind.sh does), on and off: a figure that does not move with
the machine's load, unlike requests/s.

Usage: bench/monitoring.py --amp build/release/amp [--rounds 5] [--duration 10] [--callgrind 5000]
"""

import argparse
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from predict import cpu_seconds, free_port, run_wrk, wait_http  # noqa: E402

DEMO = "House Price Linear Regression"


def start_amp(binary, work, name, extra):
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", os.path.join(work, name),
                             "--demo-data", os.path.join(ROOT, "data/demo/house_sales.csv"), "--no-access-log"] + extra,
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, name + ".log"), "w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while b"Linear Regression" not in wait_http(url + "/api/model"):
        if time.time() > deadline:
            raise RuntimeError(f"{name}: the demo model did not appear")
        time.sleep(0.2)
    return proc, url


def resident_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


COUNT_LUA = """
dofile("{here}/seed_payload.lua")
local seen = 0
local base_response = response
response = function(status, headers, body)
  base_response(status, headers, body)
  seen = seen + 1
  if seen >= tonumber(os.getenv("REQUESTS")) then wrk.thread:stop() end
end
"""


def instructions_per_request(binary, work, name, extra, requests):
    """Runs amp under callgrind, sends `requests` /api/predict calls after a warm-up; user-space instructions each."""
    script = os.path.join(work, "count.lua")
    with open(script, "w") as lua:
        lua.write(COUNT_LUA.format(here=HERE))
    port = free_port()
    out = os.path.join(work, f"{name}.cg")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
                             binary, "serve", "--port", str(port), "--threads", "1", "--data-dir",
                             os.path.join(work, name + "-cg"), "--demo-data",
                             os.path.join(ROOT, "data/demo/house_sales.csv"), "--no-access-log"] + extra,
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, name + "-cg.log"), "w"))
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 300
        while b"Linear Regression" not in wait_http(url + "/api/model", timeout=300):
            if time.time() > deadline:
                raise RuntimeError("the demo model did not appear under callgrind")
            time.sleep(0.5)
        env = dict(os.environ, MODEL_ID=DEMO, REQUESTS="2000")
        subprocess.run(["wrk", "-t1", "-c1", "-d10s", "-s", script, url], env=env, capture_output=True, check=True)
        subprocess.run(["callgrind_control", "--zero", str(proc.pid)], capture_output=True)
        env["REQUESTS"] = str(requests)
        wrk = subprocess.run(["wrk", "-t1", "-c1", f"-d{requests // 400 + 5}s", "-s", script, url], env=env,
                             capture_output=True, text=True, check=True).stdout
        sent = int(re.search(r"(\d+) requests in", wrk).group(1))
        subprocess.run(["callgrind_control", "--dump=measured", str(proc.pid)], capture_output=True)
        time.sleep(1)
        dumps = sorted(glob.glob(out + "*"), key=os.path.getmtime)
        annotated = subprocess.run(["callgrind_annotate", dumps[-1]], capture_output=True, text=True).stdout
        total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", annotated).group(1).replace(",", ""))
        return total / sent
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amp", default=os.path.join(ROOT, "build/release/amp"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--callgrind", type=int, default=0, metavar="N",
                        help="also count instructions per request under callgrind over N requests")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="amp_bench_monitoring_")
    procs = []
    try:
        on, on_url = start_amp(args.amp, work, "on", [])
        procs.append(on)
        off, off_url = start_amp(args.amp, work, "off", ["--no-monitoring"])
        procs.append(off)
        contenders = {"on": (on_url, [on.pid]), "off": (off_url, [off.pid])}
        shapes = {"2x64": (2, 64), "1x1": (1, 1)}
        results = {(name, shape): [] for name in contenders for shape in shapes}
        for shape, (threads, connections) in shapes.items():
            for name, (url, _) in contenders.items():  # warm-up
                run_wrk(url, threads, connections, 2, DEMO)
            for round_idx in range(args.rounds):
                order = list(contenders.items()) if round_idx % 2 == 0 else list(reversed(contenders.items()))
                for name, (url, pids) in order:
                    before = cpu_seconds(pids)
                    result = run_wrk(url, threads, connections, args.duration, DEMO)
                    result["rps_per_cpu"] = result["rps"] * args.duration / max(cpu_seconds(pids) - before, 1e-9)
                    results[(name, shape)].append(result)
                    print(f"round {round_idx + 1} {shape:5} {name:4} {result['rps']:10.0f} req/s  "
                          f"p50 {result['p50']:.3f} ms  p99 {result['p99']:.3f} ms  "
                          f"{result['rps_per_cpu']:8.0f} req/CPU-s  non-2xx {result['non2xx']} "
                          f"{result['socket_errors']}", flush=True)
                    if result["non2xx"]:
                        raise RuntimeError(f"{name}: {result['non2xx']} failed requests")

        print("\nmedians")
        print(f"{'shape':6} {'mon':4} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'req/CPU-s':>10}")
        medians = {}
        for (name, shape), runs in results.items():
            median = {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99", "rps_per_cpu")}
            medians[(name, shape)] = median
            print(f"{shape:6} {name:4} {median['rps']:10.0f} {median['p50']:8.3f} {median['p99']:8.3f} "
                  f"{median['rps_per_cpu']:10.0f}")
        ratio = medians[("on", "2x64")]["rps"] / medians[("off", "2x64")]["rps"]
        ratio_1x1 = medians[("on", "1x1")]["rps"] / medians[("off", "1x1")]["rps"]
        cpu_ratio = medians[("on", "2x64")]["rps_per_cpu"] / medians[("off", "2x64")]["rps_per_cpu"]
        print(f"\nthroughput on/off 2x64: {ratio:.3f} (bar >= 0.9); 1x1: {ratio_1x1:.3f}; "
              f"req per CPU-second on/off: {cpu_ratio:.3f}")

        quoted = urllib.parse.quote(DEMO)
        with urllib.request.urlopen(f"{on_url}/v1/models/{quoted}/monitoring", timeout=10) as response:
            report = json.loads(response.read())
        print(f"monitored rows in the window: {report['rows']}; state {report['state']}")
        print(f"memory of the monitored demo version: {report['memory_bytes']} bytes (bar < 1 MB)")
        print(f"resident memory: on {resident_bytes(on.pid) / 2**20:.1f} MiB, "
              f"off {resident_bytes(off.pid) / 2**20:.1f} MiB")
        if args.callgrind:
            counts = {name: instructions_per_request(args.amp, work, name, extra, args.callgrind)
                      for name, extra in (("on", []), ("off", ["--no-monitoring"]))}
            print(f"instructions per request (callgrind, {args.callgrind} requests): on {counts['on']:.0f}, "
                  f"off {counts['off']:.0f}, off/on {counts['off'] / counts['on']:.3f}")
        if ratio < 0.9 or report["memory_bytes"] >= 1 << 20:
            sys.exit(1)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
