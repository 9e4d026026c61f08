"""End-to-end: export models to ONNX and score them in ONNX Runtime exactly as AMP scores them.

Classifiers too: a logistic regression and an XGBoost classifier of has_garage (binary) and of neighborhood
(multiclass) export with a label output and a probabilities output; ONNX Runtime's labels equal AMP's and its
probabilities equal AMP's within 1e-5 relative.

Trains a linear model and an XGBoost model on every column of data/demo/house_sales.csv (numbers, integers, a boolean
and a categorical column), exports each version with GET /v1/models/{m}/versions/{n}/export?format=onnx and with
`amp models export`, checks the files with onnx.checker (Debian's python3-onnx, full_check=True) and runs them in
ONNX Runtime (onnxruntime-node from npm, CPU; tests/onnx/run_onnx.js, installed by scripts/install-deps.sh). The
predictions must equal the server's (POST /v1/models/{m}/predict on the same rows) within 1e-5 relative, float32
being what ONNX computes in, for rows with missing values and an unseen category too.

Run: /usr/bin/python3 tests/e2e/onnx_export_test.py --amp build/amp
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import onnx

import amp_server
import onnx_runtime
from amp_server import DEMO_CSV, AmpServer, amp_binary
from amp_client import AmpClient

TARGET = "price"
FEATURES = ["square_feet", "num_bedrooms", "num_bathrooms", "location_code", "year_built", "lot_size",
            "neighborhood", "has_garage"]
MODELS = {"onnx-linear": ("linear_regression", {"l2": 0.5}),
          "onnx-trees": ("xgboost_regressor", {"n_estimators": 60, "max_depth": 5, "seed": 3})}
# Classifiers: name -> (algorithm, target, params).
CLASSIFIERS = {"onnx-logit-binary": ("logistic_regression", "has_garage", {}),
               "onnx-logit-multi": ("logistic_regression", "neighborhood", {"C": 2.0}),
               "onnx-xgb-binary": ("xgboost_classifier", "has_garage", {"n_estimators": 25, "max_depth": 4, "seed": 1}),
               "onnx-xgb-multi": ("xgboost_classifier", "neighborhood", {"n_estimators": 20, "max_depth": 3, "seed": 2})}
REL_TOL = 1e-5


def demo_rows():
    """The demo rows' features as JSON values (null where the CSV has none), plus rows with missing values and an
    unseen category."""
    with open(DEMO_CSV, newline="", encoding="utf-8") as csv_file:
        records = list(csv.DictReader(csv_file))
    rows = []
    for record in records:
        row = {}
        for feature in FEATURES:
            text = record[feature]
            if text == "":
                row[feature] = None
            elif feature == "neighborhood":
                row[feature] = text
            elif feature == "has_garage":
                row[feature] = text.lower() == "true"
            else:
                row[feature] = float(text)
        rows.append(row)
    rows.append({feature: None for feature in FEATURES})
    rows.append({"square_feet": None, "num_bedrooms": 3, "num_bathrooms": None, "location_code": 200,
                 "year_built": None, "lot_size": 5000.5, "neighborhood": "Atlantis", "has_garage": None})
    rows.append({"square_feet": 2800, "num_bedrooms": 4, "num_bathrooms": 3.0, "location_code": 300,
                 "year_built": 2001, "lot_size": None, "neighborhood": None, "has_garage": False})
    return rows


def onnx_inputs(model, rows):
    """The rows as run_onnx.js takes them: one [N, 1] input per graph input (booleans as 0/1, None as NaN or "")."""
    inputs = {}
    for graph_input in model.graph.input:
        is_string = graph_input.type.tensor_type.elem_type == onnx.TensorProto.STRING
        values = []
        for row in rows:
            value = row[graph_input.name]
            if value is not None and not is_string:
                value = float(value)
            values.append(value)
        inputs[graph_input.name] = {"type": "string" if is_string else "float", "values": values}
    return inputs


class OnnxExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = onnx_runtime.find_node()
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.folder = tempfile.mkdtemp(prefix="amp_onnx_")
        cls.addClassCleanup(shutil.rmtree, cls.folder, True)
        cls.rows = demo_rows()
        with AmpClient(cls.server.url, api_key=cls.server.admin_key) as client:
            dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "onnx-houses")
            for name, (algorithm, params) in MODELS.items():
                job = client.train(name, dataset["id"], TARGET, algorithm=algorithm, features=FEATURES, params=params)
                done = client.wait_for_job(job["job_id"], timeout=300)
                assert done["state"] == "succeeded", done
            for name, (algorithm, target, params) in CLASSIFIERS.items():
                features = [feature for feature in FEATURES if feature != target] + ["price"]
                job = client.train(name, dataset["id"], target, algorithm=algorithm, features=features,
                                   params=dict(params, holdout_fraction=0))
                done = client.wait_for_job(job["job_id"], timeout=300)
                assert done["state"] == "succeeded", done
        # The classifiers' rows: the demo rows with a price (some missing), without the classifier's target.
        cls.priced_rows = [dict(row, price=None if row_idx % 11 == 5 else 200000.0 + 1000.0 * row_idx)
                           for row_idx, row in enumerate(cls.rows)]

    def export(self, name, version=1, format_name="onnx"):
        return self.server.http.get(f"{self.server.url}/v1/models/{name}/versions/{version}/export",
                            params={"format": format_name}, timeout=60)

    def server_answer(self, name, rows=None):
        rows = self.rows if rows is None else rows
        response = self.server.http.post(f"{self.server.url}/v1/models/{name}/predict", json={"rows": rows}, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.json()

    def server_predictions(self, name):
        return self.server_answer(name)["predictions"]

    def run_onnx(self, path, model, rows=None):
        rows = self.rows if rows is None else rows
        answer = onnx_runtime.run_onnx(self.node, path, onnx_inputs(model, rows))
        return answer["outputs"], answer["dims"]

    def test_onnx_runtime_predicts_as_amp(self):
        for name, (algorithm, _) in MODELS.items():
            with self.subTest(model=name):
                response = self.export(name)
                self.assertEqual(response.status_code, 200, response.text[:300])
                self.assertEqual(response.headers["Content-Type"], "application/octet-stream")
                self.assertIn(f'filename="{name}-v1.onnx"', response.headers["Content-Disposition"])
                model = onnx.load_from_string(response.content)
                onnx.checker.check_model(model, full_check=True)
                self.assertEqual([graph_input.name for graph_input in model.graph.input], FEATURES)
                string_inputs = [graph_input.name for graph_input in model.graph.input
                                 if graph_input.type.tensor_type.elem_type == onnx.TensorProto.STRING]
                self.assertEqual(string_inputs, ["neighborhood"])
                self.assertEqual([output.name for output in model.graph.output], [TARGET])
                regressor = "LinearRegressor" if algorithm == "linear_regression" else "TreeEnsembleRegressor"
                self.assertIn(regressor, [node.op_type for node in model.graph.node])

                path = os.path.join(self.folder, f"{name}.onnx")
                with open(path, "wb") as model_file:
                    model_file.write(response.content)
                onnx_predictions = self.run_onnx(path, model)[0][TARGET]
                amp_predictions = self.server_predictions(name)
                self.assertEqual(len(onnx_predictions), len(self.rows))
                worst = 0.0
                for row_idx, (expected, got) in enumerate(zip(amp_predictions, onnx_predictions)):
                    relative = abs(got - expected) / max(abs(expected), 1e-30)
                    worst = max(worst, relative)
                    self.assertLessEqual(relative, REL_TOL, f"row {row_idx}: AMP {expected}, ONNX Runtime {got}")
                print(f"{name}: {len(self.rows)} rows, max relative difference AMP vs ONNX Runtime {worst:.3g}",
                      file=sys.stderr)

    def test_onnx_runtime_classifies_as_amp(self):
        for name, (algorithm, target, _) in CLASSIFIERS.items():
            with self.subTest(model=name):
                response = self.export(name)
                self.assertEqual(response.status_code, 200, response.text[:300])
                model = onnx.load_from_string(response.content)
                onnx.checker.check_model(model, full_check=True)
                probabilities_output = f"{target}_probabilities"
                self.assertEqual([output.name for output in model.graph.output], [target, probabilities_output])
                classifier = "LinearClassifier" if algorithm == "logistic_regression" else "TreeEnsembleClassifier"
                self.assertIn(classifier, [node.op_type for node in model.graph.node])
                path = os.path.join(self.folder, f"{name}.onnx")
                with open(path, "wb") as model_file:
                    model_file.write(response.content)
                rows = [{key: value for key, value in row.items() if key != target} for row in self.priced_rows]
                outputs, dims = self.run_onnx(path, model, rows)
                answer = self.server_answer(name, rows)
                classes = list(answer["probabilities"][0])
                self.assertGreaterEqual(len(classes), 2)
                self.assertEqual(dims[probabilities_output], [len(rows), len(classes)])
                self.assertEqual(outputs[target], answer["predictions"])
                worst = 0.0
                for row_idx, expected in enumerate(answer["probabilities"]):
                    got = outputs[probabilities_output][row_idx * len(classes):(row_idx + 1) * len(classes)]
                    for class_idx, class_name in enumerate(classes):
                        want = expected[class_name]
                        # Relative to the larger of the value and 1e-6: a float32 probability near 0 carries the
                        # absolute error of 1 - p.
                        relative = abs(got[class_idx] - want) / max(abs(want), 1e-6)
                        worst = max(worst, relative)
                        self.assertLessEqual(relative, REL_TOL,
                                             f"row {row_idx} class {class_name}: AMP {want}, ONNX Runtime {got[class_idx]}")
                print(f"{name}: {len(rows)} rows, {len(classes)} classes, labels equal, max relative "
                      f"probability difference AMP vs ONNX Runtime {worst:.3g}", file=sys.stderr)

    def test_cli_export_writes_the_same_bytes(self):
        for name in MODELS:
            with self.subTest(model=name):
                path = os.path.join(self.folder, f"{name}-cli.onnx")
                saved = subprocess.run([amp_binary(), "models", "export", name, "--version", "1", "--format", "onnx",
                                        "--server", self.server.url, "--api-key", self.server.admin_key, "-o", path], capture_output=True, timeout=120)
                self.assertEqual(saved.returncode, 0, saved.stderr)
                with open(path, "rb") as model_file:
                    self.assertEqual(model_file.read(), self.export(name).content)

    def test_bad_requests(self):
        self.assertEqual(self.export("onnx-linear", format_name="pmml").status_code, 400)
        self.assertEqual(self.server.http.get(f"{self.server.url}/v1/models/onnx-linear/versions/1/export",
                                      timeout=30).status_code, 400)
        self.assertEqual(self.export("onnx-linear", version=9).status_code, 404)
        self.assertEqual(self.export("no-such-model").status_code, 404)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
