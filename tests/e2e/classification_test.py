"""End-to-end: classification (logistic regression and XGBoost) through the real server.

Run: /usr/bin/python3 tests/e2e/classification_test.py --amp build/amp
Uploads scikit-learn's iris (species as text: multiclass) and breast_cancer (diagnosis as text: binary) with a
constant column and a few blanked cells, and checks: the task is detected from the target and the default algorithm
follows it; the version records the task and the classification metrics; the classic, v1 (JSON and CSV) and KServe
V2 routes answer class labels and per-class probabilities; AMP's probabilities equal scikit-learn's
Pipeline(SimpleImputer(median), StandardScaler(), LogisticRegression(C, class_weight)) fitted on the same rows
(holdout_fraction 0), and an xgboost_classifier's equal python3-xgboost's XGBClassifier on the same (median-imputed)
rows; and bad requests (a target with one class, a regression of a text target, an unknown
parameter, a regression algorithm for a text target) are 422s before any job starts.
"""

import csv
import io
import json
import math
import subprocess
import unittest

import requests

import amp_server
from amp_server import AmpServer, amp_binary
from amp_client import AmpClient

try:
    import numpy
    import xgboost
    from sklearn.datasets import load_breast_cancer, load_iris
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as error:  # python3-sklearn is a test dependency; a skip in CI is a broken image
    numpy = None
    IMPORT_ERROR = error

# Both sides are solved to convergence (AMP by Newton's method, sklearn by newton-cholesky / newton-cg).
PROBABILITY_TOL = 1e-9


def blanked(row_idx, column_idx):
    return (row_idx * 7 + column_idx * 3) % 29 == 0


def make_csv(data, target_names, target_column):
    """The dataset as CSV text: features f0..fN (some cells blank), a constant column, and the target as text."""
    features = [f"f{idx}" for idx in range(data.data.shape[1])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(features + ["kingdom", target_column])
    rows = []
    for row_idx, (values, target) in enumerate(zip(data.data, data.target)):
        cells = ["" if blanked(row_idx, col) else repr(float(value)) for col, value in enumerate(values)]
        writer.writerow(cells + ["plantae", target_names[target]])
        rows.append([None if cell == "" else float(cell) for cell in cells])
    return features, rows, out.getvalue().encode()


def sklearn_probabilities(rows, labels, c, balanced):
    x = numpy.array([[math.nan if value is None else value for value in row] for row in rows])
    # Solved to convergence: sklearn's lbfgs stops at scipy's default ftol, up to 1e-2 relative off the optimum in
    # the coefficients (see tests/parity/export_logistic.py).
    binary = len(set(labels)) == 2
    model = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler()),
                      ("model", LogisticRegression(C=c, class_weight="balanced" if balanced else None,
                                                   solver="newton-cholesky" if binary else "newton-cg",
                                                   tol=1e-10 if binary else 1e-8, max_iter=1000))])
    model.fit(x, labels)
    return list(model.classes_), model.predict_proba(x)


def imputed(rows):
    """The rows with missing cells replaced by their column's median, as AMP's tree pipeline imputes them."""
    x = numpy.array([[math.nan if value is None else value for value in row] for row in rows])
    medians = numpy.nanmedian(x, axis=0)
    return numpy.where(numpy.isnan(x), medians, x)


