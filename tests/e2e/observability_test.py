"""End-to-end: /metrics (Prometheus text), request ids echoed in X-Request-Id, the JSON access log, health routes,
the parsed-dataset cache as a second training and /metrics show it, and the allocator the start-up line names.

Run: /usr/bin/python3 tests/e2e/observability_test.py --amp build/amp
"""

import json
import re
import subprocess
import unittest

import requests

import amp_server
from amp_server import AmpServer
from amp_client import AmpClient

MODEL = "observed"


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.client.close)
        rows = "\n".join(f"{x},{x % 3},{2 * x + 1}" for x in range(40))
        cls.dataset = cls.client.upload_dataset(f"x,z,y\n{rows}\n".encode(), "obs")["id"]
        cls.first_job = cls.client.train(MODEL, cls.dataset, "y")["id"]
        cls.client.wait_for_job(cls.first_job, timeout=60)
        cls.session = requests.Session()
        cls.session.headers.update(cls.server.auth)

    def predict(self, inputs, headers=None):
        return self.session.post(self.server.url + "/api/predict", json={"model_id": MODEL, "input_parameters": inputs},
                                 headers=headers or {})

    def test_request_id_is_echoed_or_generated(self):
        given = self.predict({"x": 1, "z": 0}, headers={"X-Request-Id": "client-id-123"})
        self.assertEqual(given.headers.get("X-Request-Id"), "client-id-123")
        generated_a = self.predict({"x": 1, "z": 0}).headers.get("X-Request-Id")
        generated_b = self.predict({"x": 1, "z": 0}).headers.get("X-Request-Id")
        self.assertTrue(generated_a and generated_b)
        self.assertNotEqual(generated_a, generated_b)
        # An id with characters that could break a log line or a header is replaced, not echoed.
        unsafe = self.predict({"x": 1, "z": 0}, headers={"X-Request-Id": "bad id\"{}"}).headers.get("X-Request-Id")
        self.assertNotEqual(unsafe, "bad id\"{}")

    def test_access_log_has_one_json_line_per_request(self):
        response = self.predict({"x": 5, "z": 1}, headers={"X-Request-Id": "access-log-probe"})
        self.assertEqual(response.status_code, 200)
        log_text = amp_server.wait_until(
            lambda: (lambda text: text if "access-log-probe" in text else None)(self.server.log_tail(1_000_000)),
            timeout=10, interval=0.05, what="the access-log line")
        line = next(line for line in log_text.splitlines() if "access-log-probe" in line)
        record = json.loads(line)
        self.assertEqual(record["method"], "POST")
        self.assertEqual(record["path"], "/api/predict")
        self.assertEqual(record["status"], 200)
        self.assertEqual(record["model"], MODEL)
        self.assertEqual(record["rows"], 1)
        self.assertGreaterEqual(record["latency_ms"], 0)

    def test_metrics_count_requests_errors_and_rows(self):
        for _ in range(5):
            self.assertEqual(self.predict({"x": 1, "z": 2}).status_code, 200)
        batch = self.predict([{"x": 1, "z": 2}, {"x": 2, "z": 0}, {"x": 3, "z": 1}])
        self.assertEqual(batch.status_code, 200)
        self.assertEqual(self.predict({"x": "text", "z": 2}).status_code, 422)
        response = self.session.get(self.server.url + "/metrics")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        text = response.text

        def value(pattern):
            match = re.search(pattern, text, re.MULTILINE)
            self.assertIsNotNone(match, f"{pattern} not in /metrics:\n{text}")
            return float(match.group(1))

        self.assertGreaterEqual(value(rf'^amp_model_requests_total{{model="{MODEL}"}} (\S+)$'), 7)
        self.assertGreaterEqual(value(rf'^amp_model_rows_scored_total{{model="{MODEL}"}} (\S+)$'), 8)
        self.assertGreaterEqual(value(rf'^amp_model_errors_total{{model="{MODEL}",code="422"}} (\S+)$'), 1)
        self.assertGreaterEqual(value(r'^amp_http_requests_total{code="2xx"} (\S+)$'), 7)
        self.assertGreaterEqual(
            value(rf'^amp_model_request_duration_seconds_count{{model="{MODEL}"}} (\S+)$'), 7)
        self.assertEqual(value(r'^amp_model_request_duration_seconds_bucket{model="' + MODEL + r'",le="\+Inf"} (\S+)$'),
                         value(rf'^amp_model_request_duration_seconds_count{{model="{MODEL}"}} (\S+)$'))
        self.assertGreaterEqual(value(r"^amp_models_loaded (\S+)$"), 1)
        self.assertGreater(value(r"^process_resident_memory_bytes (\S+)$"), 1e6)
        # CPU time is counted in clock ticks (10 ms): a fresh, fast server may not have used one yet.
        self.assertGreaterEqual(value(r"^process_cpu_seconds_total (\S+)$"), 0)
        self.assertGreaterEqual(value(r"^amp_http_requests_in_flight (\S+)$"), 0)
        # Every sample line is "name{labels} value" or "name value"; every family has HELP and TYPE.
        for line in text.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? \S+$')

    def test_a_second_training_of_a_dataset_finds_it_parsed_in_memory(self):
        def dataset_line(job_id):
            return next(line["message"] for line in self.client.job_logs(job_id)
                        if line["message"].startswith(f"dataset {self.dataset}:"))

        self.assertEqual(dataset_line(self.first_job), f"dataset {self.dataset}: 40 rows, 3 columns, read and parsed")
        second = self.client.train(MODEL + "-again", self.dataset, "y", algorithm="linear_regression")["id"]
        self.assertEqual(self.client.wait_for_job(second, timeout=60)["state"], "succeeded")
        self.assertEqual(dataset_line(second),
                         f"dataset {self.dataset}: 40 rows, 3 columns, in memory from an earlier training")
        text = self.session.get(self.server.url + "/metrics").text
        figures = dict(re.findall(r"^(amp_dataset_cache_\w+) (\S+)$", text, re.MULTILINE))
        self.assertGreaterEqual(float(figures["amp_dataset_cache_hits_total"]), 1, text)
        self.assertGreaterEqual(float(figures["amp_dataset_cache_tables"]), 1, text)
        self.assertGreater(float(figures["amp_dataset_cache_bytes"]), 40 * 3 * 8, text)
        self.assertEqual(float(figures["amp_dataset_cache_budget_bytes"]), 2 ** 30, text)

    def test_start_up_line_names_the_allocator_the_binary_links(self):
        # The build links tcmalloc (CMakeLists.txt, AMP_TCMALLOC) unless sanitizers replace the allocator; the line
        # must name the one that really serves malloc, which a linker dropping the library would change.
        line = next(line for line in self.server.log_tail(1_000_000).splitlines() if "amp listening on" in line)
        linked = subprocess.run(["ldd", self.server.binary], capture_output=True, text=True, check=True).stdout
        if "libtcmalloc" in linked:
            self.assertIn("allocator tcmalloc)", line)
        else:
            self.assertRegex(line, r"allocator (glibc|sanitizer)\)")

    def test_health_and_readiness(self):
        self.assertEqual(self.session.get(self.server.url + "/healthz").status_code, 200)
        ready = self.session.get(self.server.url + "/readyz")
        self.assertEqual(ready.status_code, 200)
        self.assertEqual(ready.json()["status"], "ready")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
