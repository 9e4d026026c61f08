"""End-to-end: the algorithms beyond the defaults through the real server, and feature importance.

Run: /usr/bin/python3 tests/e2e/algorithms_test.py --amp build/amp
On data/demo/house_sales.csv: k-means clustering without a target (the version record, the cluster and the distances
to every centre from /v1 predict in JSON and CSV and from the classic /api/predict, a target refused with 422), a
random forest regressor and a lasso (algorithm and parameters recorded, predictions served), and every version's
feature_importance (one entry per feature, sorted descending).
"""

import csv
import io
import math
import unittest

import amp_server
from amp_server import DEMO_CSV, AmpServer
from amp_client import AmpClient

CLUSTER_FEATURES = ["square_feet", "lot_size", "year_built", "neighborhood"]
ROWS = [
    {"square_feet": 2292, "lot_size": 6832.1, "year_built": 1987, "neighborhood": "Maple Heights"},
    {"square_feet": 3100, "lot_size": 9000.0, "year_built": 2015, "neighborhood": "Riverside"},
    {"square_feet": None, "lot_size": 5000.5, "year_built": None, "neighborhood": "Atlantis"},
]
K = 3


class AlgorithmsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(client.close)
        cls.client = client
        cls.dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "algo-houses")
        jobs = {
            "segments": client.train("segments", cls.dataset["id"], None, algorithm="kmeans",
                                     features=CLUSTER_FEATURES, params={"k": K, "n_init": 3, "seed": 5}),
            "forest": client.train("forest", cls.dataset["id"], "price", algorithm="random_forest_regressor",
                                   params={"n_estimators": 30, "seed": 5}),
            "lasso": client.train("lasso", cls.dataset["id"], "price", params={"alpha": 1.0, "l1_ratio": 1.0}),
        }
        cls.jobs = {name: client.wait_for_job(job["job_id"], timeout=300) for name, job in jobs.items()}

    def post(self, path, body, status=200, **kwargs):
        response = self.server.http.post(self.server.url + path, json=body, timeout=60, **kwargs)
        self.assertEqual(response.status_code, status, response.text[:500])
        return response

    def get(self, path):
        response = self.server.http.get(self.server.url + path, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()

    def version(self, model):
        return self.get(f"/v1/models/{model}/versions/{self.jobs[model]['result']['version']}")

    def test_kmeans_version_record(self):
        version = self.version("segments")
        self.assertEqual(version["algorithm"], "kmeans")
        self.assertEqual(version["task"], "clustering")
        self.assertEqual(version["target"], "cluster")
        self.assertEqual(version["params"]["k"], K)
        self.assertGreater(version["metrics"]["inertia"], 0)
        self.assertIn("holdout_mean_squared_distance", version["metrics"])
        importance = version["feature_importance"]
        self.assertEqual(sorted(entry["feature"] for entry in importance), sorted(CLUSTER_FEATURES))
        self.assertAlmostEqual(sum(entry["importance"] for entry in importance), 1.0, places=9)

    def test_kmeans_predicts_the_nearest_cluster_and_the_distances(self):
        answer = self.post("/v1/models/segments/predict", {"rows": ROWS}).json()
        self.assertEqual(answer["target"], "cluster")
        self.assertEqual(len(answer["predictions"]), len(ROWS))
        self.assertEqual(len(answer["distances"]), len(ROWS))
        for cluster, distances in zip(answer["predictions"], answer["distances"]):
            self.assertIsInstance(cluster, int)
            self.assertEqual(len(distances), K)
            self.assertTrue(all(d >= 0 and math.isfinite(d) for d in distances))
            self.assertEqual(cluster, distances.index(min(distances)))
        self.assertTrue(any("Atlantis" in warning for warning in answer["warnings"]), answer["warnings"])
        # The classic route answers the same cluster and distances.
        classic = self.post("/api/predict", {"model_id": "segments", "input_parameters": ROWS}).json()
        self.assertEqual(classic["prediction"], answer["predictions"])
        self.assertEqual(classic["distances"], answer["distances"])
        single = self.post("/api/predict", {"model_id": "segments", "input_parameters": ROWS[0]}).json()
        self.assertEqual(single["prediction"], answer["predictions"][0])
        self.assertEqual(single["distances"], answer["distances"][0])
        # A CSV batch: the cluster, then one distance column per centre.
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CLUSTER_FEATURES)
        for row in ROWS:
            writer.writerow(["" if row[f] is None else row[f] for f in CLUSTER_FEATURES])
        response = self.post("/v1/models/segments/predict", None, data=out.getvalue().encode(),
                             headers={"Content-Type": "text/csv", "Accept": "text/csv"})
        lines = [line for line in response.text.split("\r\n") if line]
        self.assertEqual(lines[0], "cluster," + ",".join(f"distance_{c}" for c in range(K)))
        for line, cluster, distances in zip(lines[1:], answer["predictions"], answer["distances"]):
            fields = line.split(",")
            self.assertEqual(int(fields[0]), cluster)
            self.assertEqual([float(f) for f in fields[1:]], distances)

    def test_clustering_refuses_a_target(self):
        response = self.post("/v1/models/segments/train",
                             {"dataset_id": self.dataset["id"], "target": "price", "algorithm": "kmeans"}, status=422)
        self.assertIn("clustering takes no target", response.text)
        response = self.post("/v1/models/segments/train", {"dataset_id": self.dataset["id"]}, status=422)
        self.assertIn("'target' is required", response.text)

    def test_forest_and_lasso_versions(self):
        forest = self.version("forest")
        self.assertEqual(forest["algorithm"], "random_forest_regressor")
        self.assertEqual(forest["params"]["n_estimators"], 30)
        self.assertGreater(forest["metrics"]["r2"], 0.5)
        lasso = self.version("lasso")
        self.assertEqual(lasso["algorithm"], "linear_regression")
        self.assertEqual(lasso["params"]["alpha"], 1.0)
        for version in (forest, lasso):
            importance = version["feature_importance"]
            self.assertEqual(len(importance), len(version["features"]))
            values = [entry["importance"] for entry in importance]
            self.assertEqual(values, sorted(values, reverse=True))
            self.assertGreater(values[0], 0)
        # square_feet drives the price most in this data, whichever family measures it.
        self.assertEqual(forest["feature_importance"][0]["feature"], "square_feet")
        row = {feature["name"]: None for feature in forest["features"]}
        row["square_feet"] = 2000
        prediction = self.post("/v1/models/forest/predict", {"rows": [row]}).json()
        self.assertTrue(math.isfinite(prediction["predictions"][0]))


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
