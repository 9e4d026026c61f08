"""End-to-end: an `amp worker`'s health listener (--health-port). A serving replica that does not train
(`--training-workers 0`) and one worker started with `--health-port 0 --health-port-file F` share a data folder (or
the PostgreSQL store $AMP_TEST_POSTGRES_URI names).

Run: /usr/bin/python3 tests/e2e/workers_health_test.py --amp build/amp
Checks that /healthz and /readyz answer 200 and /metrics is Prometheus text; that /metrics counts a claimed job that
succeeded (and its dataset load through the parsed-dataset cache), shows a running job's id and attempt while it trains, counts it cancelled after DELETE /v1/jobs/{id}, and
counts lease renewals; that the listener takes no API key (a probe has none); that an unknown path is 404.
"""

import os
import re
import shutil
import tempfile
import unittest

import requests

import amp_server
from amp_server import AmpServer, wait_until
from cluster_procs import AmpWorker, metadata_args, synthetic_csv

LEASE_SECONDS = 1.0  # heartbeats every ~0.33 s, so a running job's renewals show quickly
LONG_PARAMS = {"n_estimators": 4000, "max_depth": 8, "learning_rate": 0.01, "seed": 3}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")


def parse_metrics(text):
    """{series (name with its labels): value} from Prometheus text; every non-comment line must be a sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        samples[match.group(1)] = float(match.group(2))
    return samples


class WorkerHealthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=["--training-workers", "0", "--no-access-log"] + metadata_args())
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.scratch = tempfile.mkdtemp(prefix="amp_e2e_worker_health_")
        cls.addClassCleanup(shutil.rmtree, cls.scratch, ignore_errors=True)
        port_file = os.path.join(cls.scratch, "health-port")
        cls.worker = AmpWorker(cls.server.data_dir, "probed", LEASE_SECONDS,
                               extra_args=["--health-port", "0", "--health-port-file", port_file])
        cls.addClassCleanup(cls.worker.close)

        def port():
            assert cls.worker.running, cls.worker.log_tail()
            if not os.path.exists(port_file):
                return 0
            with open(port_file) as stream:
                return int(stream.read().strip() or 0)
        cls.url = f"http://127.0.0.1:{wait_until(port, 30, interval=0.05, what='the health port file')}"
        response = cls.server.http.post(cls.server.url + "/v1/datasets?name=synthetic", data=synthetic_csv(2000),
                                        headers={"Content-Type": "text/csv"}, timeout=60)
        assert response.status_code in (200, 201), response.text
        cls.dataset_id = response.json()["id"]

    def metrics(self):
        response = requests.get(self.url + "/metrics", timeout=10)  # no API key
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        return parse_metrics(response.text)

    def train(self, model, params, algorithm):
        response = self.server.http.post(
            f"{self.server.url}/v1/models/{model}/train",
            json={"dataset_id": self.dataset_id, "target": "y", "algorithm": algorithm, "params": params}, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        return response.json()["job_id"]

    def job(self, job_id):
        return self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}", timeout=10).json()

    def test_probes_answer_without_a_key(self):
        live = requests.get(self.url + "/healthz", timeout=10)
        self.assertEqual((live.status_code, live.json()), (200, {"status": "ok"}))
        ready = requests.get(self.url + "/readyz", timeout=10)
        self.assertEqual((ready.status_code, ready.json()), (200, {"status": "ready"}))
        self.assertEqual(requests.get(self.url + "/v1/models", timeout=10).status_code, 404)  # no API here

    def test_metrics_move_as_jobs_run(self):
        before = self.metrics()
        self.assertEqual(before['amp_worker_info{worker="probed"}'], 1)
        for series in ("amp_worker_jobs_claimed_total", 'amp_worker_jobs_ended_total{state="succeeded"}',
                       'amp_worker_jobs_ended_total{state="cancelled"}', "amp_worker_lease_renewals_total",
                       'amp_worker_jobs_requeued_total{reason="released"}', "process_resident_memory_bytes"):
            self.assertIn(series, before)
        # An idle worker polls the queue: the store keeps answering it.
        self.assertLess(before["amp_worker_heartbeat_age_seconds"], 10)

        quick = self.train("quick", {}, "linear_regression")
        wait_until(lambda: self.job(quick)["state"] == "succeeded", 60, interval=0.1, what="the quick job")
        done = wait_until(lambda: (lambda m: m if m['amp_worker_jobs_ended_total{state="succeeded"}'] >=
                                   before['amp_worker_jobs_ended_total{state="succeeded"}'] + 1 else None)(
                                       self.metrics()), 10, interval=0.1, what="the success counted")
        self.assertEqual(done["amp_worker_jobs_claimed_total"], before["amp_worker_jobs_claimed_total"] + 1)
        self.assertEqual(done["amp_worker_busy"], 0)
        # The job loaded its dataset once, through the worker's parsed-dataset cache, which keeps it.
        loads = lambda m: m["amp_dataset_cache_hits_total"] + m["amp_dataset_cache_misses_total"]
        self.assertEqual(loads(done), loads(before) + 1)
        self.assertGreaterEqual(done["amp_dataset_cache_tables"], 1)
        self.assertEqual(done["amp_dataset_cache_budget_bytes"], 2 ** 30)

        long_job = self.train("long", LONG_PARAMS, "xgboost_regressor")
        series = f'amp_worker_current_job_attempt{{job="{long_job}",rank="0"}}'
        running = wait_until(lambda: (lambda m: m if m.get(series) and m["amp_worker_lease_renewals_total"] >
                                      done["amp_worker_lease_renewals_total"] else None)(self.metrics()),
                             30, interval=0.1, what="the long job running, with a lease renewal")
        self.assertEqual(running[series], 1)
        self.assertEqual(running["amp_worker_busy"], 1)
        self.assertLess(running["amp_worker_heartbeat_age_seconds"], 5)
        response = self.server.http.delete(f"{self.server.url}/v1/jobs/{long_job}", timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        ended = wait_until(lambda: (lambda m: m if m['amp_worker_jobs_ended_total{state="cancelled"}'] >=
                                    before['amp_worker_jobs_ended_total{state="cancelled"}'] + 1 else None)(
                                        self.metrics()), 15, interval=0.1, what="the cancel counted")
        self.assertEqual(ended["amp_worker_busy"], 0)
        self.assertNotIn(series, ended)
        self.assertEqual(ended["amp_worker_jobs_claimed_total"], before["amp_worker_jobs_claimed_total"] + 2)
        self.assertEqual(self.job(long_job)["state"], "cancelled")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
