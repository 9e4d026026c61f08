"""End-to-end: importing models trained elsewhere (POST /v1/models/{m}/import and `amp models import`).

- An MLP trained with python3-torch and exported by torch.onnx.export (tests/onnx/fixtures/iris_mlp.onnx, made by
  tests/onnx/make_mlp_fixture.py) imports as a classifier; AMP's own ONNX executor gives ONNX Runtime's
  probabilities (within 1e-5 relative) and labels on every iris row, through /v1, /api/predict and KServe V2.
- AMP's own ONNX export of a trained model (categorical feature, missing values) imports back and predicts as the
  original does.
- XGBoost models saved by python3-xgboost (a regressor, a binary and a multiclass classifier; JSON and UBJSON)
  import and predict exactly as python xgboost does, missing values included.
- Unsupported ONNX operators are refused with their names; imported versions survive a restart and download as
  bundles.

Run: /usr/bin/python3 tests/e2e/model_import_test.py --amp build/amp
"""

import base64
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy
import onnx
import xgboost
from onnx import TensorProto, helper
from sklearn.datasets import load_iris

import amp_server
import onnx_runtime
from amp_server import DEMO_CSV, REPO_ROOT, AmpServer, amp_binary
from amp_client import AmpClient

MLP = REPO_ROOT / "tests" / "onnx" / "fixtures" / "iris_mlp.onnx"
IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
REL_TOL = 1e-5


def relative(got, want):
    return abs(got - want) / max(abs(want), 1e-6)


class ModelImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = onnx_runtime.find_node()
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.folder = tempfile.mkdtemp(prefix="amp_import_")
        cls.addClassCleanup(shutil.rmtree, cls.folder, True)
        iris = load_iris()
        cls.iris_x = iris.data.astype(numpy.float32)
        cls.iris_classes = [str(name) for name in iris.target_names]

    def import_model(self, name, model_bytes, status=201, **fields):
        body = dict(fields, model_base64=base64.b64encode(model_bytes).decode())
        response = self.server.http.post(f"{self.server.url}/v1/models/{name}/import", json=body, timeout=60)
        self.assertEqual(response.status_code, status, response.text[:500])
        return response.json()

    def predict(self, name, rows):
        response = self.server.http.post(f"{self.server.url}/v1/models/{name}/predict", json={"rows": rows}, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()

    def run_onnx(self, path, inputs):
        return onnx_runtime.run_onnx(self.node, path, inputs)["outputs"]

    def test_torch_mlp_predicts_as_onnx_runtime(self):
        version = self.import_model("iris-mlp", MLP.read_bytes(), format="onnx", task="classification",
                                    classes=self.iris_classes, target="species",
                                    features=[{"name": name, "type": "numeric"} for name in IRIS_FEATURES])
        self.assertEqual(version["version"], 1)
        self.assertEqual(version["algorithm"], "onnx")
        flat = [float(value) for value in self.iris_x.flatten()]
        runtime = self.run_onnx(MLP, {"measurements": {"type": "float", "values": flat,
                                                        "dims": [len(self.iris_x), len(IRIS_FEATURES)]}})
        want = runtime["probabilities"]
        rows = [dict(zip(IRIS_FEATURES, map(float, row))) for row in self.iris_x]
        answer = self.predict("iris-mlp", rows)
        worst = 0.0
        for row_idx, probabilities in enumerate(answer["probabilities"]):
            expected = want[row_idx * 3:(row_idx + 1) * 3]
            for class_idx, class_name in enumerate(self.iris_classes):
                worst = max(worst, relative(probabilities[class_name], expected[class_idx]))
            self.assertEqual(answer["predictions"][row_idx], self.iris_classes[int(numpy.argmax(expected))])
        self.assertLessEqual(worst, REL_TOL)
        print(f"torch MLP: {len(rows)} rows, max relative difference AMP vs ONNX Runtime {worst:.3g}")
        # The classic route and KServe V2 serve it too.
        classic = self.server.http.post(f"{self.server.url}/api/predict", timeout=30,
                                        json={"model_id": "iris-mlp", "input_parameters": rows[0]})
        self.assertEqual(classic.status_code, 200, classic.text[:300])
        self.assertEqual(classic.json()["prediction"], answer["predictions"][0])
        v2 = self.server.http.post(f"{self.server.url}/v2/models/iris-mlp/infer", timeout=30, json={
            "inputs": [{"name": name, "shape": [2, 1], "datatype": "FP32", "data": [rows[0][name], rows[100][name]]}
                       for name in IRIS_FEATURES]})
        self.assertEqual(v2.status_code, 200, v2.text[:300])
        self.assertEqual(v2.json()["outputs"][0]["data"], [answer["predictions"][0], answer["predictions"][100]])

    def test_amp_export_imports_back(self):
        features = ["square_feet", "num_bedrooms", "neighborhood", "has_garage"]
        with AmpClient(self.server.url, api_key=self.server.admin_key) as client:
            dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "import-houses")
            job = client.train("houses-src", dataset["id"], "price", algorithm="xgboost_regressor", features=features,
                               params={"n_estimators": 30, "max_depth": 4, "seed": 2})
            done = client.wait_for_job(job["job_id"], timeout=300)
            self.assertEqual(done["state"], "succeeded", done)
        exported = self.server.http.get(f"{self.server.url}/v1/models/houses-src/versions/1/export",
                                        params={"format": "onnx"}, timeout=60)
        self.assertEqual(exported.status_code, 200)
        types = {"square_feet": "integer", "num_bedrooms": "integer", "neighborhood": "categorical",
                 "has_garage": "boolean"}
        self.import_model("houses-back", exported.content, format="onnx", task="regression", target="price",
                          features=[{"name": name, "type": types[name]} for name in features])
        rows = [{"square_feet": 1650, "num_bedrooms": 3, "neighborhood": "Riverside", "has_garage": True},
                {"square_feet": None, "num_bedrooms": 2, "neighborhood": "Atlantis", "has_garage": None},
                {"square_feet": 2400, "num_bedrooms": None, "neighborhood": None, "has_garage": False}]
        original = self.predict("houses-src", rows)["predictions"]
        imported = self.predict("houses-back", rows)["predictions"]
        # The executor adds the trees' leaves in XGBoost's order, in float: the same numbers.
        self.assertEqual(imported, original)

    def xgboost_case(self, name, model, x, y, task, classes=None):
        model.fit(x, y)
        rows_x = numpy.array(x, dtype=numpy.float32)
        rows_x[::7, 1] = numpy.nan  # missing values take the trees' default branches
        features = [{"name": f"x{idx}", "type": "numeric"} for idx in range(x.shape[1])]
        rows = [{f"x{idx}": (None if numpy.isnan(value) else float(value)) for idx, value in enumerate(row)}
                for row in rows_x]
        for suffix, extension in (("json", "json"), ("ubj", "ubj")):
            path = os.path.join(self.folder, f"{name}.{extension}")
            model.save_model(path)
            with open(path, "rb") as model_file:
                fields = dict(format=f"xgboost_{suffix}", task=task, features=features)
                if classes:
                    fields["classes"] = classes
                version = self.import_model(f"{name}-{suffix}", model_file.read(), **fields)
            self.assertTrue(version["algorithm"].startswith("xgboost_"))
            answer = self.predict(f"{name}-{suffix}", rows)
            if task == "regression":
                want = [float(value) for value in model.predict(rows_x)]
                self.assertEqual(answer["predictions"], want)
            else:
                want = model.predict_proba(rows_x)
                for row_idx, probabilities in enumerate(answer["probabilities"]):
                    for class_idx, class_name in enumerate(classes):
                        got = probabilities[class_name]
                        if len(classes) > 2 or class_idx == 1:  # XGBoost's own probabilities, float for float
                            self.assertEqual(got, float(want[row_idx][class_idx]), f"row {row_idx}")
                        else:  # 1 - p
                            self.assertAlmostEqual(got, float(want[row_idx][class_idx]), delta=1e-7)
                    self.assertEqual(answer["predictions"][row_idx], classes[int(numpy.argmax(want[row_idx]))])

    def test_python_xgboost_models_predict_exactly_as_python_xgboost(self):
        rng = numpy.random.default_rng(4)
        x = rng.normal(size=(300, 4)).astype(numpy.float32)
        x[::9, 2] = numpy.nan
        y = x[:, 0] * 3 + numpy.nan_to_num(x[:, 2]) ** 2 + rng.normal(scale=0.1, size=300)
        self.xgboost_case("xgb-reg", xgboost.XGBRegressor(n_estimators=25, max_depth=4), x, y, "regression")
        self.xgboost_case("xgb-bin", xgboost.XGBClassifier(n_estimators=20, max_depth=3), x, (y > 1).astype(int),
                          "classification", ["low", "high"])
        self.xgboost_case("xgb-multi", xgboost.XGBClassifier(n_estimators=10, max_depth=3), x,
                          numpy.digitize(y, [-1.0, 1.0, 3.0]), "classification", ["a", "b", "c", "d"])

    def test_refusals(self):
        graph = helper.make_graph([helper.make_node("Tanh", ["x"], ["t"]), helper.make_node("Relu", ["t"], ["y"])],
                                  "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        refused = self.import_model("tanh", model.SerializeToString(), status=422, format="onnx", task="regression",
                                    features=["a", "b"])
        self.assertIn("unsupported ONNX operators: Tanh", refused["error"])
        # The MLP's one input has four columns; three features do not fit.
        refused = self.import_model("mlp-3", MLP.read_bytes(), status=422, format="onnx", task="classification",
                                    classes=self.iris_classes, features=IRIS_FEATURES[:3])
        self.assertIn("[N, 3]", refused["error"])
        self.import_model("garbage", b"\x00\x01 not a model", status=422, format="onnx", task="regression",
                          features=["a"])
        self.import_model("no-classes", MLP.read_bytes(), status=422, format="onnx", task="classification",
                          features=IRIS_FEATURES)
        self.import_model("bad-format", MLP.read_bytes(), status=422, format="pmml", task="regression",
                          features=IRIS_FEATURES)
        anonymous = self.server.http.post(f"{self.server.url}/v1/models/x/import", json={}, timeout=30,
                                          headers={"Authorization": ""})
        self.assertEqual(anonymous.status_code, 401)

    def test_z_cli_import_restart_and_bundle(self):
        path = os.path.join(self.folder, "mlp.onnx")
        shutil.copy(MLP, path)
        ran = subprocess.run([amp_binary(), "models", "import", "iris-cli", "--file", path, "--task", "classification",
                              "--classes", ",".join(self.iris_classes), "--features", ",".join(IRIS_FEATURES),
                              "--server", self.server.url, "--api-key", self.server.admin_key],
                             capture_output=True, timeout=60)
        self.assertEqual(ran.returncode, 0, ran.stderr)
        self.assertIn(b"iris-cli version 1 (onnx)", ran.stdout)
        rows = [dict(zip(IRIS_FEATURES, map(float, row))) for row in self.iris_x[::10]]
        before = self.predict("iris-cli", rows)
        self.server.stop()
        self.server.start()
        self.assertEqual(self.predict("iris-cli", rows), before)
        bundle = self.server.http.get(f"{self.server.url}/v1/models/iris-cli/versions/1/artifact", timeout=60)
        self.assertEqual(bundle.status_code, 200)
        bundle_path = os.path.join(self.folder, "iris-cli.ampbundle")
        with open(bundle_path, "wb") as bundle_file:
            bundle_file.write(bundle.content)
        csv_path = os.path.join(self.folder, "iris.csv")
        with open(csv_path, "w", encoding="utf-8") as csv_file:
            csv_file.write(",".join(IRIS_FEATURES) + "\n")
            for row in rows:
                csv_file.write(",".join(repr(row[name]) for name in IRIS_FEATURES) + "\n")
        out_path = os.path.join(self.folder, "scored.csv")
        scored = subprocess.run([amp_binary(), "score", "--bundle", bundle_path, "--input", csv_path, "--output",
                                 out_path], capture_output=True, timeout=60)
        self.assertEqual(scored.returncode, 0, scored.stderr)
        with open(out_path, encoding="utf-8") as scored_file:
            text = scored_file.read()
        for label in before["predictions"]:
            self.assertIn(label, text)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
