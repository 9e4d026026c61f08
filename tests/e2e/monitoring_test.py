"""End-to-end: model monitoring (docs/monitoring.md) on a real dataset through the real server.

Run: /usr/bin/python3 tests/e2e/monitoring_test.py --amp build/amp
scikit-learn's diabetes data (sex as a category) is split by the test: 80% is uploaded and trained on (three models
of the same data), the other 20% is the test's own holdout, never seen by the server. The bars of issue 9:
- replaying the holdout rows (10,000 rows in batches of 100) never puts the model in alert;
- the same rows with bmi shifted by one training standard deviation put it in alert naming bmi within 2,000 rows,
  and with a new category in 30% of the rows naming sex; entering alert calls the signed webhook;
- feedback by request id and by inline rows gives the RMSE and MAE the test computes itself from the answers;
- a value far outside the training range warns in its response; settings validate and persist; /metrics has gauges.
"""

import hashlib
import hmac
import http.server
import json
import math
import os
import random
import sys
import tempfile
import threading
import unittest

import amp_server
from amp_server import AmpServer
from amp_client import AmpClient

try:
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.metrics import roc_auc_score
except ImportError as error:  # python3-sklearn is a test dependency
    load_diabetes = None

SECRET = "monitoring-test-secret"
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
BATCH = 100


class WebhookReceiver(http.server.BaseHTTPRequestHandler):
    events = []
    lock = threading.Lock()
    arrived = threading.Condition(lock)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            WebhookReceiver.events.append((dict(self.headers), body))
            WebhookReceiver.arrived.notify_all()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def load_rows():
    data = load_diabetes(scaled=False)
    rows = []
    for values, target in zip(data.data, data.target):
        row = {name: float(value) for name, value in zip(FEATURES, values)}
        row["sex"] = "female" if values[1] == 1 else "male"
        rows.append((row, float(target)))
    random.Random(9).shuffle(rows)
    cut = int(len(rows) * 0.8)
    return rows[:cut], rows[cut:]


def to_csv(rows):
    lines = [",".join(FEATURES + ["progression"])]
    for row, target in rows:
        lines.append(",".join([repr(row[name]) if name != "sex" else row[name] for name in FEATURES] +
                              [repr(target)]))
    return ("\n".join(lines) + "\n").encode()


