"""End-to-end: download a model version as a bundle and score offline with results identical to the server's.

Trains a linear model and an XGBoost model on every column of data/demo/house_sales.csv, downloads each version's
bundle through the API and through `amp models download`, and checks that `amp score` (no server) writes exactly
the bytes the server answers to the same CSV on POST /v1/models/{m}/predict, with and without explanations, for rows
with missing values and unseen categories too. An altered bundle is refused; a missing version is a 404.

Run: /usr/bin/python3 tests/e2e/bundle_test.py --amp build/amp
"""

import csv
import hashlib
import io
import json
import os
import subprocess
import tempfile
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, amp_binary
from amp_client import AmpClient

TARGET = "price"
FEATURES = ["square_feet", "num_bedrooms", "num_bathrooms", "location_code", "year_built", "lot_size",
            "neighborhood", "has_garage"]
MODELS = {"bundle-linear": ("linear_regression", {"l2": 0.5}),
          "bundle-trees": ("xgboost_regressor", {"n_estimators": 30, "max_depth": 4})}


def input_csv():
    """The demo rows' features (shuffled column order), plus rows with missing values and an unseen category."""
    with open(DEMO_CSV, newline="", encoding="utf-8") as csv_file:
        rows = list(csv.DictReader(csv_file))
    columns = FEATURES[::-1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows[:150]:
        writer.writerow([row[column] for column in columns])
    writer.writerow(["" for _ in columns])
    writer.writerow(["Atlantis" if column == "neighborhood" else "NA" for column in columns])
    return out.getvalue()


class BundleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.folder = tempfile.mkdtemp(prefix="amp_bundle_")
        cls.input = os.path.join(cls.folder, "input.csv")
        with open(cls.input, "w", encoding="utf-8") as input_file:
            input_file.write(input_csv())
        with AmpClient(cls.server.url, api_key=cls.server.admin_key) as client:
            dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "bundle-houses")
            for name, (algorithm, params) in MODELS.items():
                job = client.train(name, dataset["id"], TARGET, algorithm=algorithm, features=FEATURES, params=params)
                done = client.wait_for_job(job["job_id"], timeout=180)
                assert done["state"] == "succeeded", done

    def amp(self, *args):
        return subprocess.run([amp_binary(), *args], capture_output=True, timeout=120)

    def download(self, name, version=1):
        response = self.server.http.get(f"{self.server.url}/v1/models/{name}/versions/{version}/artifact", timeout=30)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response

    def server_answer(self, name, explain=False):
        with open(self.input, "rb") as input_file:
            response = self.server.http.post(
                f"{self.server.url}/v1/models/{name}/predict" + ("?explain=true" if explain else ""),
                data=input_file.read(), headers={"Content-Type": "text/csv"}, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.content

    def test_bundle_is_self_describing_and_checksummed(self):
        for name, (algorithm, params) in MODELS.items():
            response = self.download(name)
            self.assertEqual(response.headers["X-Amp-Bundle-Sha256"], hashlib.sha256(response.content).hexdigest())
            self.assertIn(f'filename="{name}-v1.ampbundle"', response.headers["Content-Disposition"])
            bundle = response.json()
            self.assertEqual(bundle["format"], "amp.bundle")
            manifest = bundle["manifest"]
            self.assertEqual((manifest["model_name"], manifest["version"], manifest["algorithm"], manifest["target"]),
                             (name, 1, algorithm, TARGET))
            self.assertEqual([feature["name"] for feature in manifest["features"]], FEATURES)
            self.assertIn("rmse", manifest["metrics"])
            self.assertTrue(manifest["lineage"]["dataset_id"] and manifest["lineage"]["job_id"])
            self.assertEqual(manifest["model_sha256"], hashlib.sha256(bundle["model"].encode()).hexdigest())
            self.assertEqual(json.loads(bundle["model"])["format"], "amp.model")

    def test_offline_score_equals_the_server_byte_for_byte(self):
        for name in MODELS:
            for explain in (False, True):
                with self.subTest(model=name, explain=explain):
                    path = os.path.join(self.folder, f"{name}.ampbundle")
                    saved = self.amp("models", "download", name, "--server", self.server.url, "--api-key",
                                     self.server.admin_key, "-o", path)
                    self.assertEqual(saved.returncode, 0, saved.stderr)
                    with open(path, "rb") as bundle_file:
                        self.assertEqual(bundle_file.read(), self.download(name).content)
                    output = os.path.join(self.folder, f"{name}-{explain}.csv")
                    args = ["score", "--bundle", path, "--input", self.input, "--output", output]
                    scored = self.amp(*(args + (["--explain"] if explain else [])))
                    self.assertEqual(scored.returncode, 0, scored.stderr)
                    self.assertIn(b"scored 152 rows", scored.stderr)
                    with open(output, "rb") as output_file:
                        offline = output_file.read()
                    self.assertEqual(offline, self.server_answer(name, explain))
                    self.assertEqual(len(offline.splitlines()), 153)

    def test_score_to_stdout(self):
        path = os.path.join(self.folder, "stdout.ampbundle")
        with open(path, "wb") as bundle_file:
            bundle_file.write(self.download("bundle-linear").content)
        scored = self.amp("score", "--bundle", path, "--input", self.input)
        self.assertEqual(scored.returncode, 0, scored.stderr)
        self.assertEqual(scored.stdout, self.server_answer("bundle-linear"))

    def test_altered_bundle_is_refused(self):
        bundle = self.download("bundle-linear").json()
        model = json.loads(bundle["model"])
        text = json.dumps(model)
        altered = text.replace("0.", "1.", 1)
        self.assertNotEqual(altered, text)
        bundle["model"] = altered
        path = os.path.join(self.folder, "altered.ampbundle")
        with open(path, "w") as bundle_file:
            json.dump(bundle, bundle_file)
        scored = self.amp("score", "--bundle", path, "--input", self.input)
        self.assertEqual(scored.returncode, 1)
        self.assertIn(b"SHA-256", scored.stderr)

    def test_input_that_does_not_fit_is_refused(self):
        path = os.path.join(self.folder, "fit.ampbundle")
        with open(path, "wb") as bundle_file:
            bundle_file.write(self.download("bundle-linear").content)
        bad = os.path.join(self.folder, "bad.csv")
        with open(bad, "w") as bad_file:
            bad_file.write("square_feet,colour\n1200,red\n")
        scored = self.amp("score", "--bundle", path, "--input", bad)
        self.assertEqual(scored.returncode, 1)
        self.assertIn(b"colour", scored.stderr)

    def test_missing_version_is_404(self):
        url = f"{self.server.url}/v1/models/bundle-linear/versions"
        self.assertEqual(self.server.http.get(f"{url}/9/artifact", timeout=30).status_code, 404)
        self.assertEqual(self.server.http.get(f"{url}/x/artifact", timeout=30).status_code, 400)

    def test_download_needs_a_developer_key(self):
        # Anonymous callers may call a public model but not take it away; the demo-free server's models are private.
        url = f"{self.server.url}/v1/models/bundle-linear/versions/1/artifact"
        self.assertEqual(requests.get(url, timeout=30).status_code, 401)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
