"""End-to-end: an XGBoost model exported as XGBoost JSON loads in Debian's python3-xgboost and predicts exactly what
AMP predicts, given the encoded matrix the model's feature_names describe (docs/models.md).

Run: /usr/bin/python3 tests/e2e/xgboost_json_export_test.py --amp build/amp
"""

import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import requests
import xgboost

import amp_server
from amp_server import AmpServer
from amp_client import AmpClient

MODEL = "xgb-json"
CITIES = ["Lyon", "Paris", "Rome"]


def make_rows(count, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        area = float(np.round(rng.uniform(20, 200), 3))
        rooms = int(rng.integers(1, 7))
        garden = bool(rng.integers(0, 2))
        city = CITIES[int(rng.integers(0, 3))]
        rows.append({"area": area, "rooms": rooms, "garden": garden, "city": city})
    return rows


def encode(rows, feature_names):
    """The encoded matrix: raw numbers (booleans 0/1), one 0/1 column per "feature=category"."""
    matrix = np.zeros((len(rows), len(feature_names)), dtype=np.float32)
    for row_idx, row in enumerate(rows):
        for col_idx, name in enumerate(feature_names):
            if "=" in name:
                feature, category = name.split("=", 1)
                matrix[row_idx, col_idx] = 1.0 if row[feature] == category else 0.0
            else:
                matrix[row_idx, col_idx] = float(row[name])
    return matrix


class XgboostJsonExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=("--no-access-log",))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.http = requests.Session()
        cls.http.headers.update(cls.server.auth)
        client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        lines = ["area,rooms,garden,city,price"]
        for row in make_rows(300, seed=7):
            price = 1000 * row["area"] + 5000 * row["rooms"] + (8000 if row["garden"] else 0) + \
                {"Lyon": 0, "Paris": 40000, "Rome": 15000}[row["city"]]
            lines.append(f"{row['area']},{row['rooms']},{str(row['garden']).lower()},{row['city']},{price}")
        dataset = client.upload_dataset(("\n".join(lines) + "\n").encode(), "xgb-json")["id"]
        cls.client = client
        client.wait_for_job(client.train(MODEL, dataset, "price", algorithm="xgboost_regressor",
                                         params={"n_estimators": 40, "max_depth": 4, "seed": 3})["id"], timeout=120)
        cls.linear_dataset = dataset

    def test_python_xgboost_predicts_exactly_as_amp(self):
        response = self.http.get(f"{self.server.url}/v1/models/{MODEL}/versions/1/export",
                                 params={"format": "xgboost-json"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("xgb-json-v1.xgboost.json", response.headers["Content-Disposition"])
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.json")
            with open(path, "wb") as out:
                out.write(response.content)
            booster = xgboost.Booster(model_file=path)
        self.assertEqual(booster.feature_names,
                         ["area", "rooms", "garden", "city=Lyon", "city=Paris", "city=Rome"])
        self.assertEqual(booster.feature_types, ["float", "float", "float", "i", "i", "i"])

        rows = make_rows(200, seed=11)
        answer = self.http.post(f"{self.server.url}/v1/models/{MODEL}/versions/1/predict", json={"rows": rows})
        self.assertEqual(answer.status_code, 200, answer.text)
        amp = np.array(answer.json()["predictions"], dtype=np.float64)
        self.assertEqual(len(amp), len(rows))
        matrix = encode(rows, booster.feature_names)
        python = booster.predict(xgboost.DMatrix(matrix, feature_names=booster.feature_names))
        self.assertEqual(python.dtype, np.float32)
        # Exact: AMP's double is the float32 sum widened, so narrowing it back loses nothing.
        np.testing.assert_array_equal(amp.astype(np.float32), python)
        self.assertTrue(np.all(amp == amp.astype(np.float32).astype(np.float64)))

    def test_cli_and_refusals(self):
        env = dict(os.environ, AMP_SERVER=self.server.url, AMP_API_KEY=self.server.admin_key)
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run([self.server.binary, "models", "export", MODEL, "--format", "xgboost-json"],
                                  cwd=folder, env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(os.path.join(folder, f"{MODEL}-v1.xgboost.json"), encoding="utf-8") as exported:
                self.assertIn("learner", json.load(exported))
        self.client.wait_for_job(self.client.train("linear-not-xgb", self.linear_dataset, "price",
                                                   algorithm="linear_regression")["id"], timeout=60)
        refused = self.http.get(f"{self.server.url}/v1/models/linear-not-xgb/versions/1/export",
                                params={"format": "xgboost-json"})
        self.assertEqual(refused.status_code, 422, refused.text)
        self.assertIn("linear_regression", refused.json()["error"])
        unknown = self.http.get(f"{self.server.url}/v1/models/{MODEL}/versions/1/export", params={"format": "pmml"})
        self.assertEqual(unknown.status_code, 400)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