@unittest.skipIf(load_diabetes is None, "python3-sklearn is not installed")
class MonitoringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.webhook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
        threading.Thread(target=cls.webhook.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.webhook.shutdown)
        # Alerts are signed like training callbacks: with the server's webhook secret.
        secret_dir = tempfile.TemporaryDirectory()
        cls.addClassCleanup(secret_dir.cleanup)
        secret_file = os.path.join(secret_dir.name, "webhook.secret")
        with open(secret_file, "w") as out:
            out.write(SECRET + "\n")
        cls.server = AmpServer(extra_args=[
            "--webhook-secret-file", secret_file,
            "--monitoring-evaluate-seconds", "1",
            "--monitoring-webhook", f"http://127.0.0.1:{cls.webhook.server_address[1]}/hooks/amp"])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.client.close)

        cls.train_rows, cls.holdout = load_rows()
        dataset = cls.client.upload_dataset(to_csv(cls.train_rows), "diabetes")
        for name in ("diab-clean", "diab-shift", "diab-newcat", "diab-feedback"):
            job = cls.client.train(name, dataset["id"], "progression", algorithm="linear_regression",
                                   features=FEATURES)
            cls.client.wait_for_job(job["job_id"], timeout=120)
        bmis = [row["bmi"] for row, _ in cls.train_rows]
        mean = sum(bmis) / len(bmis)
        cls.bmi_std = math.sqrt(sum((value - mean) ** 2 for value in bmis) / len(bmis))

    def call(self, method, path, status=200, **kwargs):
        response = self.server.http.request(method, self.server.url + path, timeout=60, **kwargs)
        self.assertEqual(response.status_code, status, f"{method} {path}: {response.text[:500]}")
        return response

    def replay(self, model, rows, total, check_every_batch=False):
        """Sends `total` rows cycling through `rows` in batches; returns the monitoring answers seen."""
        seen = []
        sent = 0
        while sent < total:
            batch = [rows[(sent + idx) % len(rows)] for idx in range(BATCH)]
            self.call("POST", f"/v1/models/{model}/predict", json={"rows": batch})
            sent += BATCH
            if check_every_batch or sent % 1000 == 0:
                seen.append(self.call("GET", f"/v1/models/{model}/monitoring").json())
        return seen

    def test_replaying_the_holdout_never_alerts(self):
        rows = [row for row, _ in self.holdout]
        seen = self.replay("diab-clean", rows, 10_000)
        for report in seen:
            self.assertNotEqual(report["state"], "alert", json.dumps(report["features"])[:2000])
        final = seen[-1]
        print(f"\nclean replay: state {final['state']}, max psi "
              f"{max(feature['psi'] for feature in final['features']):.3f}, max ks "
              f"{max(feature['ks'] or 0 for feature in final['features']):.3f}, memory {final['memory_bytes']} bytes",
              file=sys.stderr)
        self.assertEqual(final["rows"], 10_000)
        self.assertIn(final["state"], ("ok", "warning"))
        self.assertEqual([feature["name"] for feature in final["features"]], FEATURES)
        for feature in final["features"]:  # the histograms behind the statistics, for charts
            bins = feature["bins"]
            self.assertEqual(len(bins["live"]), len(bins["training"]), feature["name"])
            self.assertAlmostEqual(sum(bins["live"]), 1.0, places=9)
            self.assertAlmostEqual(sum(bins["training"]), 1.0, places=9)
        sex_bins = final["features"][1]["bins"]
        self.assertEqual(sorted(sex_bins["categories"]), ["female", "male"])
        self.assertEqual(sex_bins["live"][-1], 0)  # no category beyond the training ones
        self.assertTrue(final["has_training_profile"])
        self.assertLess(final["memory_bytes"], 1 << 20)
        self.assertEqual(sum(point["rows"] for point in final["series"]), 10_000)
        with WebhookReceiver.lock:
            self.assertFalse([body for _, body in WebhookReceiver.events if json.loads(body)["model"] == "diab-clean"])

    def test_a_one_stddev_shift_alerts_naming_the_feature_and_calls_the_webhook(self):
        rows = [dict(row, bmi=row["bmi"] + self.bmi_std) for row, _ in self.holdout]
        seen = self.replay("diab-shift", rows, 2_000, check_every_batch=True)
        alerted = [idx for idx, report in enumerate(seen) if report["state"] == "alert"]
        self.assertTrue(alerted, json.dumps(seen[-1]["features"])[:2000])
        first = seen[alerted[0]]
        print(f"\nbmi + 1 sd: alert after {first['rows']} rows, causes {first['causes']}", file=sys.stderr)
        self.assertIn("bmi", first["causes"])
        bmi = next(feature for feature in first["features"] if feature["name"] == "bmi")
        self.assertEqual(bmi["state"], "alert")
        for feature in first["features"]:
            if feature["name"] not in ("bmi",):
                self.assertNotEqual(feature["state"], "alert", feature)

        with WebhookReceiver.lock:
            WebhookReceiver.arrived.wait_for(
                lambda: any(json.loads(body)["model"] == "diab-shift" for _, body in WebhookReceiver.events),
                timeout=20)
            events = [(headers, body) for headers, body in WebhookReceiver.events
                      if json.loads(body)["model"] == "diab-shift"]
        self.assertTrue(events, "no webhook for diab-shift")
        headers, body = events[0]
        event = json.loads(body)
        self.assertEqual(event["event"], "monitoring.alert_entered")
        self.assertEqual(event["to"], "alert")
        self.assertIn("bmi", event["causes"])
        self.assertEqual(headers["X-Amp-Event"], "monitoring.alert_entered")
        fields = dict(part.split("=", 1) for part in headers["X-Amp-Signature"].split(","))
        expected = hmac.new(SECRET.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        self.assertEqual(fields["v1"], expected)

        metrics = self.call("GET", "/metrics").text
        self.assertIn('amp_model_monitoring_state{model="diab-shift",version="1"} 3', metrics)
        self.assertIn('amp_model_feature_psi{model="diab-shift",version="1",feature="bmi"}', metrics)

    def test_a_new_category_in_30_percent_of_rows_alerts_naming_the_feature(self):
        rows = [dict(row, sex="other") if idx % 10 < 3 else row for idx, (row, _) in enumerate(self.holdout)]
        seen = self.replay("diab-newcat", rows, 2_000, check_every_batch=True)
        alerted = [report for report in seen if report["state"] == "alert"]
        self.assertTrue(alerted, json.dumps(seen[-1]["features"])[:2000])
        print(f"\nnew category: alert after {alerted[0]['rows']} rows, causes {alerted[0]['causes']}", file=sys.stderr)
        self.assertIn("sex", alerted[0]["causes"])
        sex = next(feature for feature in alerted[0]["features"] if feature["name"] == "sex")
        self.assertGreater(sex["unseen_rate"], 0.25)

    def test_feedback_gives_the_rmse_computed_independently(self):
        errors = []
        outcomes = []
        session = self.server.http  # keep-alive
        for idx, (row, actual) in enumerate(self.holdout[:60]):
            response = session.post(self.server.url + "/v1/models/diab-feedback/predict", json={"rows": [row]},
                                    headers={"X-Request-Id": f"fb-{idx}"}, timeout=60)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.headers["X-Request-Id"], f"fb-{idx}")
            prediction = response.json()["predictions"][0]
            errors.append(prediction - actual)
            outcomes.append({"request_id": f"fb-{idx}", "actual": actual})
        for row, actual in self.holdout[60:80]:  # inline rows: scored again by the server
            prediction = self.call("POST", "/v1/models/diab-feedback/predict", json={"rows": [row]}).json()["predictions"][0]
            errors.append(prediction - actual)
            outcomes.append({"input": row, "actual": actual})
        outcomes.append({"request_id": "never-sent", "actual": 1.0})
        answer = self.call("POST", "/v1/models/diab-feedback/feedback", json={"outcomes": outcomes}).json()
        self.assertEqual(answer["accepted"], 80)
        self.assertEqual(answer["unknown_request_ids"], ["never-sent"])
        rmse = math.sqrt(sum(error * error for error in errors) / len(errors))
        mae = sum(abs(error) for error in errors) / len(errors)
        self.assertEqual(answer["feedback"]["rows"], 80)
        self.assertAlmostEqual(answer["feedback"]["rmse"], rmse, delta=1e-9 * rmse)
        self.assertAlmostEqual(answer["feedback"]["mae"], mae, delta=1e-9 * mae)
        self.assertIn("rmse", answer["holdout_metrics"])
        report = self.call("GET", "/v1/models/diab-feedback/monitoring").json()
        self.assertAlmostEqual(report["feedback"]["rmse"], rmse, delta=1e-9 * rmse)

        self.call("POST", "/v1/models/diab-feedback/feedback", status=422, json={"outcomes": [{"actual": 1}]})
        self.call("POST", "/v1/models/diab-feedback/feedback", status=422,
                  json={"outcomes": [{"request_id": "fb-0", "actual": "high"}]})

    def test_classifier_feedback_gives_the_accuracy_computed_independently(self):
        cancer = load_breast_cancer()
        names = [f"f{idx}" for idx in range(cancer.data.shape[1])]
        labels = list(cancer.target_names)
        rows = [({name: float(value) for name, value in zip(names, values)}, labels[target])
                for values, target in zip(cancer.data, cancer.target)]
        random.Random(3).shuffle(rows)
        train, holdout = rows[:450], rows[450:]
        csv_text = "\n".join([",".join(names + ["diagnosis"])] +
                              [",".join([repr(row[name]) for name in names] + [label]) for row, label in train])
        dataset = self.client.upload_dataset((csv_text + "\n").encode(), "cancer")
        job = self.client.train("cancer-feedback", dataset["id"], "diagnosis", algorithm="logistic_regression")
        self.client.wait_for_job(job["job_id"], timeout=120)
        correct = 0
        scores, truths, outcomes = [], [], []
        for idx, (row, label) in enumerate(holdout):
            response = self.server.http.post(self.server.url + "/v1/models/cancer-feedback/predict",
                                             json={"rows": [row]}, headers={"X-Request-Id": f"cancer-{idx}"},
                                             timeout=60)
            self.assertEqual(response.status_code, 200, response.text)
            answer = response.json()
            correct += answer["predictions"][0] == label
            scores.append(answer["probabilities"][0][labels[1]])
            truths.append(label == labels[1])
            outcomes.append({"request_id": f"cancer-{idx}", "actual": label})
        answer = self.call("POST", "/v1/models/cancer-feedback/feedback", json={"outcomes": outcomes}).json()
        print(f"\nclassifier feedback: accuracy {answer['feedback']['accuracy']:.4f} (test {correct / len(holdout):.4f}), "
              f"auc {answer['feedback']['roc_auc']:.4f} (exact {roc_auc_score(truths, scores):.4f})", file=sys.stderr)
        self.assertEqual(answer["accepted"], len(holdout))
        self.assertAlmostEqual(answer["feedback"]["accuracy"], correct / len(holdout), delta=1e-12)
        # The server's AUC comes from 100 score bins per class; the test's is exact.
        self.assertAlmostEqual(answer["feedback"]["roc_auc"], roc_auc_score(truths, scores), delta=0.02)
        self.assertIn("accuracy", answer["holdout_metrics"])

    def test_a_value_far_outside_the_training_range_warns_in_its_response(self):
        row = dict(self.holdout[0][0], bmi=1000.0)
        answer = self.call("POST", "/v1/models/diab-feedback/predict", json={"rows": [row]}).json()
        self.assertTrue(any("'bmi' = 1000 is far outside its training range" in warning
                            for warning in answer.get("warnings", [])), answer)
        classic = self.call("POST", "/api/predict",
                            json={"model_id": "diab-feedback", "input_parameters": row}).json()
        self.assertIn("warnings", classic)
        plain = self.call("POST", "/v1/models/diab-feedback/predict", json={"rows": [self.holdout[1][0]]}).json()
        self.assertEqual(plain["warnings"], [])

    def test_settings_validate_and_apply(self):
        self.call("PUT", "/v1/models/diab-feedback/monitoring/settings", status=400, json={"psi_warning": 0.9})
        self.call("PUT", "/v1/models/diab-feedback/monitoring/settings", status=400, json={"min_rows": "many"})
        updated = self.call("PUT", "/v1/models/diab-feedback/monitoring/settings",
                            json={"far_outside_stddevs": 0, "min_rows": 50}).json()
        self.assertEqual(updated["min_rows"], 50)
        self.assertEqual(updated["psi_alert"], 0.5)  # untouched keys keep their values
        self.assertEqual(self.call("GET", "/v1/models/diab-feedback/monitoring/settings").json(), updated)
        row = dict(self.holdout[0][0], bmi=1000.0)
        self.assertEqual(self.call("POST", "/v1/models/diab-feedback/predict", json={"rows": [row]}).json()["warnings"],
                         [])
        self.call("PUT", "/v1/models/diab-feedback/monitoring/settings", json={"far_outside_stddevs": 3, "min_rows": 300})

    def test_the_training_profile_is_stored_with_the_version(self):
        profile = self.call("GET", "/v1/models/diab-clean/versions/1/profile").json()
        self.assertEqual([feature["name"] for feature in profile["features"]], FEATURES)
        sex = profile["features"][1]
        self.assertEqual(sex["type"], "category")
        self.assertEqual(sorted(sex["categories"]), ["female", "male"])
        bmi = profile["features"][2]
        self.assertEqual(bmi["type"], "number")
        self.assertEqual(len(bmi["fractions"]), len(bmi["edges"]) + 1)
        self.assertAlmostEqual(sum(bmi["fractions"]), 1.0, places=9)
        # The training part of the server's own 80/20 split of the uploaded rows, not the whole upload.
        version = self.call("GET", "/v1/models/diab-clean/versions/1").json()
        self.assertEqual(profile["rows"], version["metrics"]["train_rows"])
        self.assertLess(profile["rows"], len(self.train_rows))
        self.assertEqual(profile["prediction"]["type"], "number")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
