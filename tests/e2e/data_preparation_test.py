"""End-to-end: data preparation and the cleaning report through the real server.

Run: /usr/bin/python3 tests/e2e/data_preparation_test.py --amp build/amp
Uploads a seeded customer table with an ID column, e-mail addresses (personal data), free-text comments, a constant
column, sign-up dates, a categorical plan with a rare level, a spend column whose missing cells go with a higher
target, a column that leaks the target, rows without a target and repeated rows, and checks:
- GET /v1/datasets/{id} carries the dataset-level cleaning report (roles, exclusions and why) next to the PII flags;
- a default train request leaves out the ID, e-mail, free-text and constant columns, encodes the dates as parts and
  stores a cleaning report with the version (dropped rows, duplicates, the leak, the missing indicator, the other
  column) that GET /v1/models/{m}/versions/{n} returns;
- serving parses a date sent as text, and notes one that is not a date;
- such a model refuses the ONNX export with a 422 saying why;
- "allow_personal_data" (a list or true) lets the e-mail column in; listing it as a feature without that is a 422,
  as are a malformed allowance and a table left with no feature after cleaning.
"""

import csv
import datetime
import io
import random
import unittest

import amp_server
from amp_server import AmpServer

ROWS = 160


def customer_csv():
    rng = random.Random(11)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", "email", "comment", "source", "signup", "plan", "spend", "revenue_cents",
                     "revenue"])
    rows = []
    start = datetime.date(2024, 1, 1)
    for idx in range(ROWS):
        signup = start + datetime.timedelta(days=rng.randrange(0, 120))
        plan = "enterprise" if idx == 7 else rng.choice(["basic", "plus", "pro"])
        spend_missing = idx % 6 == 0
        spend = rng.uniform(10, 100)
        weekend = signup.weekday() >= 5
        revenue = (110.0 if spend_missing else spend) + (15.0 if weekend else 0.0) + \
            {"basic": 0, "plus": 5, "pro": 12, "enterprise": 30}[plan] + rng.gauss(0, 1)
        target_missing = idx in (3, 50, 99)
        rows.append([
            1000 + idx,
            f"user{idx % 40}@example.com",
            f"customer {idx} wrote that the service was {rng.choice(['fine', 'slow', 'great'])} this month",
            "web",
            signup.isoformat(),
            plan,
            "" if spend_missing else f"{spend:.3f}",
            "" if target_missing else f"{revenue * 100:.1f}",
            "" if target_missing else f"{revenue:.4f}",
        ])
    for row in rows:
        writer.writerow(row)
    writer.writerow(rows[10])  # two exact repeats
    writer.writerow(rows[20])
    return out.getvalue().encode()


class DataPreparationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.http = cls.server.http
        cls.url = cls.server.url
        response = cls.http.post(f"{cls.url}/v1/datasets", params={"name": "customers"}, data=customer_csv(),
                                 headers={"Content-Type": "text/csv"}, timeout=30)
        assert response.status_code == 201, response.text
        cls.dataset = response.json()
        cls.default_version = cls.train_and_fetch("customers-default", {})

    @classmethod
    def train_and_fetch(cls, model, extra):
        # No holdout, so the one "enterprise" row is surely among the training rows.
        body = {"dataset_id": cls.dataset["id"], "target": "revenue", "algorithm": "linear_regression",
                "params": {"holdout_fraction": 0}}
        body.update(extra)
        response = cls.http.post(f"{cls.url}/v1/models/{model}/train", json=body, timeout=30)
        assert response.status_code in (200, 201, 202), response.text
        job_id = response.json()["job_id"]
        job = amp_server.wait_until(
            lambda: (lambda j: j if j["state"] not in ("queued", "running") else None)(
                cls.http.get(f"{cls.url}/v1/jobs/{job_id}", timeout=30).json()),
            timeout=120, what="the training job")
        assert job["state"] == "succeeded", job
        version = cls.http.get(f"{cls.url}/v1/models/{model}/versions/{job['result']['version']}", timeout=30)
        assert version.status_code == 200, version.text
        return version.json()

    def train_status(self, extra):
        body = {"dataset_id": self.dataset["id"], "target": "revenue"}
        body.update(extra)
        return self.http.post(f"{self.url}/v1/models/refused/train", json=body, timeout=30)

    def test_dataset_report_next_to_the_pii_flags(self):
        dataset = self.http.get(f"{self.url}/v1/datasets/{self.dataset['id']}", timeout=30).json()
        columns = {column["name"]: column for column in dataset["columns"]}
        self.assertEqual(columns["email"].get("pii"), "email")
        report = dataset["cleaning_report"]
        self.assertEqual(report["rows"], ROWS + 2)
        self.assertEqual(report["id_like_columns"], ["customer_id"])
        self.assertEqual(report["personal_data_columns"], ["email"])
        self.assertEqual(report["free_text_columns"], ["comment"])
        self.assertEqual(report["constant_columns"], ["source"])
        roles = {column["name"]: column for column in report["columns"]}
        self.assertEqual(roles["signup"]["role"], "datetime")
        self.assertEqual(roles["email"]["excluded_because"], "personal_data")
        self.assertIn("allow_personal_data", roles["email"]["reason"])
        self.assertEqual(roles["spend"]["role"], "numeric")
        self.assertEqual(roles["plan"]["role"], "categorical")
        self.assertTrue(any("'customer_id' is excluded" in line for line in report["summary"]), report["summary"])

    def test_version_carries_the_training_report(self):
        version = self.default_version
        self.assertEqual([feature["name"] for feature in version["features"]],
                         ["signup", "plan", "spend", "revenue_cents"])
        report = version["cleaning_report"]
        self.assertEqual(report["target"], "revenue")
        self.assertEqual(report["rows_missing_target_dropped"], 3)
        self.assertEqual(report["rows_used"], ROWS + 2 - 3)
        self.assertEqual(report["duplicate_rows"], 2)
        self.assertEqual([leak["feature"] for leak in report["leaking_features"]], ["revenue_cents"])
        self.assertEqual(report["missing_indicators"], ["spend"])
        self.assertEqual(report["other_buckets"], ["plan"])  # "enterprise" has one row
        self.assertEqual(report["personal_data_columns"], ["email"])
        self.assertTrue(any("revenue_cents" in line and "leak" in line for line in report["summary"]))

    def test_serving_parses_dates_and_notes_bad_ones(self):
        rows = [{"signup": "2024-02-10", "plan": "pro", "spend": 50.0, "revenue_cents": 7700.0},
                {"signup": "2024-02-12", "plan": "pro", "spend": 50.0, "revenue_cents": 7700.0},
                {"signup": "someday", "plan": "pro", "spend": None, "revenue_cents": 7700.0}]
        response = self.http.post(f"{self.url}/v1/models/customers-default/predict", json={"rows": rows}, timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        predictions = body["predictions"]
        self.assertEqual(len(predictions), 3)
        self.assertNotEqual(predictions[0], predictions[1])  # a Saturday and a Monday
        self.assertTrue(any("'signup' is not a date" in warning for warning in body.get("warnings", [])), body)

    def test_onnx_export_is_refused_with_the_reason(self):
        response = self.http.get(f"{self.url}/v1/models/customers-default/versions/1/export",
                                 params={"format": "onnx"}, timeout=30)
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("cannot be exported to ONNX", response.text)

    def test_personal_data_only_when_allowed(self):
        listed = self.train_and_fetch("customers-email", {"allow_personal_data": ["email"]})
        self.assertIn("email", [feature["name"] for feature in listed["features"]])
        self.assertEqual(listed["cleaning_report"]["personal_data_columns"], [])
        everything = self.train_and_fetch("customers-all", {"allow_personal_data": True})
        self.assertIn("email", [feature["name"] for feature in everything["features"]])

        refused = self.train_status({"features": ["email", "spend"]})
        self.assertEqual(refused.status_code, 422, refused.text)
        self.assertIn("feature 'email' looks like personal or payment data", refused.text)
        self.assertEqual(self.train_status({"allow_personal_data": 3}).status_code, 422)
        self.assertIn("not a column", self.train_status({"allow_personal_data": ["e-mail"]}).text)

    def test_nothing_left_after_cleaning_is_a_422(self):
        csv_text = "".join(f"{1000 + idx},user{idx}@example.com,{idx % 3}\n" for idx in range(30))
        response = self.http.post(f"{self.url}/v1/datasets", params={"name": "ids-only"},
                                  data=("customer_id,email,label\n" + csv_text).encode(),
                                  headers={"Content-Type": "text/csv"}, timeout=30)
        self.assertEqual(response.status_code, 201, response.text)
        refused = self.http.post(f"{self.url}/v1/models/refused/train",
                                 json={"dataset_id": response.json()["id"], "target": "label"}, timeout=30)
        self.assertEqual(refused.status_code, 422, refused.text)
        self.assertIn("no feature columns to train on", refused.text)
        self.assertIn("'customer_id' looks like an identifier", refused.text)
        jobs = self.http.get(f"{self.url}/v1/jobs", timeout=30).json()
        self.assertFalse(any(job.get("model_name") == "refused" for job in jobs.get("jobs", [])), jobs)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
