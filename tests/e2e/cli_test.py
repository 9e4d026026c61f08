"""End-to-end: the amp CLI (same binary as the server) driving a running server over HTTP.

Run: /usr/bin/python3 tests/e2e/cli_test.py --amp build/amp
"""

import json
import math
import os
import re
import subprocess
import tempfile
import unittest

import amp_server
from amp_server import DEMO_CSV, AmpServer, amp_binary, project_csv
from amp_client import AmpClient

MODEL_NAME = "cli-houses"
DATASET_NAME = "cli-houses-data"
# The CLI trains on every column but the target, so the CSV holds exactly the features the prediction sends.
FEATURES = ["square_feet", "num_bedrooms", "location_code"]
INPUT_JSON = '{"square_feet": 1650, "num_bedrooms": 3, "location_code": 100}'
INPUT = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100}
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.work_dir = tempfile.TemporaryDirectory(prefix="amp_cli_")
        cls.addClassCleanup(cls.work_dir.cleanup)
        cls.csv_path = os.path.join(cls.work_dir.name, "houses.csv")
        with open(cls.csv_path, "wb") as csv_file:
            csv_file.write(project_csv(DEMO_CSV, FEATURES + ["price"]))

    def amp(self, *args, timeout=180):
        """Runs the amp CLI; returns the CompletedProcess (text mode)."""
        # Authenticated through the environment, as a user would after exporting AMP_API_KEY.
        env = dict(os.environ, AMP_API_KEY=self.server.admin_key)
        return subprocess.run([amp_binary(), *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.work_dir.name, stdin=subprocess.DEVNULL, env=env)

    def assert_ok(self, completed):
        self.assertEqual(completed.returncode, 0,
                         f"{completed.args} exited {completed.returncode}\nstdout: {completed.stdout}\n"
                         f"stderr: {completed.stderr}")

    def test_help_lists_subcommands(self):
        completed = self.amp("--help", timeout=30)
        self.assert_ok(completed)
        for subcommand in ("serve", "datasets", "train", "models", "predict"):
            self.assertIn(subcommand, completed.stdout)

    def test_upload_train_list_predict(self):
        url = self.server.url
        client = AmpClient(url, api_key=self.server.admin_key)
        self.addCleanup(client.close)

        uploaded = self.amp("datasets", "upload", self.csv_path, "--name", DATASET_NAME, "--server", url)
        self.assert_ok(uploaded)
        datasets = client.list_datasets(name=DATASET_NAME)
        self.assertEqual(len(datasets), 1, datasets)
        dataset_id = datasets[0]["id"]
        self.assertEqual(datasets[0]["row_count"], 3000)
        printed_ids = re.findall(r"\bds_[A-Za-z0-9_-]+", uploaded.stdout)
        if printed_ids:  # the contract does not fix the output format; if it prints an id, it must be this one
            self.assertIn(dataset_id, printed_ids)

        trained = self.amp("train", "--server", url, "--model", MODEL_NAME, "--dataset", dataset_id, "--target",
                           "price", "--wait")
        self.assert_ok(trained)
        self.assertIn("succeeded", trained.stdout)
        model = next(model for model in client.classic_models() if model["name"] == MODEL_NAME)
        version = str(model["version"])
        self.assertRegex(trained.stdout, re.compile(rf"(version\D{{0,5}}|\bv){re.escape(version)}\b", re.IGNORECASE))

        listed = self.amp("models", "--server", url, timeout=60)
        self.assert_ok(listed)
        self.assertIn(MODEL_NAME, listed.stdout)

        # `models show`: a person's view (the served version in detail), or the server's JSON with --json.
        shown = self.amp("models", "show", MODEL_NAME, "--server", url, timeout=60)
        self.assert_ok(shown)
        self.assertIn(f"model {MODEL_NAME} (", shown.stdout)
        self.assertIn(f"version {version} (served):", shown.stdout)
        self.assertIn("algorithm: linear_regression (", shown.stdout)
        self.assertRegex(shown.stdout, r"holdout: r2=[-0-9.e+]+ rmse=")
        self.assertIn("features: square_feet (", shown.stdout)
        as_json = self.amp("models", "show", MODEL_NAME, "--json", "--server", url, timeout=60)
        self.assert_ok(as_json)
        self.assertEqual(json.loads(as_json.stdout)["name"], MODEL_NAME)

        predicted = self.amp("predict", "--server", url, "--model", MODEL_NAME, "--input", INPUT_JSON, timeout=60)
        self.assert_ok(predicted)
        expected = client.classic_predict(MODEL_NAME, INPUT)["prediction"]
        self.assertGreater(expected, 50_000)
        self.assertLess(expected, 2_000_000)
        printed = [float(number) for number in NUMBER.findall(predicted.stdout)]
        self.assertTrue(any(math.isclose(number, expected, rel_tol=1e-5, abs_tol=1.0) for number in printed),
                        f"prediction {expected} not in output {predicted.stdout!r}")

    def test_show_and_delete_a_dataset_by_name(self):
        url = self.server.url
        path = os.path.join(self.work_dir.name, "customers.csv")
        with open(path, "w") as csv_file:
            csv_file.write("customer_id,plan,spend\n")
            for row in range(40):
                csv_file.write(f"{row + 1},{['basic', 'pro'][row % 2]},{row * 1.5}\n")
        self.assert_ok(self.amp("datasets", "upload", path, "--name", "cli-customers", "--server", url))

        shown = self.amp("datasets", "show", "cli-customers", "--server", url, timeout=60)
        self.assert_ok(shown)
        self.assertIn("dataset cli-customers (ds_", shown.stdout)
        self.assertIn("40 rows, 3 columns", shown.stdout)
        self.assertRegex(shown.stdout, r"customer_id +integer +excluded \(id_like\)")
        self.assertRegex(shown.stdout, r"plan +categorical +categorical +0 +2 +top: basic 20, pro 20")
        self.assertIn("Column 'customer_id' is excluded", shown.stdout)  # the cleaning report's sentence
        as_json = self.amp("datasets", "show", "cli-customers", "--json", "--server", url, timeout=60)
        self.assert_ok(as_json)
        dataset_id = json.loads(as_json.stdout)["id"]
        self.assertIn(dataset_id, shown.stdout)
        by_id = self.amp("datasets", "show", dataset_id, "--server", url, timeout=60)
        self.assert_ok(by_id)
        self.assertEqual(by_id.stdout, shown.stdout)

        deleted = self.amp("datasets", "delete", "cli-customers", "--server", url, timeout=60)
        self.assert_ok(deleted)
        self.assertIn(f"deleted dataset {dataset_id}", deleted.stdout)
        gone = self.amp("datasets", "show", dataset_id, "--server", url, timeout=60)
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn(f"dataset not found: {dataset_id}", gone.stderr)
        unknown = self.amp("datasets", "show", "cli-customers", "--server", url, timeout=60)
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn("no dataset with id or name 'cli-customers'", unknown.stderr)

    def test_predict_with_an_unknown_model_fails_readably(self):
        completed = self.amp("predict", "--server", self.server.url, "--model", "no-such-model", "--input",
                             INPUT_JSON, timeout=60)
        self.assertGreater(completed.returncode, 0, f"stdout: {completed.stdout}\nstderr: {completed.stderr}")
        output = completed.stdout + completed.stderr
        self.assertTrue("no-such-model" in output or "not found" in output.lower(), output)
        self.assertNotIn("terminate called", output)  # an uncaught C++ exception is not a readable message


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
