"""End-to-end: the classic /api routes, the seed client, and the v1 dataset -> train -> predict -> restart story.

Run: /usr/bin/python3 tests/e2e/classic_api_test.py --amp build/amp
The server starts WITH the demo model, so GET /api/model lists "House Price Linear Regression" and
examples/seed_client.py works unchanged apart from the address.
"""

import csv
import hashlib
import json
import math
import os
import statistics
import subprocess
import tempfile
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, SEED_CLIENT, AmpServer, is_number, wait_until
from amp_client import AmpClient

DEMO_MODEL_NAME = "House Price Linear Regression"
# Must not contain "linear regression": the seed client picks the last model whose name does.
MODEL_NAME = "house-prices"
DATASET_NAME = "houses"
FEATURES = ["square_feet", "num_bedrooms", "location_code", "neighborhood"]
BASE_INPUT = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100, "neighborhood": "Riverside"}
MORE_INPUTS = [
    {"square_feet": 900, "num_bedrooms": 1, "location_code": 300, "neighborhood": "Old Town"},
    {"square_feet": 3200, "num_bedrooms": 5, "location_code": 500, "neighborhood": "Lakeview"},
]
SEED_INPUT = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100}
MODEL_FIELDS = ["id", "name", "version", "task", "target", "features", "metrics", "created_at"]

# What schema inference must find in data/demo/house_sales.csv (see scripts/make_demo_data.py).
EXPECTED_TYPES = {
    "square_feet": "integer",
    "num_bedrooms": "integer",
    "num_bathrooms": "numeric",
    "location_code": "integer",
    "year_built": "integer",
    "lot_size": "numeric",
    "neighborhood": "categorical",
    "has_garage": "boolean",
    "price": "integer",
}


def read_demo_columns():
    """{column name: list of raw cell strings} of the demo CSV, in header order."""
    with open(DEMO_CSV, newline="", encoding="utf-8") as csv_file:
        reader = csv.reader(csv_file)
        header = next(reader)
        columns = {name: [] for name in header}
        for row in reader:
            for name, cell in zip(header, row):
                columns[name].append(cell)
    return columns


class ClassicApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(demo=True)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        wait_until(lambda: any(model["name"] == DEMO_MODEL_NAME for model in cls.get_json("/api/model")),
                   timeout=60, what=f"GET /api/model to list {DEMO_MODEL_NAME!r}")

        cls.csv_bytes = DEMO_CSV.read_bytes()
        cls.upload_response = cls.server.http.post(cls.server.url + "/v1/datasets", params={"name": DATASET_NAME},
                                                   data=cls.csv_bytes, headers={"Content-Type": "text/csv"}, timeout=60)
        if cls.upload_response.status_code != 201:
            raise AssertionError(f"upload: {cls.upload_response.status_code} {cls.upload_response.text[:500]}")
        cls.dataset = cls.upload_response.json()

        cls.train_response = cls.server.http.post(
                   f"{cls.server.url}/v1/models/{MODEL_NAME}/train",
                   json={"dataset_id": cls.dataset["id"], "target": "price", "algorithm": "linear_regression",
                         "features": FEATURES, "params": {"l2": 0.0}},
                   timeout=30)
        if cls.train_response.status_code != 202:
            raise AssertionError(f"train: {cls.train_response.status_code} {cls.train_response.text[:500]}")
        cls.job = cls.client().wait_for_job(cls.train_response.json()["job_id"], timeout=120)
        cls.model_id = cls.job["result"]["model_id"]
        cls.version = cls.job["result"]["version"]

    _client = None

    @classmethod
    def client(cls):
        """An AmpClient for the running server (a new one after a restart, which changes the port)."""
        if cls._client is None or cls._client.base_url != cls.server.url:
            if cls._client is not None:
                cls._client.close()
            cls._client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
            cls.addClassCleanup(cls._client.close)
        return cls._client

    @classmethod
    def get_json(cls, path):
        response = cls.server.http.get(cls.server.url + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def predict(self, body):
        """POST /api/predict, asserting 200 and a JSON object; returns the body."""
        response = self.server.http.post(self.server.url + "/api/predict", json=body, timeout=30)
        self.assertEqual(response.status_code, 200, response.text[:500])
        result = response.json()
        self.assertIsInstance(result, dict)
        return result

    def test_model_list_has_the_contract_fields(self):
        models = self.get_json("/api/model")
        self.assertIsInstance(models, list)
        for model in models:
            for field in MODEL_FIELDS:
                self.assertIn(field, model, f"model {model.get('name')!r} lacks {field!r}")
            self.assertIsInstance(model["id"], str)
            self.assertIsInstance(model["name"], str)
            self.assertIsInstance(model["task"], str)
            self.assertIsInstance(model["target"], str)
            self.assertIsInstance(model["metrics"], dict)
            self.assertIsInstance(model["created_at"], str)
            self.assertIsInstance(model["features"], list)
            self.assertTrue(model["features"])
            for feature in model["features"]:
                self.assertIsInstance(feature["name"], str)
                self.assertIsInstance(feature["type"], str)

        by_name = {model["name"]: model for model in models}
        demo = by_name[DEMO_MODEL_NAME]
        self.assertEqual(demo["target"], "price")
        self.assertLessEqual(set(SEED_INPUT), {feature["name"] for feature in demo["features"]})

        ours = by_name[MODEL_NAME]
        self.assertEqual(ours["id"], self.model_id)
        self.assertEqual(ours["version"], self.version)
        self.assertEqual(ours["target"], "price")
        feature_types = {feature["name"]: feature["type"] for feature in ours["features"]}
        self.assertEqual(sorted(feature_types), sorted(FEATURES))
        self.assertEqual(feature_types["neighborhood"], "categorical")
        for name in ["square_feet", "num_bedrooms", "location_code"]:
            self.assertIn(feature_types[name], ("numeric", "integer"), name)
        for metric in ("rmse", "mae", "r2"):
            self.assertTrue(is_number(ours["metrics"][metric]), metric)

        self.assertEqual([model["name"] for model in self.client().classic_models()], [m["name"] for m in models])

    def test_seed_client_prints_a_price(self):
        source = SEED_CLIENT.read_text()
        self.assertIn("localhost:8080", source)
        rewritten = source.replace("localhost:8080", f"127.0.0.1:{self.server.port}")
        with tempfile.TemporaryDirectory() as temp_dir:
            script = os.path.join(temp_dir, "seed_client.py")
            with open(script, "w") as script_file:
                script_file.write(rewritten)
            completed = subprocess.run([amp_server.DEBIAN_PYTHON, script], capture_output=True, text=True,
                                       timeout=60)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        lines = completed.stdout.strip().splitlines()
        self.assertEqual(len(lines), 1, f"seed client printed {completed.stdout!r}, stderr {completed.stderr!r}")
        price = float(lines[0])
        self.assertTrue(math.isfinite(price))
        self.assertGreater(price, 50_000)
        self.assertLess(price, 2_000_000)

    def test_upload_reports_the_schema(self):
        self.assertEqual(self.upload_response.status_code, 201)
        dataset = self.dataset
        self.assertIsInstance(dataset["id"], str)
        self.assertTrue(dataset["id"].startswith("ds_"), dataset["id"])
        self.assertEqual(dataset["name"], DATASET_NAME)
        self.assertIsInstance(dataset["created_at"], str)
        self.assertEqual(dataset["row_count"], 3000)
        self.assertEqual(dataset["size_bytes"], len(self.csv_bytes))
        sha256 = dataset["sha256"].lower()
        self.assertEqual(sha256.removeprefix("sha256:"), hashlib.sha256(self.csv_bytes).hexdigest())

        expected_columns = read_demo_columns()
        self.assertEqual([column["name"] for column in dataset["columns"]], list(expected_columns))
        for column in dataset["columns"]:
            with self.subTest(column=column["name"]):
                self.check_column(column, expected_columns[column["name"]])

    def check_column(self, column, cells):
        present = [cell for cell in cells if cell != ""]
        self.assertEqual(column["type"], EXPECTED_TYPES[column["name"]])
        self.assertEqual(column["missing_count"], len(cells) - len(present))
        distinct = len(set(present))
        if column["type"] in ("categorical", "boolean"):
            self.assertIn(column["distinct_count"], (distinct, distinct + 1))  # +1 if missing counts as a value
        else:
            self.assertTrue(1 <= column["distinct_count"] <= len(cells), column["distinct_count"])

        if column["type"] in ("numeric", "integer"):
            values = [float(cell) for cell in present]
            self.assertTrue(math.isclose(column["min"], min(values), rel_tol=1e-9), (column["min"], min(values)))
            self.assertTrue(math.isclose(column["max"], max(values), rel_tol=1e-9), (column["max"], max(values)))
            mean = statistics.fmean(values)
            self.assertTrue(math.isclose(column["mean"], mean, rel_tol=1e-5), (column["mean"], mean))
            population, sample = statistics.pstdev(values), statistics.stdev(values)
            self.assertTrue(any(math.isclose(column["stddev"], expected, rel_tol=1e-4)
                                for expected in (population, sample)),
                            f"stddev {column['stddev']} is neither {population} nor {sample}")

        if column["type"] == "categorical":
            counts = {}
            for cell in present:
                counts[cell] = counts.get(cell, 0) + 1
            top = column["top_values"]
            self.assertIsInstance(top, list)
            self.assertTrue(top)
            listed = {}
            for entry in top:
                if entry["value"] in (None, ""):
                    continue  # missing values may be listed as their own bucket
                self.assertEqual(entry["count"], counts[entry["value"]], entry)
                listed[entry["value"]] = entry["count"]
            most_frequent = max(counts, key=counts.get)
            self.assertEqual(listed.get(most_frequent), counts[most_frequent])

    def test_dataset_routes_return_the_uploaded_dataset(self):
        listing = self.get_json("/v1/datasets")
        self.assertIn(self.dataset["id"], [dataset["id"] for dataset in listing["datasets"]])
        # ?name= lists only the datasets of that name (the server also holds the demo's).
        self.assertGreater(len({dataset["name"] for dataset in listing["datasets"]}), 1)
        named = self.server.http.get(self.server.url + "/v1/datasets", params={"name": DATASET_NAME}, timeout=10)
        self.assertEqual(named.status_code, 200)
        self.assertEqual({dataset["name"] for dataset in named.json()["datasets"]}, {DATASET_NAME})
        self.assertIn(self.dataset["id"], [dataset["id"] for dataset in named.json()["datasets"]])
        nobody = self.server.http.get(self.server.url + "/v1/datasets", params={"name": "no such name"}, timeout=10)
        self.assertEqual(nobody.json()["datasets"], [])
        fetched = self.get_json(f"/v1/datasets/{self.dataset['id']}")
        for field in ("id", "name", "row_count", "size_bytes", "sha256"):
            self.assertEqual(fetched[field], self.dataset[field], field)
        self.assertEqual([(column["name"], column["type"]) for column in fetched["columns"]],
                         [(column["name"], column["type"]) for column in self.dataset["columns"]])
        self.assertEqual(self.client().get_dataset(self.dataset["id"])["id"], self.dataset["id"])
        self.assertIn(self.dataset["id"], [dataset["id"] for dataset in self.client().list_datasets()])

    def test_training_job_record(self):
        accepted = self.train_response.json()
        self.assertTrue(accepted["job_id"].startswith("job_"), accepted["job_id"])
        self.assertEqual(accepted["state"], "queued")

        job = self.get_json(f"/v1/jobs/{accepted['job_id']}")
        self.assertEqual(job["id"], accepted["job_id"])
        self.assertEqual(job["state"], "succeeded")
        self.assertEqual(job["model_name"], MODEL_NAME)
        for field in ("created_at", "started_at", "finished_at"):
            self.assertIsInstance(job[field], str, field)
        result = job["result"]
        self.assertEqual(result["model_name"], MODEL_NAME)
        self.assertEqual(result["model_id"], self.model_id)
        self.assertEqual(result["version"], self.version)
        metrics = result["metrics"]
        for metric in ("rmse", "mae", "r2"):
            self.assertTrue(is_number(metrics[metric]), metric)
        self.assertGreater(metrics["rmse"], 0)
        self.assertGreater(metrics["mae"], 0)
        self.assertLessEqual(metrics["mae"], metrics["rmse"] * (1 + 1e-9))  # true of any set of errors
        self.assertGreater(metrics["r2"], 0.5)  # the demo price is close to linear in these features
        self.assertLessEqual(metrics["r2"], 1.0)

        self.assertIn(accepted["job_id"], [listed["id"] for listed in self.get_json("/v1/jobs")["jobs"]])

    def test_v1_model_routes(self):
        self.assertIn(MODEL_NAME, [model.get("name") for model in self.get_json("/v1/models")["models"]])
        self.assertIn(MODEL_NAME, [model.get("name") for model in self.client().list_models()])
        model = self.client().get_model(MODEL_NAME)
        self.assertIsInstance(model["versions"], list)
        self.assertTrue(model["versions"])

    def test_classic_predict_by_id_and_by_name(self):
        by_id = self.predict({"model_id": self.model_id, "input_parameters": BASE_INPUT, "output_target": "price"})
        self.assertTrue(is_number(by_id["prediction"]), by_id)
        self.assertGreater(by_id["prediction"], 50_000)
        self.assertLess(by_id["prediction"], 2_000_000)
        self.assertEqual(by_id["model_id"], self.model_id)
        self.assertEqual(by_id["model_version"], self.version)
        self.assertEqual(by_id["output_target"], "price")
        self.assertNotIn("warnings", by_id)  # present only when there are warnings

        by_name = self.predict({"model_id": MODEL_NAME, "input_parameters": BASE_INPUT, "output_target": "price"})
        self.assertEqual(by_name["prediction"], by_id["prediction"])
        self.assertIn(by_name["model_id"], (self.model_id, MODEL_NAME))
        self.assertEqual(by_name["model_version"], self.version)

        without_target = self.predict({"model_id": MODEL_NAME, "input_parameters": BASE_INPUT})
        self.assertEqual(without_target["prediction"], by_id["prediction"])
        self.assertEqual(without_target["output_target"], "price")

        via_client = self.client().classic_predict(self.model_id, BASE_INPUT, output_target="price")
        self.assertEqual(via_client["prediction"], by_id["prediction"])

        bigger = dict(BASE_INPUT, square_feet=3000)
        self.assertGreater(self.predict({"model_id": MODEL_NAME, "input_parameters": bigger})["prediction"],
                           by_id["prediction"])

    def test_classic_predict_with_an_array_returns_an_array(self):
        inputs = [BASE_INPUT] + MORE_INPUTS
        singles = [self.predict({"model_id": self.model_id, "input_parameters": one})["prediction"] for one in inputs]
        for model_ref in (self.model_id, MODEL_NAME):
            batch = self.predict({"model_id": model_ref, "input_parameters": inputs, "output_target": "price"})
            self.assertIsInstance(batch["prediction"], list)
            self.assertEqual(len(batch["prediction"]), len(inputs))
            for got, expected in zip(batch["prediction"], singles):
                self.assertTrue(is_number(got))
                self.assertTrue(math.isclose(got, expected, rel_tol=1e-9), (got, expected))

        one_element = self.predict({"model_id": self.model_id, "input_parameters": [BASE_INPUT]})
        self.assertIsInstance(one_element["prediction"], list)
        self.assertEqual(len(one_element["prediction"]), 1)

    def test_v1_predict_matches_classic_predict(self):
        inputs = [BASE_INPUT] + MORE_INPUTS
        response = self.server.http.post(f"{self.server.url}/v1/models/{MODEL_NAME}/predict", json={"rows": inputs},
                                         timeout=30)
        self.assertEqual(response.status_code, 200, response.text[:500])
        result = response.json()
        self.assertEqual(result["model_id"], self.model_id)
        self.assertEqual(result["model"], MODEL_NAME)
        self.assertEqual(result["version"], self.version)
        self.assertEqual(len(result["predictions"]), len(inputs))
        self.assertIsInstance(result.get("warnings", []), list)
        self.assertFalse(result.get("warnings"))
        classic = self.predict({"model_id": self.model_id, "input_parameters": inputs})["prediction"]
        for got, expected in zip(result["predictions"], classic):
            self.assertTrue(math.isclose(got, expected, rel_tol=1e-9), (got, expected))
        self.assertEqual(self.client().predict(MODEL_NAME, inputs)["predictions"], result["predictions"])

    def test_null_feature_is_imputed_with_a_warning(self):
        result = self.predict({"model_id": self.model_id, "input_parameters": dict(BASE_INPUT, square_feet=None)})
        self.assertTrue(is_number(result["prediction"]), result)
        self.assertTrue(math.isfinite(result["prediction"]))
        self.assertIsInstance(result.get("warnings"), list)
        self.assertTrue(result["warnings"], result)
        self.assertIn("square_feet", json.dumps(result["warnings"]))

    def test_unseen_category_predicts_with_a_warning(self):
        result = self.predict({"model_id": self.model_id,
                               "input_parameters": dict(BASE_INPUT, neighborhood="Atlantis")})
        self.assertTrue(is_number(result["prediction"]), result)
        self.assertTrue(math.isfinite(result["prediction"]))
        self.assertIsInstance(result.get("warnings"), list)
        self.assertTrue(result["warnings"], result)
        text = json.dumps(result["warnings"])
        self.assertTrue("neighborhood" in text or "Atlantis" in text, text)

    def test_z_restart_keeps_models_and_predictions(self):
        # Named to run last: it restarts the shared server (the port changes; tests read self.server.url anew).
        before = self.snapshot()
        self.server.stop()  # asserts a clean exit 0 after SIGTERM
        self.server.start()
        wait_until(lambda: self.server.http.get(self.server.url + "/readyz", timeout=5).status_code == 200, timeout=60,
                           what="GET /readyz 200 after restart")
        after = self.snapshot()

        self.assertEqual(after["model_list"], before["model_list"])
        for model_id, metrics in before["metrics"].items():
            self.assertEqual(sorted(after["metrics"][model_id]), sorted(metrics))
            for name, value in metrics.items():
                if is_number(value):
                    self.assertTrue(math.isclose(after["metrics"][model_id][name], value, rel_tol=1e-9), name)
        self.assertEqual(after["v1_names"], before["v1_names"])
        self.assertEqual(after["predictions"], before["predictions"])  # exactly equal floats

    def snapshot(self):
        models = sorted(self.get_json("/api/model"), key=lambda model: model["id"])
        demo_id = next(model["id"] for model in models if model["name"] == DEMO_MODEL_NAME)
        inputs = [BASE_INPUT] + MORE_INPUTS
        predictions = {
            "by_id": self.predict({"model_id": self.model_id, "input_parameters": BASE_INPUT})["prediction"],
            "by_name": self.predict({"model_id": MODEL_NAME, "input_parameters": BASE_INPUT})["prediction"],
            "batch": self.predict({"model_id": self.model_id, "input_parameters": inputs})["prediction"],
            "v1": self.client().predict(MODEL_NAME, inputs)["predictions"],
            "demo": self.predict({"model_id": demo_id, "input_parameters": SEED_INPUT,
                                  "output_target": "price"})["prediction"],
        }
        return {
            "model_list": [{field: model[field] for field in MODEL_FIELDS if field != "metrics"} for model in models],
            "metrics": {model["id"]: model["metrics"] for model in models},
            "v1_names": sorted(model.get("name") for model in self.get_json("/v1/models")["models"]),
            "predictions": predictions,
        }


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
