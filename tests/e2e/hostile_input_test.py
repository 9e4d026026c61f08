"""End-to-end: hostile and malformed input gets a 4xx with a JSON {"error", "code"} body, and the server lives on.

Run: /usr/bin/python3 tests/e2e/hostile_input_test.py --amp build/amp
Every case checks GET /healthz still answers 200 afterwards. A model exists (trained in setUpClass), so the 422s
are about the input and not about a missing model.
"""

import json
import re
import select
import socket
import time
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, is_number, project_csv
from amp_client import AmpClient

MODEL_NAME = "hostile-model"
FEATURES = ["square_feet", "num_bedrooms", "location_code", "neighborhood"]
GOOD_INPUT = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100, "neighborhood": "Riverside"}
REQUEST_TIMEOUT_MS = 2000


class ErrorAssertions(unittest.TestCase):
    """Shared checks; subclasses set cls.server."""

    server = None

    def post_predict_raw(self, body, content_type="application/json", **kwargs):
        return self.server.http.post(self.server.url + "/api/predict", data=body,
                                     headers={"Content-Type": content_type}, timeout=30, **kwargs)

    def predict(self, body):
        return self.server.http.post(self.server.url + "/api/predict", json=body, timeout=30)

    def assert_healthy(self):
        response = self.server.http.get(self.server.url + "/healthz", timeout=5)
        self.assertEqual(response.status_code, 200, "server unhealthy after hostile input")

    def assert_error(self, response, status, code=None):
        """Asserts the status and a JSON {"error": str, "code": str} body (code equal to `code` if given), then that
        the server is still healthy. Returns the body."""
        self.assertEqual(response.status_code, status, f"body: {response.text[:500]!r}")
        try:
            body = response.json()
        except ValueError:
            self.fail(f"error body is not JSON: {response.text[:500]!r}")
        self.assertIsInstance(body, dict, body)
        self.assertIsInstance(body.get("error"), str, body)
        self.assertTrue(body["error"], body)
        self.assertIsInstance(body.get("code"), str, body)
        self.assertTrue(body["code"], body)
        if code is not None:
            self.assertEqual(body["code"], code, body)
        self.assert_healthy()
        return body


