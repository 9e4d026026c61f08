"""End-to-end: gradient-boosted trees (algorithm "xgboost_regressor") through the real server.

Run: /usr/bin/python3 tests/e2e/xgboost_test.py --amp build/amp
Trains an xgboost_regressor on every column of data/demo/house_sales.csv (integer, numeric, categorical and boolean
features, some missing) through the v1 API, with early stopping, then checks: the job and version records (algorithm,
resolved parameters, metrics), that /api/predict and /v1/models/{m}/predict give the same predictions (float32
values, as XGBoost computes), that ?explain=true contributions plus the base value add up to the predictions, that
parameters of the wrong algorithm or out of range are refused with 422, and that a restart serves the very same
predictions and explanations.
"""

import math
import struct
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, is_number, wait_until
from amp_client import AmpClient

MODEL_NAME = "xgb-houses"
TARGET = "price"
FEATURES = ["square_feet", "num_bedrooms", "num_bathrooms", "location_code", "year_built", "lot_size",
            "neighborhood", "has_garage"]
PARAMS = {"n_estimators": 400, "max_depth": 5, "learning_rate": 0.1, "subsample": 0.9, "early_stopping_rounds": 10,
          "seed": 11}
ROWS = [
    {"square_feet": 2292, "num_bedrooms": 4, "num_bathrooms": 2.5, "location_code": 100, "year_built": 1987,
     "lot_size": 6832.1, "neighborhood": "Maple Heights", "has_garage": True},
    {"square_feet": 1464, "num_bedrooms": 3, "num_bathrooms": 2.0, "location_code": 100, "year_built": 1973,
     "lot_size": 6240.9, "neighborhood": "Old Town", "has_garage": True},
    {"square_feet": 3100, "num_bedrooms": 5, "num_bathrooms": 3.5, "location_code": 400, "year_built": 2015,
     "lot_size": 9000.0, "neighborhood": "Riverside", "has_garage": False},
    # Missing values (imputed) and a neighborhood unseen in training (all one-hot columns zero).
    {"square_feet": None, "num_bedrooms": 3, "num_bathrooms": None, "location_code": 200, "year_built": None,
     "lot_size": 5000.5, "neighborhood": "Atlantis", "has_garage": None},
    {feature: None for feature in FEATURES},
]
# XGBoost sums SHAP values in float32: base + contributions equals the prediction to float rounding.
EXPLAIN_REL_TOL = 1e-5


def is_float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0] == value


class XgboostTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(client.close)
        cls.dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "xgb-houses")
        accepted = client.train(MODEL_NAME, cls.dataset["id"], TARGET, algorithm="xgboost_regressor",
                                features=FEATURES, params=PARAMS)
        cls.job = client.wait_for_job(accepted["job_id"], timeout=300)
        cls.version = cls.job["result"]["version"]

    def post(self, path, body, status=200):
        response = self.server.http.post(self.server.url + path, json=body, timeout=60)
        self.assertEqual(response.status_code, status, response.text[:500])
        return response.json()

    def get(self, path):
        response = self.server.http.get(self.server.url + path, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()

    def v1(self, explain=False):
        suffix = "?explain=true" if explain else ""
        return self.post(f"/v1/models/{MODEL_NAME}/predict{suffix}", {"rows": ROWS})

    def classic(self):
        return self.post("/api/predict", {"model_id": MODEL_NAME, "input_parameters": ROWS})

    def test_job_and_version_records(self):
        self.assertEqual(self.job["state"], "succeeded")
        self.assertEqual(self.job["algorithm"], "xgboost_regressor")
        metrics = self.job["result"]["metrics"]
        self.assertGreater(metrics["r2"], 0.8, metrics)
        self.assertEqual(metrics["train_rows"] + metrics["holdout_rows"], self.dataset["row_count"])

        model = self.get(f"/v1/models/{MODEL_NAME}")
        version = next(v for v in model["versions"] if v["version"] == self.version)
        self.assertEqual(version["algorithm"], "xgboost_regressor")
        params = version["params"]
        for name, value in PARAMS.items():
            self.assertEqual(params[name], value, name)
        # Defaults are resolved and recorded too.
        self.assertEqual(params["colsample_bytree"], 1)
        self.assertEqual(params["min_child_weight"], 1)
        self.assertEqual(params["reg_lambda"], 1)
        self.assertEqual(params["nthread"], 1)
        self.assertEqual(params["holdout_fraction"], 0.2)
        self.assertNotIn("l2", params)

        platforms = {m["name"]: m["platform"] for m in self.get("/v2/models")["models"]}
        self.assertEqual(platforms[MODEL_NAME], "amp_xgboost_regressor")

    def test_classic_and_v1_predictions_agree(self):
        v1 = self.v1()
        classic = self.classic()
        predictions = v1["predictions"]
        self.assertEqual(v1["version"], self.version)
        self.assertEqual(classic["prediction"], predictions)
        self.assertEqual(len(predictions), len(ROWS))
        for prediction in predictions:
            self.assertTrue(is_number(prediction) and math.isfinite(prediction), prediction)
            self.assertTrue(is_float32(prediction), prediction)
            self.assertGreater(prediction, 50_000)
            self.assertLess(prediction, 2_000_000)
        self.assertGreater(predictions[2], predictions[1])  # a bigger, newer house
        warnings = " ".join(v1["warnings"])
        self.assertIn("Atlantis", warnings)
        self.assertIn("row 4: feature 'has_garage' is missing", warnings)

        one = self.post(f"/v1/models/{MODEL_NAME}/predict", {"rows": [ROWS[2]]})["predictions"]
        self.assertEqual(one, [predictions[2]])

    def test_explanations_add_up_to_the_predictions(self):
        plain = self.v1()
        explained = self.v1(explain=True)
        self.assertEqual(explained["predictions"], plain["predictions"])
        explanations = explained["explanations"]
        self.assertEqual(len(explanations), len(ROWS))
        self.assertEqual(len({explanation["base_value"] for explanation in explanations}), 1,
                         "the base value is the model's expected prediction, the same for every row")
        for prediction, explanation in zip(explained["predictions"], explanations):
            contributions = explanation["contributions"]
            self.assertEqual(sorted(contributions), sorted(FEATURES))
            total = explanation["base_value"] + math.fsum(contributions.values())
            self.assertTrue(math.isclose(total, prediction, rel_tol=EXPLAIN_REL_TOL),
                            f"base {explanation['base_value']} + contributions {contributions} = {total}, "
                            f"predicted {prediction}")
        # Size drives price: its contribution is the largest in magnitude for the biggest house.
        big = explanations[2]["contributions"]
        self.assertEqual(max(big, key=lambda feature: abs(big[feature])), "square_feet", big)

    def test_wrong_or_out_of_range_parameters_are_422(self):
        cases = [
            ({"l2": 1.0}, "unknown parameter 'l2' for xgboost_regressor"),
            ({"max_depth": 0}, "'max_depth' must be a whole number in [1, 24]"),
            ({"learning_rate": 2}, "'learning_rate' must be in (0, 1]"),
        ]
        for params, message in cases:
            response = self.server.http.post(f"{self.server.url}/v1/models/{MODEL_NAME}-bad/train", timeout=30,
                                             json={"dataset_id": self.dataset["id"], "target": TARGET,
                                                   "algorithm": "xgboost_regressor", "params": params})
            self.assertEqual(response.status_code, 422, response.text[:500])
            self.assertIn(message, response.json()["error"])

    def test_z_restart_serves_the_same_predictions(self):
        # Named to run last: it restarts the shared server.
        before = (self.classic(), self.v1(), self.v1(explain=True))
        self.server.stop()
        self.server.start()
        wait_until(lambda: self.server.http.get(self.server.url + "/readyz", timeout=5).status_code == 200, timeout=60,
                           what="GET /readyz 200 after restart")
        after = (self.classic(), self.v1(), self.v1(explain=True))
        self.assertEqual(after[0]["prediction"], before[0]["prediction"])  # exactly equal floats
        self.assertEqual(after[1]["predictions"], before[1]["predictions"])
        self.assertEqual(after[2]["explanations"], before[2]["explanations"])


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
