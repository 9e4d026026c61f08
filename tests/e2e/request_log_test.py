"""End-to-end: the sampled request log (docs/monitoring.md, "Request log") through the real server.

Run: /usr/bin/python3 tests/e2e/request_log_test.py --amp build/amp
A CSV with an e-mail column is uploaded (the server flags the column as personal data) and trained on with
"allow_personal_data": ["email"], so the e-mail is a feature. The server runs with --request-log-rate 1; every
predicted row must land in <data-dir>/request-log as a JSON line with the e-mail written as "[redacted]", the other
inputs as sent, the request id of the call, and the prediction the API answered.
"""

import csv
import glob
import io
import json
import os
import random
import unittest

import amp_server
from amp_server import AmpServer

MODEL = "customers-log"


def customer_csv():
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "plan", "spend", "revenue"])
    for idx in range(120):
        plan = rng.choice(["basic", "plus", "pro"])
        spend = rng.uniform(10, 100)
        revenue = spend * 1.5 + {"basic": 0, "plus": 5, "pro": 12}[plan] + rng.gauss(0, 1)
        writer.writerow([f"user{idx % 30}@example.com", plan, f"{spend:.3f}", f"{revenue:.4f}"])
    return out.getvalue().encode()


def log_lines(folder):
    lines = []
    for path in sorted(glob.glob(os.path.join(folder, "requests-*.jsonl"))):
        with open(path, encoding="utf-8") as log:
            lines.extend(json.loads(line) for line in log if line.strip())
    return lines


def train(http, url):
    """Uploads the customers CSV and trains MODEL on it with the e-mail allowed; returns the version number."""
    response = http.post(f"{url}/v1/datasets", params={"name": "customers"}, data=customer_csv(),
                         headers={"Content-Type": "text/csv"}, timeout=30)
    assert response.status_code == 201, response.text
    dataset = response.json()
    columns = {column["name"]: column for column in dataset["columns"]}
    assert columns["email"].get("pii") == "email", columns["email"]
    body = {"dataset_id": dataset["id"], "target": "revenue", "algorithm": "linear_regression",
            "allow_personal_data": ["email"]}
    response = http.post(f"{url}/v1/models/{MODEL}/train", json=body, timeout=30)
    assert response.status_code in (200, 201, 202), response.text
    job_id = response.json()["job_id"]
    job = amp_server.wait_until(
        lambda: (lambda j: j if j["state"] not in ("queued", "running") else None)(
            http.get(f"{url}/v1/jobs/{job_id}", timeout=30).json()),
        timeout=120, what="the training job")
    assert job["state"] == "succeeded", job
    version = job["result"]["version"]
    features = http.get(f"{url}/v1/models/{MODEL}/versions/{version}", timeout=30).json()["features"]
    assert "email" in [feature["name"] for feature in features], features
    return version


class RequestLogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=("--no-access-log", "--request-log-rate", "1",
                                           "--request-log-max-bytes", "4096", "--request-log-max-files", "50"))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.http = cls.server.http
        cls.url = cls.server.url
        cls.version = train(cls.http, cls.url)

    def test_logged_rows_are_redacted_and_match_the_answers(self):
        folder = os.path.join(self.server.data_dir, "request-log")
        rng = random.Random(3)
        sent = []  # (request id, row index, row, prediction)
        for call in range(6):
            rows = [{"email": f"secret{call}-{idx}@example.org", "plan": rng.choice(["basic", "plus", "pro"]),
                     "spend": round(rng.uniform(10, 100), 3)} for idx in range(5)]
            request_id = f"log-{call}"
            response = self.http.post(f"{self.url}/v1/models/{MODEL}/predict", json={"rows": rows},
                                      headers={"X-Request-Id": request_id}, timeout=30)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.headers["X-Request-Id"], request_id)
            predictions = response.json()["predictions"]
            self.assertEqual(len(predictions), len(rows))
            sent.extend((request_id, idx, row, prediction) for idx, (row, prediction) in enumerate(zip(rows, predictions)))

        lines = amp_server.wait_until(lambda: (lambda got: got if len(got) >= len(sent) else None)(log_lines(folder)),
                                      timeout=30, what="the request log rows")
        self.assertEqual(len(lines), len(sent))
        by_key = {(line["request_id"], line["row"]): line for line in lines}
        for request_id, idx, row, prediction in sent:
            line = by_key[(request_id, idx)]
            self.assertEqual(line["model"], MODEL)
            self.assertEqual(line["version"], self.version)
            self.assertEqual(line["features"]["email"], "[redacted]")
            self.assertEqual(line["features"]["plan"], row["plan"])
            self.assertEqual(line["features"]["spend"], row["spend"])
            self.assertEqual(line["prediction"], prediction)
            self.assertTrue(line["time"].endswith("Z"))
        metrics = self.http.get(f"{self.url}/metrics", timeout=30).text
        self.assertIn(f"amp_request_log_rows_total {len(sent)}\n", metrics)
        self.assertIn("amp_request_log_dropped_total 0\n", metrics)
        # The rows spread over several files (4 KB each), and no e-mail address was written anywhere.
        files = glob.glob(os.path.join(folder, "requests-*.jsonl"))
        self.assertGreater(len(files), 1)
        for path in files:
            self.assertLessEqual(os.path.getsize(path), 4096)
            with open(path, encoding="utf-8") as log:
                self.assertNotIn("@example.org", log.read())


class RequestLogOffByDefaultTest(unittest.TestCase):
    def test_no_log_without_the_flag(self):
        with AmpServer(extra_args=("--no-access-log",)) as server:
            train(server.http, server.url)
            rows = [{"email": "someone@example.org", "plan": "pro", "spend": 50.0}]
            response = server.http.post(f"{server.url}/v1/models/{MODEL}/predict", json={"rows": rows}, timeout=30)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertNotIn("amp_request_log_rows_total", server.http.get(f"{server.url}/metrics", timeout=30).text)
            self.assertFalse(os.path.exists(os.path.join(server.data_dir, "request-log")))


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