class HostileInputTest(ErrorAssertions):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=["--request-timeout-ms", str(REQUEST_TIMEOUT_MS)])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(client.close)
        dataset = client.upload_dataset(project_csv(DEMO_CSV, FEATURES + ["price"]), "hostile-houses")
        job = client.train(MODEL_NAME, dataset["id"], "price", features=FEATURES)
        client.wait_for_job(job["job_id"], timeout=120)

    def test_a_good_request_succeeds(self):
        response = self.predict({"model_id": MODEL_NAME, "input_parameters": GOOD_INPUT, "output_target": "price"})
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertTrue(is_number(response.json()["prediction"]), response.text[:500])

    def test_malformed_json(self):
        self.assert_error(self.post_predict_raw('{"model_id": "hostile-model", "input_parameters": {'), 400,
                          "invalid_json")

    def test_text_plain_content_type(self):
        body = json.dumps({"model_id": MODEL_NAME, "input_parameters": GOOD_INPUT})
        self.assert_error(self.post_predict_raw(body, content_type="text/plain"), 415, "unsupported_media_type")

    def test_empty_body(self):
        self.assert_error(self.post_predict_raw(b""), 400)

    def test_deeply_nested_json(self):
        self.assert_error(self.post_predict_raw("[" * 100_000 + "]" * 100_000), 400)

    def test_deeply_nested_objects(self):
        self.assert_error(self.post_predict_raw('{"a":' * 100_000 + "1" + "}" * 100_000), 400)

    def test_unknown_model(self):
        self.assert_error(self.predict({"model_id": "no-such-model", "input_parameters": GOOD_INPUT}), 404,
                          "model_not_found")
        response = self.server.http.post(self.server.url + "/v1/models/no-such-model/predict",
                                         json={"rows": [GOOD_INPUT]}, timeout=30)
        self.assert_error(response, 404, "model_not_found")

    def test_missing_feature_is_named(self):
        incomplete = {name: value for name, value in GOOD_INPUT.items() if name != "num_bedrooms"}
        body = self.assert_error(self.predict({"model_id": MODEL_NAME, "input_parameters": incomplete}), 422,
                                 "invalid_input")
        self.assertIn("num_bedrooms", body["error"])

    def test_unknown_feature_is_named(self):
        extra = dict(GOOD_INPUT, swimming_pools=2)
        body = self.assert_error(self.predict({"model_id": MODEL_NAME, "input_parameters": extra}), 422,
                                 "invalid_input")
        self.assertIn("swimming_pools", body["error"])

    def test_string_for_a_number_is_named(self):
        wrong = dict(GOOD_INPUT, square_feet="big")
        body = self.assert_error(self.predict({"model_id": MODEL_NAME, "input_parameters": wrong}), 422,
                                 "invalid_input")
        self.assertIn("square_feet", body["error"])

    def test_nan_literal_is_not_json(self):
        body = ('{"model_id": "hostile-model", "input_parameters": '
                '{"square_feet": NaN, "num_bedrooms": 3, "location_code": 100, "neighborhood": "Riverside"}}')
        self.assert_error(self.post_predict_raw(body), 400, "invalid_json")

    def test_huge_number(self):
        body = ('{"model_id": "hostile-model", "input_parameters": '
                '{"square_feet": 1e999, "num_bedrooms": 3, "location_code": 100, "neighborhood": "Riverside"}}')
        response = self.post_predict_raw(body)
        self.assertIn(response.status_code, (400, 422), response.text[:500])
        self.assert_error(response, response.status_code)

    def test_wrong_output_target(self):
        response = self.predict({"model_id": MODEL_NAME, "input_parameters": GOOD_INPUT,
                                 "output_target": "num_rooms"})
        self.assert_error(response, 422, "invalid_input")

    def test_header_too_large(self):
        response = self.server.http.get(self.server.url + "/healthz", headers={"X-Large": "a" * (17 * 1024)},
                                        timeout=30)
        self.assert_error(response, 431, "header_too_large")

    def test_unknown_route(self):
        self.assert_error(self.server.http.get(self.server.url + "/no/such/route", timeout=30), 404, "not_found")
        self.assert_error(self.server.http.get(self.server.url + "/v1/no-such-resource", timeout=30), 404, "not_found")

    def test_wrong_method(self):
        self.assert_error(self.server.http.get(self.server.url + "/api/predict", timeout=30), 405, "method_not_allowed")
        self.assert_error(self.server.http.post(self.server.url + "/healthz", timeout=30), 405, "method_not_allowed")

    def upload_csv(self, body, name):
        return self.server.http.post(self.server.url + "/v1/datasets", params={"name": name}, data=body,
                                     headers={"Content-Type": "text/csv"}, timeout=30)

    def test_csv_with_a_ragged_row_names_the_line(self):
        body = b"a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n11,12,13\n"  # line 4 has four fields
        error = self.assert_error(self.upload_csv(body, "ragged"), 400, "invalid_csv")
        self.assertRegex(error["error"], re.compile(r"line\D{0,3}4\b", re.IGNORECASE))

    def test_empty_csv(self):
        self.assert_error(self.upload_csv(b"", "empty"), 400)

    def test_csv_with_invalid_utf8(self):
        body = b"name,value\nab\xff\xfecd,1\nok,2\n"
        self.assert_error(self.upload_csv(body, "not-utf8"), 400, "invalid_csv")

    def test_slow_client_is_cut_off_while_others_are_served(self):
        # One byte per second: the whole request would take minutes, so only a total request deadline (not an
        # idle timeout between bytes) closes the connection, which must happen soon after REQUEST_TIMEOUT_MS.
        request = (b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"X-Padding: " + b"a" * 100 + b"\r\n\r\n")
        other_latencies = []
        closed_after = None
        slow = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        try:
            start = time.monotonic()
            for byte_idx in range(len(request)):
                try:
                    slow.sendall(request[byte_idx:byte_idx + 1])
                except OSError:  # broken pipe or reset: the server has closed the connection
                    closed_after = time.monotonic() - start
                    break
                if wait_for_close(slow, 1.0):
                    closed_after = time.monotonic() - start
                    break
                if byte_idx < 2:  # meanwhile another client is served promptly
                    sent = time.monotonic()
                    response = self.server.http.get(self.server.url + "/healthz", timeout=5)
                    other_latencies.append(time.monotonic() - sent)
                    self.assertEqual(response.status_code, 200)
                if time.monotonic() - start > 15:
                    break
        finally:
            slow.close()
        self.assertIsNotNone(closed_after, "the server kept a one-byte-per-second connection open for 15 s")
        self.assertLess(closed_after, 6.5, "slow connection closed too late")
        self.assertTrue(other_latencies, "the slow connection was closed before another client was tried")
        self.assertLess(max(other_latencies), 1.0, f"other client latencies {other_latencies}")
        self.assert_healthy()


def wait_for_close(sock, seconds):
    """Waits up to `seconds` for the peer to close `sock`, reading (and dropping) any response, e.g. a 408.

    Returns True once the connection is closed (EOF or reset), False if it is still open at the deadline.
    """
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        readable, _, _ = select.select([sock], [], [], remaining)
        if not readable:
            return False
        try:
            if not sock.recv(65536):
                return True
        except OSError:
            return True


class BodyLimitTest(ErrorAssertions):
    """A separate server with a small JSON body limit (the main one keeps the default, so that the 200 KB
    deeply nested document reaches the JSON parser)."""

    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=["--max-body-bytes", "65536"])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()

    def test_body_over_the_limit(self):
        body = json.dumps({"model_id": MODEL_NAME, "input_parameters": {"padding": "a" * (100 * 1024)}})
        self.assertGreater(len(body), 100 * 1024)
        self.assert_error(self.post_predict_raw(body), 413, "payload_too_large")

    def test_body_under_the_limit_reaches_the_handler(self):
        body = json.dumps({"model_id": MODEL_NAME, "input_parameters": {"padding": "a" * (32 * 1024)}})
        response = self.post_predict_raw(body)
        self.assertNotEqual(response.status_code, 413, response.text[:500])
        self.assert_error(response, 404, "model_not_found")  # no model was trained on this server


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
