"""End-to-end data protection: per-key dataset and training quotas, dataset deletion (with and without cascade to
the models trained on it) and encryption at rest, against the real `amp serve` over real HTTP.

Run: /usr/bin/python3 tests/e2e/data_protection_test.py --amp build/amp
"""

import os
import secrets
import subprocess
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, amp_binary, project_csv, wait_until
from amp_client import AmpClient, AmpError

FEATURES = ["square_feet", "num_bedrooms", "location_code"]
INPUT = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100}


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def rows_csv(count):
    """A small regression CSV with `count` data rows."""
    lines = ["x,y"] + [f"{row_idx},{1000000 + 3 * row_idx}" for row_idx in range(count)]
    return ("\n".join(lines) + "\n").encode()


def files_under(folder):
    for root, _, names in os.walk(folder):
        for name in names:
            yield os.path.join(root, name)


class QuotaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=("--no-access-log", "--max-dataset-rows-per-key", "50"))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.url = cls.server.url
        cls.admin = AmpClient(cls.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.admin.close)

    def client(self, key):
        client = AmpClient(self.url, api_key=key["secret"])
        self.addCleanup(client.close)
        return client

    def upload(self, key_secret, body, name="q"):
        return requests.post(self.url + "/v1/datasets", params={"name": name}, data=body,
                             headers=dict(bearer(key_secret), **{"Content-Type": "text/csv"}), timeout=30)

    def test_dataset_size_limit_of_a_key(self):
        key = self.admin.create_key("small-uploads", "developer", limits={"max_dataset_bytes": 300})
        self.assertEqual(key["limits"], {"max_dataset_bytes": 300, "max_dataset_rows": None,
                                         "max_training_jobs": None})
        self.assertEqual(key["effective_limits"]["max_dataset_rows"], 50)  # the server's default
        before = self.admin.list_datasets()
        big = rows_csv(40)
        self.assertGreater(len(big), 300)
        response = self.upload(key["secret"], big)
        self.assertEqual(response.status_code, 413, response.text)
        self.assertEqual(response.json()["code"], "dataset_too_large")
        self.assertIn("limit of 300 bytes", response.json()["error"])
        self.assertEqual(self.admin.list_datasets(), before)
        upload_dir = os.path.join(self.server.data_dir, "tmp")
        self.assertEqual(os.listdir(upload_dir) if os.path.isdir(upload_dir) else [], [])  # the upload is not kept
        small = rows_csv(10)
        self.assertLess(len(small), 300)
        self.assertEqual(self.upload(key["secret"], small).status_code, 201)

    def test_server_default_row_limit_and_a_key_without_limits(self):
        default_key = self.admin.create_key("defaults", "developer")
        response = self.upload(default_key["secret"], rows_csv(60))
        self.assertEqual(response.status_code, 413, response.text)
        self.assertIn("60 rows, over this API key's limit of 50 rows", response.json()["error"])
        self.assertEqual(self.upload(default_key["secret"], rows_csv(50)).status_code, 201)
        unlimited = self.admin.create_key("bulk", "developer", limits={"max_dataset_rows": 0})
        self.assertEqual(self.upload(unlimited["secret"], rows_csv(60)).status_code, 201)
        listed = {key["name"]: key for key in self.admin.list_keys()}
        self.assertEqual(listed["bulk"]["limits"]["max_dataset_rows"], 0)
        self.assertEqual(listed["bulk"]["effective_limits"]["max_dataset_rows"], 0)
        self.assertIsNone(listed["defaults"]["limits"]["max_dataset_rows"])
        self.assertEqual(listed["defaults"]["effective_limits"]["max_dataset_rows"], 50)

    def test_rotation_can_change_the_limits(self):
        key = self.admin.create_key("rotating", "developer")
        rotated = self.admin.rotate_key(key["id"], limits={"max_dataset_rows": 5})
        self.assertEqual(rotated["limits"]["max_dataset_rows"], 5)
        self.assertEqual(self.upload(key["secret"], rows_csv(3)).status_code, 401)  # the old secret is dead
        response = self.upload(rotated["secret"], rows_csv(6))
        self.assertEqual(response.status_code, 413, response.text)
        self.assertEqual(self.upload(rotated["secret"], rows_csv(5)).status_code, 201)
        bad = requests.post(self.url + f"/v1/keys/{key['id']}/rotate", json={"limits": {"max_dataset_rows": -3}},
                            headers=self.server.auth, timeout=30)
        self.assertEqual(bad.status_code, 422, bad.text)
        bad = requests.post(self.url + "/v1/keys", json={"name": "x", "role": "developer", "limits": {"cpu": 1}},
                            headers=self.server.auth, timeout=30)
        self.assertEqual(bad.status_code, 422, bad.text)

    def test_concurrent_training_jobs_per_key(self):
        uploader = self.client(self.admin.create_key("uploader", "developer", limits={"max_dataset_rows": 0}))
        dataset = uploader.upload_dataset(project_csv(DEMO_CSV, FEATURES + ["price"]), "houses")
        key = self.admin.create_key("one-job", "developer", limits={"max_training_jobs": 1})
        client = self.client(key)
        # A long job (thousands of boosting rounds) keeps the key's one slot busy until it is cancelled.
        long_job = client.train("slow", dataset["id"], "price", algorithm="xgboost_regressor",
                                params={"n_estimators": 10000, "max_depth": 10, "learning_rate": 0.001})
        response = requests.post(self.url + "/v1/models/slow/train", headers=bearer(key["secret"]), timeout=30,
                                 json={"dataset_id": dataset["id"], "target": "price"})
        self.assertEqual(response.status_code, 429, response.text)
        self.assertEqual(response.json()["code"], "too_many_training_jobs")
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
        # Another key is not held back by this one's quota.
        other = self.admin.train("other", dataset["id"], "price")
        self.assertEqual(other["state"], "queued")
        client._request("DELETE", f"/v1/jobs/{long_job['id']}")
        wait_until(lambda: client.get_job(long_job["id"])["state"] in ("cancelled", "interrupted", "failed"),
                   timeout=120, what="the long job to end")
        again = client.train("slow", dataset["id"], "price")
        self.assertEqual(again["state"], "queued")
        self.admin.wait_for_job(other["id"], timeout=120)
        client.wait_for_job(again["id"], timeout=120)

    def test_cli_sets_limits(self):
        env = dict(os.environ, AMP_API_KEY=self.server.admin_key)
        created = subprocess.run([amp_binary(), "keys", "create", "--name", "cli-limited", "--role", "developer",
                                  "--max-dataset-rows", "7", "--max-training-jobs", "2", "--server", self.url],
                                 capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(created.returncode, 0, created.stderr)
        key_id = [word for word in created.stdout.split() if word.startswith("key_")][0]
        listed = {key["id"]: key for key in self.admin.list_keys()}
        self.assertEqual(listed[key_id]["limits"], {"max_dataset_bytes": None, "max_dataset_rows": 7,
                                                    "max_training_jobs": 2})
        rotated = subprocess.run([amp_binary(), "keys", "rotate", key_id, "--max-dataset-rows=-1", "--server",
                                  self.url], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        listed = {key["id"]: key for key in self.admin.list_keys()}
        self.assertEqual(listed[key_id]["limits"], {"max_dataset_bytes": None, "max_dataset_rows": None,
                                                    "max_training_jobs": 2})


class DatasetDeletionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=("--no-access-log",))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.url = cls.server.url
        cls.admin = AmpClient(cls.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.admin.close)

    def train(self, model, dataset_id):
        job = self.admin.train(model, dataset_id, "price", features=FEATURES)
        return self.admin.wait_for_job(job["id"], timeout=120)

    def predict(self, model):
        return self.admin._request("POST", f"/v1/models/{model}/predict", json={"rows": [INPUT]})

    def dataset_file(self, dataset_id):
        return os.path.join(self.server.data_dir, "artifacts", "datasets", dataset_id + ".csv")

    def model_files(self):
        return sorted(path for path in files_under(os.path.join(self.server.data_dir, "artifacts"))
                      if "/datasets/" not in path)

    def test_delete_without_cascade_keeps_the_models(self):
        dataset = self.admin.upload_dataset(project_csv(DEMO_CSV, FEATURES + ["price"]), "keep")
        self.train("kept-model", dataset["id"])
        self.assertTrue(os.path.exists(self.dataset_file(dataset["id"])))
        deleted = self.admin.delete_dataset(dataset["id"])
        self.assertEqual(deleted["deleted"]["id"], dataset["id"])
        self.assertEqual(deleted["deleted_models"], [])
        self.assertEqual(deleted["models_trained_on_it"], ["kept-model"])
        self.assertFalse(os.path.exists(self.dataset_file(dataset["id"])))
        with self.assertRaises(AmpError) as missing:
            self.admin.get_dataset(dataset["id"])
        self.assertEqual(missing.exception.status_code, 404)
        self.assertIn("predictions", self.predict("kept-model"))
        # Training on it again is refused; deleting it again is a 404.
        response = requests.post(self.url + "/v1/models/kept-model/train", headers=self.server.auth, timeout=30,
                                 json={"dataset_id": dataset["id"], "target": "price"})
        self.assertEqual(response.status_code, 404, response.text)
        response = requests.delete(self.url + f"/v1/datasets/{dataset['id']}", headers=self.server.auth, timeout=30)
        self.assertEqual(response.status_code, 404, response.text)
        self.assertEqual(response.json()["code"], "dataset_not_found")

    def test_cascade_deletes_the_models_trained_on_it(self):
        doomed = self.admin.upload_dataset(project_csv(DEMO_CSV, FEATURES + ["price"]), "doomed")
        other = self.admin.upload_dataset(project_csv(DEMO_CSV, FEATURES + ["price"]), "other")
        files_before = set(self.model_files())
        self.train("doomed-a", doomed["id"])
        self.train("doomed-b", doomed["id"])
        self.train("doomed-b", other["id"])  # a second version from another dataset: the model still goes
        self.train("survivor", other["id"])
        self.assertIn("predictions", self.predict("doomed-a"))  # loaded and cached by the server
        consumer = self.admin.create_key("doomed-reader", "consumer")
        self.admin.grant("doomed-a", consumer["id"])
        self.admin._request("PUT", "/v1/models/doomed-b/aliases/production", json={"version": 1})

        response = requests.delete(self.url + f"/v1/datasets/{doomed['id']}", params={"cascade": "maybe"},
                                   headers=self.server.auth, timeout=30)
        self.assertEqual(response.status_code, 400, response.text)
        deleted = self.admin.delete_dataset(doomed["id"], cascade=True)
        self.assertEqual(sorted(deleted["deleted_models"]), ["doomed-a", "doomed-b"])
        self.assertFalse(os.path.exists(self.dataset_file(doomed["id"])))
        names = [model["name"] for model in self.admin.list_models()]
        self.assertNotIn("doomed-a", names)
        self.assertNotIn("doomed-b", names)
        self.assertIn("survivor", names)
        for model in ("doomed-a", "doomed-b"):
            response = requests.post(self.url + f"/v1/models/{model}/predict", json={"rows": [INPUT]},
                                     headers=self.server.auth, timeout=30)
            self.assertEqual(response.status_code, 404, response.text)
            response = requests.get(self.url + f"/v2/models/{model}/ready", headers=self.server.auth, timeout=30)
            self.assertEqual(response.status_code, 404, response.text)
        # Their artifacts (doomed-b's version from the other dataset too) are gone; the survivor's stays.
        # The survivor's artifact (and its monitoring profile beside it) are all that is left.
        left = {path for path in set(self.model_files()) - files_before if not path.endswith(".profile.json")}
        self.assertEqual(len(left), 1, left)
        self.assertIn(self.admin.get_model("survivor")["id"], next(iter(left)))
        self.assertIn("predictions", self.predict("survivor"))
        # The consumer's grant went with the model.
        key = [key for key in self.admin.list_keys() if key["id"] == consumer["id"]][0]
        self.assertEqual(key["granted_models"], [])
        # The name is free again: a new model of that name is a new model, served from its own version.
        self.train("doomed-a", other["id"])
        self.assertEqual(self.admin.get_model("doomed-a")["versions"][0]["version"], 1)
        self.assertIn("predictions", self.predict("doomed-a"))
        # The deletion is in the audit trail, which still verifies.
        actions = [record["action"] for record in self.admin.audit_records(limit=10000)]
        self.assertIn("delete_dataset", actions)
        self.assertTrue(self.admin.verify_audit()["intact"])


class EncryptionAtRestTest(unittest.TestCase):
    MARKER = "Zyzzyva-Marker-Street"

    def csv_bytes(self):
        columns = FEATURES + ["neighborhood", "price"]
        body = project_csv(DEMO_CSV, columns).decode()
        self.row = f"1777.25,3,100,{self.MARKER},303303.5"
        return (body + self.row + "\n").encode(), body.splitlines()[1]

    def test_datasets_and_models_are_encrypted_on_disk_and_serve_after_restart(self):
        key_file = os.path.join(self.key_dir(), "amp.key")
        with open(key_file, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        os.chmod(key_file, 0o600)
        body, first_row = self.csv_bytes()
        server = AmpServer(extra_args=("--no-access-log", "--encryption-key-file", key_file))
        self.addCleanup(server.close)
        server.start()
        admin = AmpClient(server.url, api_key=server.admin_key)
        self.addCleanup(admin.close)
        dataset = admin.upload_dataset(body, "secret-houses")
        admin.wait_for_job(admin.train("sealed", dataset["id"], "price")["id"], timeout=120)
        row = dict(INPUT, neighborhood=self.MARKER)
        before = admin._request("POST", "/v1/models/sealed/predict", json={"rows": [row]})["predictions"]

        # No file in the data folder holds a row of the CSV; every artifact is in the encrypted format.
        for path in files_under(server.data_dir):
            with open(path, "rb") as stored:
                content = stored.read()
            self.assertNotIn(self.row.encode(), content, path)
            self.assertNotIn(first_row.encode(), content, path)
            if "/artifacts/" in path:
                self.assertTrue(content.startswith(b"AMPE\x01\x01"), path)
                self.assertNotIn(self.MARKER.encode(), content, path)
        artifacts = list(files_under(os.path.join(server.data_dir, "artifacts")))
        self.assertGreaterEqual(len(artifacts), 2, artifacts)  # the dataset and the model

        # After a restart with the same key the model loads and answers the same.
        server.stop()
        server.start()
        admin = AmpClient(server.url, api_key=server.admin_key)
        self.addCleanup(admin.close)
        after = admin._request("POST", "/v1/models/sealed/predict", json={"rows": [row]})["predictions"]
        self.assertEqual(after, before)
        self.assertEqual(admin._request("GET", f"/v1/datasets/{dataset['id']}")["id"], dataset["id"])

        # With another key (from the environment this time) nothing decrypts: the model is refused, not garbage.
        server.stop()
        os.environ["AMP_ENCRYPTION_KEY"] = secrets.token_hex(32)
        try:
            server.extra_args = ["--no-access-log"]
            server.start()
        finally:
            del os.environ["AMP_ENCRYPTION_KEY"]
        response = requests.post(server.url + "/v1/models/sealed/predict", json={"rows": [row]},
                                 headers=server.auth, timeout=30)
        self.assertEqual(response.status_code, 500, response.text)
        self.assertIn("encryption key is wrong", response.json()["error"])
        response = requests.post(server.url + "/v1/models/retrained/train", headers=server.auth, timeout=30,
                                 json={"dataset_id": dataset["id"], "target": "price"})
        job = response.json()
        ended = wait_until(lambda: (lambda state: state if state in ("failed", "succeeded") else None)(
            requests.get(server.url + f"/v1/jobs/{job['id']}", headers=server.auth, timeout=30).json()["state"]),
            timeout=120, what="the job to end")
        self.assertEqual(ended, "failed")

    def test_a_malformed_key_stops_the_server_at_start(self):
        env_key = "too-short"
        completed = subprocess.run([amp_binary(), "serve", "--port", "0", "--no-demo", "--data-dir",
                                    os.path.join(self.key_dir(), "data")],
                                   env=dict(os.environ, AMP_ENCRYPTION_KEY=env_key), capture_output=True, text=True,
                                   timeout=60)
        self.assertNotEqual(completed.returncode, 0)
        self.assertIn("AMP_ENCRYPTION_KEY", completed.stdout + completed.stderr)
        self.assertNotIn(env_key, completed.stdout + completed.stderr)

    def key_dir(self):
        import tempfile
        folder = tempfile.mkdtemp(prefix="amp_e2e_key_")
        self.addCleanup(lambda: __import__("shutil").rmtree(folder, ignore_errors=True))
        return folder


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
