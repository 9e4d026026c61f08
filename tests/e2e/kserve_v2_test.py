"""End-to-end: the KServe V2 / Open Inference Protocol REST front end (/v2/...).

Run: /usr/bin/python3 tests/e2e/kserve_v2_test.py --amp build/amp
Models are trained through the API first: "v2-houses" (one feature of each type, two versions), "v2-houses-numeric"
(number features only, for the single [N, F] tensor form) and "v2-spec" (features input0 and input1, target output0,
so the protocol's own example request applies almost verbatim). V2 answers are compared with the v1 predict API's.
"""

import csv
import io
import json
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer
from amp_client import AmpClient

HOUSES = "v2-houses"
NUMERIC = "v2-houses-numeric"
SPEC = "v2-spec"
HOUSE_FEATURES = ["square_feet", "num_bathrooms", "neighborhood", "has_garage"]
HOUSE_DATATYPES = {"square_feet": "INT64", "num_bathrooms": "FP64", "neighborhood": "BYTES", "has_garage": "BOOL"}
HOUSE_ROWS = [
    {"square_feet": 1650, "num_bathrooms": 2.0, "neighborhood": "Riverside", "has_garage": True},
    {"square_feet": 900, "num_bathrooms": 1.5, "neighborhood": "Old Town", "has_garage": False},
    {"square_feet": 3200, "num_bathrooms": 3.5, "neighborhood": "Lakeview", "has_garage": True},
]

# The example request of the protocol's inference_rest.md, verbatim (input1's shape [3] disagrees with its data).
SPEC_EXAMPLE = {
    "id": "42",
    "inputs": [
        {"name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": [1, 2, 3, 4]},
        {"name": "input1", "shape": [3], "datatype": "BOOL", "data": [True]},
    ],
    "outputs": [{"name": "output0"}],
}