@unittest.skipIf(numpy is None, "python3-sklearn or python3-xgboost is not installed")
class ClassificationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.client.close)

        iris = load_iris()
        cls.iris_features, cls.iris_rows, iris_csv = make_csv(iris, list(iris.target_names), "species")
        cls.iris_labels = [iris.target_names[target] for target in iris.target]
        cls.iris = cls.client.upload_dataset(iris_csv, "iris")
        cancer = load_breast_cancer()
        cls.cancer_features, cls.cancer_rows, cancer_csv = make_csv(cancer, list(cancer.target_names), "diagnosis")
        cls.cancer_labels = [cancer.target_names[target] for target in cancer.target]
        cls.cancer = cls.client.upload_dataset(cancer_csv, "breast-cancer")

        def train(name, dataset, target, **kwargs):
            accepted = cls.client.train(name, dataset["id"], target, **kwargs)
            return cls.client.wait_for_job(accepted["job_id"], timeout=300)

        features = cls.iris_features
        cls.iris_job = train("iris", cls.iris, "species", features=features)
        cls.iris_fit_job = train("iris-all", cls.iris, "species", features=features,
                                 params={"holdout_fraction": 0, "C": 0.7})
        cls.xgb_params = {"n_estimators": 30, "max_depth": 3, "learning_rate": 0.2, "seed": 5}
        cls.xgb_job = train("iris-xgb", cls.iris, "species", algorithm="xgboost_classifier", features=features,
                            params=dict(cls.xgb_params, holdout_fraction=0))
        cls.cancer_xgb_job = train("cancer-xgb", cls.cancer, "diagnosis", algorithm="xgboost_classifier",
                                   features=cls.cancer_features)
        cls.cancer_job = train("cancer", cls.cancer, "diagnosis", features=cls.cancer_features,
                               params={"holdout_fraction": 0, "C": 0.5, "balanced_class_weights": 1})

    def post(self, path, status=200, **kwargs):
        response = self.server.http.post(self.server.url + path, timeout=60, **kwargs)
        self.assertEqual(response.status_code, status, f"POST {path}: {response.text[:500]}")
        return response

    def iris_inputs(self, rows):
        return [dict(zip(self.iris_features, row)) for row in rows]

    def test_task_is_detected_and_the_version_records_classification_metrics(self):
        self.assertEqual(self.iris_job["algorithm"], "logistic_regression")
        self.assertEqual(self.iris_job["task"], "multiclass_classification")
        version = self.server.http.get(f"{self.server.url}/v1/models/iris/versions/1", timeout=30).json()
        self.assertEqual(version["task"], "multiclass_classification")
        self.assertEqual(version["algorithm"], "logistic_regression")
        metrics = version["metrics"]
        for key in ("accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro", "roc_auc",
                    "log_loss", "precision[setosa]", "recall[virginica]", "f1[versicolor]",
                    "confusion[setosa][setosa]"):
            self.assertIn(key, metrics)
        self.assertGreater(metrics["accuracy"], 0.85)
        holdout = sum(value for key, value in metrics.items() if key.startswith("confusion["))
        self.assertEqual(holdout, 30)  # 20% of 150 rows
        self.assertEqual(self.cancer_job["task"], "binary_classification")
        self.assertEqual(self.iris_job["result"]["metrics"]["accuracy"], metrics["accuracy"])

    def test_probabilities_equal_scikit_learn(self):
        for name, rows, labels, features, c, balanced in (
                ("iris-all", self.iris_rows, self.iris_labels, self.iris_features, 0.7, False),
                ("cancer", self.cancer_rows, self.cancer_labels, self.cancer_features, 0.5, True)):
            classes, want = sklearn_probabilities(rows, labels, c, balanced)
            answer = self.post(f"/v1/models/{name}/predict",
                               json={"rows": [dict(zip(features, row)) for row in rows]}).json()
            self.assertEqual(len(answer["probabilities"]), len(rows))
            for row_idx, (label, probabilities) in enumerate(zip(answer["predictions"], answer["probabilities"])):
                self.assertEqual(list(probabilities), classes)  # labels in sorted order
                for class_idx, class_name in enumerate(classes):
                    self.assertAlmostEqual(probabilities[class_name], want[row_idx][class_idx],
                                           delta=PROBABILITY_TOL, msg=f"{name} row {row_idx} {class_name}")
                self.assertEqual(label, max(classes, key=lambda cls: probabilities[cls]))

    def test_xgboost_classifier_probabilities_equal_python_xgboost(self):
        self.assertEqual(self.xgb_job["task"], "multiclass_classification")
        self.assertEqual(self.cancer_xgb_job["task"], "binary_classification")
        self.assertIn("roc_auc", self.cancer_xgb_job["result"]["metrics"])
        classes = sorted(set(self.iris_labels))
        params = dict(self.xgb_params)
        seed = params.pop("seed")
        model = xgboost.XGBClassifier(tree_method="hist", n_jobs=1, random_state=seed, **params)
        model.fit(imputed(self.iris_rows), [classes.index(label) for label in self.iris_labels])
        want = model.predict_proba(imputed(self.iris_rows))
        answer = self.post("/v1/models/iris-xgb/predict", json={"rows": self.iris_inputs(self.iris_rows)}).json()
        for row_idx, probabilities in enumerate(answer["probabilities"]):
            for class_idx, class_name in enumerate(classes):
                self.assertAlmostEqual(probabilities[class_name], float(want[row_idx][class_idx]), delta=1e-6,
                                       msg=f"row {row_idx} {class_name}")

    def test_classic_predict_answers_the_label_and_probabilities(self):
        one = self.post("/api/predict", json={"model_id": "iris", "input_parameters": self.iris_inputs(
            self.iris_rows[:1])[0], "output_target": "species"}).json()
        self.assertEqual(one["prediction"], "setosa")
        self.assertEqual(sorted(one["probabilities"]), ["setosa", "versicolor", "virginica"])
        self.assertAlmostEqual(sum(one["probabilities"].values()), 1.0, places=12)
        batch = self.post("/api/predict", json={"model_id": "iris", "input_parameters": self.iris_inputs(
            [self.iris_rows[0], self.iris_rows[149]])}).json()
        self.assertEqual(batch["prediction"], ["setosa", "virginica"])
        self.assertEqual(len(batch["probabilities"]), 2)

    def test_v1_csv_answers_labels_and_probability_columns(self):
        body = ",".join(self.iris_features) + "\n" + "\n".join(
            ",".join("" if value is None else repr(value) for value in row) for row in self.iris_rows[:3]) + "\n"
        response = self.post("/v1/models/iris/predict", data=body.encode(), headers={"Content-Type": "text/csv"})
        lines = response.text.strip().split("\r\n")
        self.assertEqual(lines[0], "species,setosa_probability,versicolor_probability,virginica_probability")
        self.assertEqual([line.split(",")[0] for line in lines[1:]], ["setosa"] * 3)

    def test_explanations_are_refused_for_classifiers(self):
        response = self.post("/v1/models/iris/predict?explain=true", status=422,
                             json={"rows": self.iris_inputs(self.iris_rows[:1])})
        self.assertEqual(response.json()["code"], "explanations_unsupported")

    def test_kserve_v2_answers_a_label_tensor_and_a_probability_tensor(self):
        rows = [self.iris_rows[0], self.iris_rows[60], self.iris_rows[149]]
        inputs = [{"name": feature, "datatype": "FP64", "shape": [3], "data": [row[idx] for row in rows]}
                  for idx, feature in enumerate(self.iris_features)]
        answer = self.post("/v2/models/iris-all/infer", json={"inputs": inputs}).json()
        labels, probabilities = answer["outputs"]
        self.assertEqual(labels["name"], "species")
        self.assertEqual(labels["datatype"], "BYTES")
        self.assertEqual(labels["shape"], [3, 1])
        self.assertEqual(labels["data"], ["setosa", "versicolor", "virginica"])
        self.assertEqual(probabilities["name"], "species_probabilities")
        self.assertEqual(probabilities["datatype"], "FP64")
        self.assertEqual(probabilities["shape"], [3, 3])
        self.assertEqual(probabilities["parameters"]["classes"], ["setosa", "versicolor", "virginica"])
        v1 = self.post("/v1/models/iris-all/predict", json={"rows": self.iris_inputs(rows)}).json()
        want = [p for row in v1["probabilities"] for p in row.values()]
        self.assertEqual(probabilities["data"], want)
        metadata = self.server.http.get(self.server.url + "/v2/models/iris-all", timeout=30).json()
        self.assertEqual([(output["name"], output["datatype"]) for output in metadata["outputs"]],
                         [("species", "BYTES"), ("species_probabilities", "FP64")])
        only = self.post("/v2/models/iris-all/infer",
                         json={"inputs": inputs, "outputs": [{"name": "species_probabilities"}]}).json()
        self.assertEqual(len(only["outputs"]), 2)  # every output is answered
        self.post("/v2/models/iris-all/infer", status=400,
                  json={"inputs": inputs, "outputs": [{"name": "petal_width"}]})

    def test_cli_trains_a_classifier_and_prints_labels_and_metrics(self):
        def amp(*args):
            completed = subprocess.run([amp_binary(), *args, "--server", self.server.url, "--api-key",
                                        self.server.admin_key], capture_output=True,
                                       text=True, timeout=180, stdin=subprocess.DEVNULL)
            self.assertEqual(completed.returncode, 0, completed.stdout + completed.stderr)
            return completed.stdout
        trained = amp("train", "--model", "iris-cli", "--dataset", self.iris["id"], "--target", "species", "--task",
                      "classification", "--algorithm", "logistic_regression", "--wait")
        self.assertIn("succeeded", trained)
        self.assertRegex(amp("models"), r"iris-cli.*accuracy=")
        # Trained on every column but the constant "kingdom", which data preparation leaves out and reports.
        version = self.server.http.get(self.server.url + "/v1/models/iris-cli/versions/1", timeout=30).json()
        self.assertEqual([feature["name"] for feature in version["features"]], self.iris_features)
        self.assertEqual(version["cleaning_report"]["constant_columns"], ["kingdom"])
        inputs = json.dumps(self.iris_inputs(self.iris_rows[:1])[0])
        self.assertEqual(amp("predict", "--model", "iris-cli", "--input", inputs).strip(), "setosa")

    def test_bad_requests_are_422_before_a_job_starts(self):
        cases = [
            ({"target": "kingdom"}, "has only one class"),
            ({"target": "species", "task": "regression"}, "is categorical; regression needs a numeric target"),
            ({"target": "species", "algorithm": "linear_regression"}, "regression needs a numeric target"),
            ({"target": "species", "params": {"l2": 1}}, "unknown parameter 'l2' for logistic_regression"),
            ({"target": "species", "task": "binary_classification"}, "3 classes; binary classification needs"),
            ({"target": "species", "task": "ranking"}, "unknown task 'ranking'"),
        ]
        jobs_before = len(self.server.http.get(self.server.url + "/v1/jobs", timeout=30).json()["jobs"])
        for body, message in cases:
            body = dict(body, dataset_id=self.iris["id"])
            response = self.post("/v1/models/bad/train", status=422, json=body)
            self.assertIn(message, response.json()["error"], body)
        self.assertEqual(len(self.server.http.get(self.server.url + "/v1/jobs", timeout=30).json()["jobs"]), jobs_before)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