def spec_csv():
    """20 rows of output0 = 1 + 2 * input0 + 3 * input1."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["input0", "input1", "output0"])
    for row_idx in range(20):
        flag = row_idx % 3 == 0
        writer.writerow([row_idx + 1, "true" if flag else "false", 1 + 2 * (row_idx + 1) + 3 * int(flag)])
    return out.getvalue().encode("utf-8")


def column_tensors(rows, features, datatypes, shape_suffix=(1,)):
    """One V2 input tensor per feature, the way a client builds them from a table."""
    return [{"name": name, "shape": [len(rows), *shape_suffix], "datatype": datatypes[name],
             "data": [row[name] for row in rows]} for name in features]


class KServeV2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer()
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.client.close)
        houses = cls.upload("v2-houses", DEMO_CSV.read_bytes())
        spec = cls.upload("v2-spec", spec_csv())
        # Two versions of HOUSES that predict differently, so the version in the path matters.
        cls.train(HOUSES, houses, "price", HOUSE_FEATURES, {"l2": 0.0})
        cls.train(HOUSES, houses, "price", HOUSE_FEATURES, {"l2": 500.0})
        cls.train(NUMERIC, houses, "price", ["square_feet", "num_bedrooms"], {"l2": 0.0})
        cls.train(SPEC, spec, "output0", ["input0", "input1"], {"l2": 0.0})

    @classmethod
    def upload(cls, name, csv_bytes):
        response = cls.server.http.post(cls.server.url + "/v1/datasets", params={"name": name}, data=csv_bytes,
                                        headers={"Content-Type": "text/csv"}, timeout=60)
        if response.status_code != 201:
            raise AssertionError(f"upload {name}: {response.status_code} {response.text[:500]}")
        return response.json()["id"]

    @classmethod
    def train(cls, model, dataset_id, target, features, params):
        response = cls.server.http.post(f"{cls.server.url}/v1/models/{model}/train",
                                        json={"dataset_id": dataset_id, "target": target, "algorithm": "linear_regression",
                                              "features": features, "params": params}, timeout=30)
        if response.status_code != 202:
            raise AssertionError(f"train {model}: {response.status_code} {response.text[:500]}")
        return cls.client.wait_for_job(response.json()["job_id"], timeout=120)

    def get(self, path, status=200):
        response = self.server.http.get(self.server.url + path, timeout=30)
        self.assertEqual(response.status_code, status, f"GET {path}: {response.text[:500]}")
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        return response.json()

    def infer(self, model, body, status=200, version=None, **kwargs):
        path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "") + "/infer"
        if isinstance(body, (dict, list)):
            kwargs["json"] = body
        else:
            kwargs["data"] = body
        response = self.server.http.post(self.server.url + path, timeout=30, **kwargs)
        self.assertEqual(response.status_code, status, f"POST {path}: {response.text[:500]}")
        return response.json()

    def v1_predictions(self, model, rows, version=None):
        path = f"/v1/models/{model}" + (f"/versions/{version}" if version else "") + "/predict"
        response = self.server.http.post(self.server.url + path, json={"rows": rows}, timeout=30)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()["predictions"]

    def assert_error(self, result, *fragments):
        self.assertIsInstance(result, dict)
        self.assertIsInstance(result.get("error"), str)
        for fragment in fragments:
            self.assertIn(fragment, result["error"])

    # Server endpoints.

    def test_server_live_ready_and_metadata(self):
        self.assertEqual(self.get("/v2/health/live"), {"live": True})
        self.assertEqual(self.get("/v2/health/ready"), {"ready": True})
        metadata = self.get("/v2")
        self.assertEqual(metadata["name"], "amp")
        self.assertEqual(metadata["version"], "0.1.0")
        self.assertIsInstance(metadata["extensions"], list)

    def test_model_list(self):
        models = {model["name"]: model for model in self.get("/v2/models")["models"]}
        self.assertEqual(models[HOUSES], {"name": HOUSES, "versions": ["1", "2"], "platform": "amp_linear_regression"})
        self.assertEqual(models[SPEC]["versions"], ["1"])

    # Model endpoints.

    def test_model_metadata_has_one_input_per_feature(self):
        for path in (f"/v2/models/{HOUSES}", f"/v2/models/{HOUSES}/versions/1"):
            metadata = self.get(path)
            self.assertEqual(metadata["name"], HOUSES)
            self.assertEqual(metadata["versions"], ["1", "2"])
            self.assertEqual(metadata["platform"], "amp_linear_regression")
            self.assertEqual(metadata["inputs"], [{"name": name, "datatype": HOUSE_DATATYPES[name], "shape": [-1, 1]}
                                                  for name in HOUSE_FEATURES])
            self.assertEqual(metadata["outputs"], [{"name": "price", "datatype": "FP64", "shape": [-1, 1]}])

    def test_model_ready(self):
        self.assertEqual(self.get(f"/v2/models/{HOUSES}/ready"), {"name": HOUSES, "ready": True})
        self.assertEqual(self.get(f"/v2/models/{HOUSES}/versions/1/ready"), {"name": HOUSES, "ready": True})
        self.assert_error(self.get("/v2/models/no-such-model/ready", status=404))
        self.assert_error(self.get(f"/v2/models/{HOUSES}/versions/9/ready", status=404))

    def test_unknown_models_and_versions_are_404(self):
        self.assert_error(self.get("/v2/models/no-such-model", status=404), "no-such-model")
        self.assert_error(self.get(f"/v2/models/{HOUSES}/versions/9", status=404))
        self.assert_error(self.get(f"/v2/models/{HOUSES}/versions/v1", status=404))
        body = {"inputs": column_tensors(HOUSE_ROWS, HOUSE_FEATURES, HOUSE_DATATYPES)}
        self.assert_error(self.infer("no-such-model", body, status=404), "no-such-model")
        self.assert_error(self.infer(HOUSES, body, status=404, version=9))

    # Inference.

    def test_infer_with_one_tensor_per_feature_matches_v1(self):
        inputs = column_tensors(HOUSE_ROWS, reversed(HOUSE_FEATURES), HOUSE_DATATYPES)  # any order
        result = self.infer(HOUSES, {"id": "abc-1", "inputs": inputs})
        self.assertEqual(result["id"], "abc-1")
        self.assertEqual(result["model_name"], HOUSES)
        self.assertEqual(result["model_version"], "2")
        self.assertNotIn("parameters", result)
        self.assertEqual(len(result["outputs"]), 1)
        output = result["outputs"][0]
        self.assertEqual(output["name"], "price")
        self.assertEqual(output["datatype"], "FP64")
        self.assertEqual(output["shape"], [3, 1])
        self.assertEqual(output["data"], self.v1_predictions(HOUSES, HOUSE_ROWS))

    def test_infer_on_a_version(self):
        body = {"inputs": column_tensors(HOUSE_ROWS, HOUSE_FEATURES, HOUSE_DATATYPES, shape_suffix=())}
        first = self.infer(HOUSES, body, version=1)
        self.assertEqual(first["model_version"], "1")
        self.assertEqual(first["outputs"][0]["data"], self.v1_predictions(HOUSES, HOUSE_ROWS, version=1))
        second = self.infer(HOUSES, body, version=2)
        self.assertNotEqual(first["outputs"][0]["data"], second["outputs"][0]["data"])

    def test_the_spec_example_adapted_to_the_model(self):
        # The spec's request, with input0 as a column and input1 holding as many values as its shape says.
        body = json.loads(json.dumps(SPEC_EXAMPLE))
        body["inputs"][0].update(shape=[3], data=[1, 2, 3])
        body["inputs"][1].update(shape=[3], data=[True, False, True])
        result = self.infer(SPEC, body)
        self.assertEqual(result["id"], "42")
        self.assertEqual(result["outputs"][0]["name"], "output0")
        self.assertEqual(result["outputs"][0]["shape"], [3, 1])
        expected = self.v1_predictions(SPEC, [{"input0": 1, "input1": True}, {"input0": 2, "input1": False},
                                              {"input0": 3, "input1": True}])
        self.assertEqual(result["outputs"][0]["data"], expected)
        for value, exact in zip(result["outputs"][0]["data"], [6, 5, 10]):  # 1 + 2 * input0 + 3 * input1
            self.assertAlmostEqual(value, exact, places=6)

    def test_the_spec_example_verbatim_is_a_400_naming_the_tensor(self):
        self.assert_error(self.infer(SPEC, SPEC_EXAMPLE, status=400), "input0", "[2, 2]")
        body = json.loads(json.dumps(SPEC_EXAMPLE))
        body["inputs"][0].update(shape=[3], data=[1, 2, 3])  # now input1's one value for shape [3] is the problem
        self.assert_error(self.infer(SPEC, body, status=400), "input1", "1 values", "[3]")

    def test_the_spec_matrix_example_as_one_tensor_of_all_features(self):
        # Like the spec's input0: one [2, 2] UINT32 tensor, whose columns are the features in metadata order.
        body = {"id": "42", "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32",
                                        "data": [1650, 3, 900, 1]}], "outputs": [{"name": "price"}]}
        result = self.infer(NUMERIC, body)
        self.assertEqual(result["id"], "42")
        self.assertEqual(result["outputs"][0]["shape"], [2, 1])
        expected = self.v1_predictions(NUMERIC, [{"square_feet": 1650, "num_bedrooms": 3},
                                                 {"square_feet": 900, "num_bedrooms": 1}])
        self.assertEqual(result["outputs"][0]["data"], expected)
        body["inputs"][0]["data"] = [[1650, 3], [900, 1]]  # the same, nested
        body["inputs"][0]["datatype"] = "FP64"
        self.assertEqual(self.infer(NUMERIC, body)["outputs"][0]["data"], expected)
        # Not for a model with a categorical feature.
        body["inputs"][0]["shape"] = [2, 4]
        body["inputs"][0]["data"] = [1650, 2.0, 1, 1, 900, 1.5, 0, 1]
        self.assert_error(self.infer(HOUSES, body, status=400), "input0", "neighborhood")

    def test_a_triton_style_client_body(self):
        # What tritonclient.http builds with InferInput(...).set_data_from_numpy(array, binary_data=False) and
        # InferRequestedOutput("price", binary_data=False): [N, 1] tensors, flat data, output parameters.
        body = {
            "inputs": [
                {"name": "square_feet", "shape": [2, 1], "datatype": "INT64", "data": [1650, 900]},
                {"name": "num_bathrooms", "shape": [2, 1], "datatype": "FP32", "data": [2.0, 1.5]},
                {"name": "neighborhood", "shape": [2, 1], "datatype": "BYTES", "data": ["Riverside", "Old Town"]},
                {"name": "has_garage", "shape": [2, 1], "datatype": "BOOL", "data": [True, False]},
            ],
            "outputs": [{"name": "price", "parameters": {"binary_data": False}}],
        }
        response = self.server.http.post(f"{self.server.url}/v2/models/{HOUSES}/infer", data=json.dumps(body),
                                         headers={"Content-Type": "application/json"}, timeout=30)
        self.assertEqual(response.status_code, 200, response.text[:500])
        output = response.json()["outputs"][0]
        self.assertEqual(len(output["data"]), output["shape"][0] * output["shape"][1])
        self.assertEqual(output["data"], self.v1_predictions(HOUSES, HOUSE_ROWS[:2]))

    def test_a_kserve_or_mlserver_style_client_body(self):
        # What KServe's InferRequest.to_rest() and MLServer's pandas codec send: a request id, [N] tensors, request
        # and input "parameters" (content types), no "outputs".
        body = {
            "id": "5f3c0a52-0d0b-4f7e-9a57-2d1c1c3f4b7e",
            "parameters": {"content_type": "pd"},
            "inputs": [
                {"name": "square_feet", "shape": [3], "datatype": "INT64", "data": [1650, 900, 3200]},
                {"name": "num_bathrooms", "shape": [3], "datatype": "FP64", "data": [2.0, 1.5, 3.5]},
                {"name": "neighborhood", "shape": [3], "datatype": "BYTES",
                 "parameters": {"content_type": "str"}, "data": ["Riverside", "Old Town", "Lakeview"]},
                {"name": "has_garage", "shape": [3], "datatype": "BOOL", "data": [True, False, True]},
            ],
        }
        result = self.infer(HOUSES, body)
        self.assertEqual(result["id"], body["id"])
        self.assertEqual(result["outputs"][0]["data"], self.v1_predictions(HOUSES, HOUSE_ROWS))

    def test_missing_values_are_imputed_and_reported(self):
        rows = [dict(HOUSE_ROWS[0], num_bathrooms=None), dict(HOUSE_ROWS[1], neighborhood=None)]
        result = self.infer(HOUSES, {"inputs": column_tensors(rows, HOUSE_FEATURES, HOUSE_DATATYPES)})
        warnings = result["parameters"]["warnings"]
        self.assertEqual(len(warnings), 2)
        self.assertIn("num_bathrooms", warnings[0])
        self.assertIn("neighborhood", warnings[1])
        self.assertEqual(result["outputs"][0]["data"], self.v1_predictions(HOUSES, rows))

    def test_bad_requests_are_400_naming_the_problem(self):
        good = column_tensors(HOUSE_ROWS, HOUSE_FEATURES, HOUSE_DATATYPES)

        def with_input(index, **changes):
            inputs = json.loads(json.dumps(good))
            inputs[index].update(changes)
            return {"inputs": inputs}

        cases = [
            (with_input(0, data=[1650, 900]), ["square_feet", "2 values", "[3, 1]"]),
            (with_input(1, datatype="BYTES", data=["2", "1", "3"]), ["num_bathrooms", "BYTES", "numeric"]),
            (with_input(2, datatype="FP64", data=[1.0, 2.0, 3.0]), ["neighborhood", "FP64", "categorical"]),
            (with_input(0, datatype="INT64", data=[1650, "900", 3200]), ["square_feet", "element 1", "a string"]),
            (with_input(3, datatype="BOOLEAN"), ["has_garage", "unknown datatype 'BOOLEAN'"]),
            (with_input(3, name="garage"), ["unknown input 'garage'", "has_garage"]),
            (with_input(1, shape=[2, 1], data=[2.0, 1.5]), ["rows", "num_bathrooms"]),
            ({"inputs": good[:3]}, ["missing", "has_garage"]),
            ({"inputs": good, "outputs": [{"name": "output0"}]}, ["unknown output 'output0'", "price"]),
            ({"inputs": good + [good[0]]}, ["square_feet", "more than once"]),
            ({"inputs": []}, ["'inputs' is empty"]),
            ({"input": good}, ["missing field 'inputs'"]),
        ]
        for body, fragments in cases:
            with self.subTest(body=json.dumps(body)[:200]):
                self.assert_error(self.infer(HOUSES, body, status=400), *fragments)
        self.assert_error(self.infer(HOUSES, "{not json", status=400))
        self.assert_error(self.infer(HOUSES, "[" * 100000, status=400))

    def test_binary_tensor_data_is_refused_clearly(self):
        body = {"inputs": [{"name": "square_feet", "shape": [1], "datatype": "INT64",
                            "parameters": {"binary_data_size": 8}}]}
        self.assert_error(self.infer(HOUSES, body, status=400), "square_feet", "binary")
        response = self.server.http.post(f"{self.server.url}/v2/models/{HOUSES}/infer", data=b"\x00" * 8,
                                         headers={"Content-Type": "application/octet-stream",
                                                  "Inference-Header-Content-Length": "0"}, timeout=30)
        self.assertEqual(response.status_code, 415)
        self.assert_error(response.json())


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
