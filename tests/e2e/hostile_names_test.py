"""End-to-end: hostile names and ids. Path traversal ("../", percent-encoded, absolute paths), overlong names, SQL
metacharacters and NUL bytes in every string parameter of every write route, CR/LF aimed at response headers, and
hundreds of idle connections. None may crash the server, reach a file outside the data folder, or corrupt the store:
afterwards the audit chain verifies, the records are as expected and a canary file beside the data folder is
untouched. (A slow client sending a byte a second is cut off by the request deadline: hostile_input_test.py.)

Run: /usr/bin/python3 tests/e2e/hostile_names_test.py --amp build/amp
"""

import hashlib
import http.client
import json
import os
import socket
import time
import unittest
import urllib.parse

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, project_csv
from amp_client import AmpClient

FEATURES = ["square_feet", "num_bedrooms", "location_code"]
INPUT = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100}
MODEL = "victim"

TRAVERSALS = ["../../../../etc/passwd", "..", "../canary/canary.txt", "%2e%2e%2f%2e%2e%2fcanary", "/etc/passwd",
              "..\\..\\canary", "....//....//etc/passwd", "%252e%252e%252f"]
SQL = ["'; DROP TABLE models;--", "\" OR \"1\"=\"1", "x' OR '1'='1", "Robert'); DROP TABLE api_keys;--",
       "1; DELETE FROM audit_log", "\\'\\\"", "nul\x00byte", "%00", "\u202e\u0000"]
OVERLONG = "n" * 100_000


class HostileNamesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=("--no-access-log",))
        cls.addClassCleanup(cls.server.close)
        # A canary beside the data folder: what a traversal out of it would reach first.
        cls.canary_dir = os.path.join(os.path.dirname(cls.server.data_dir), "canary")
        os.makedirs(cls.canary_dir, exist_ok=True)
        cls.canary = os.path.join(cls.canary_dir, "canary.txt")
        with open(cls.canary, "w") as out:
            out.write("do not touch\n")
        cls.addClassCleanup(lambda: __import__("shutil").rmtree(cls.canary_dir, ignore_errors=True))
        cls.canary_before = cls.tree_digest(cls.canary_dir)
        cls.server.start()
        cls.url = cls.server.url
        cls.admin = AmpClient(cls.url, api_key=cls.server.admin_key)
        cls.addClassCleanup(cls.admin.close)
        cls.dataset = cls.admin.upload_dataset(project_csv(DEMO_CSV, FEATURES + ["price"]), "houses")
        cls.admin.wait_for_job(cls.admin.train(MODEL, cls.dataset["id"], "price", features=FEATURES)["id"],
                               timeout=120)

    @staticmethod
    def tree_digest(folder):
        digest = hashlib.sha256()
        for root, dirs, names in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                digest.update(path.encode())
                with open(path, "rb") as data:
                    digest.update(data.read())
        return digest.hexdigest()

    def raw(self, method, path, body=None, headers=None):
        """A request whose path goes on the wire exactly as given (no client-side normalisation of dot segments)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            all_headers = dict(self.server.auth)
            if body is not None:
                all_headers["Content-Type"] = "application/json"
                body = json.dumps(body).encode()
            all_headers.update(headers or {})
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in all_headers.items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            payload = response.read()
            return response.status, response.getheaders(), payload
        finally:
            connection.close()

    def assert_refused(self, status, payload, what):
        self.assertTrue(400 <= status < 500, f"{what}: {status} {payload[:300]!r}")
        body = json.loads(payload)
        self.assertIsInstance(body.get("error"), str, what)

    def assert_healthy(self):
        self.assertEqual(requests.get(self.url + "/healthz", timeout=10).status_code, 200)

    def test_path_traversal_in_ids_and_names(self):
        quoted = [urllib.parse.quote(name, safe="") for name in TRAVERSALS]
        unquoted = [name for name in TRAVERSALS if not name.startswith("/")]
        for segment in quoted + unquoted:
            for method, path, body in [
                ("GET", f"/v1/datasets/{segment}", None),
                ("DELETE", f"/v1/datasets/{segment}?cascade=true", None),
                ("GET", f"/v1/jobs/{segment}", None),
                ("DELETE", f"/v1/jobs/{segment}", None),
                ("GET", f"/v1/models/{segment}", None),
                ("POST", f"/v1/models/{segment}/train", {"dataset_id": self.dataset["id"], "target": "price"}),
                ("POST", f"/v1/models/{segment}/predict", {"rows": [INPUT]}),
                ("GET", f"/v1/models/{MODEL}/versions/{segment}/artifact", None),
                ("PUT", f"/v1/models/{MODEL}/aliases/{segment}", {"version": 1}),
                ("DELETE", f"/v1/models/{MODEL}/aliases/{segment}", None),
                ("PUT", f"/v1/models/{MODEL}/grants/{segment}", None),
                ("POST", f"/v1/keys/{segment}/rotate", None),
                ("DELETE", f"/v1/keys/{segment}", None),
                ("POST", f"/v2/models/{segment}/infer", {"inputs": []}),
            ]:
                status, _, payload = self.raw(method, path, body)
                self.assert_refused(status, payload, f"{method} {path}")
        for name in TRAVERSALS:
            response = requests.post(self.url + "/v1/datasets", params={"name": name}, data=b"a,b\n1,2\n",
                                     headers=dict(self.server.auth, **{"Content-Type": "text/csv"}), timeout=30)
            self.assert_refused(response.status_code, response.content, f"dataset name {name!r}")
            response = requests.post(self.url + f"/v1/models/{MODEL}/train", headers=self.server.auth, timeout=30,
                                     json={"dataset_id": name, "target": "price"})
            self.assert_refused(response.status_code, response.content, f"dataset_id {name!r}")
            response = requests.post(self.url + "/api/predict", timeout=30,
                                     json={"model_id": name, "input_parameters": INPUT})
            self.assert_refused(response.status_code, response.content, f"model_id {name!r}")
        self.assertEqual(self.tree_digest(self.canary_dir), self.canary_before)
        self.assert_healthy()

    def test_overlong_names(self):
        response = requests.post(self.url + "/v1/datasets", params={"name": "d" * 10_000}, data=b"a,b\n1,2\n",
                                 headers=dict(self.server.auth, **{"Content-Type": "text/csv"}), timeout=30)
        self.assert_refused(response.status_code, response.content, "overlong dataset name")
        for method, path, body in [
            ("POST", "/v1/models/" + "m" * 1000 + "/train", {"dataset_id": self.dataset["id"], "target": "price"}),
            ("PUT", f"/v1/models/{MODEL}/aliases/" + "a" * 1000, {"version": 1}),
            ("POST", "/v1/keys", {"name": "k" * 10_000, "role": "consumer"}),
            ("GET", "/v1/models/" + OVERLONG, None),
            ("GET", "/v1/datasets/" + OVERLONG, None),
        ]:
            status, _, payload = self.raw(method, path, body)
            self.assertTrue(400 <= status < 500, f"{method} {path[:60]}...: {status}")
            if status not in (414, 431):  # a request line over the header limit is refused before routing
                self.assert_refused(status, payload, f"{method} {path[:60]}")
        self.assertNotIn("k" * 10_000, [key["name"] for key in self.admin.list_keys()])
        self.assert_healthy()

    def test_sql_metacharacters_in_every_string_parameter(self):
        models_before = self.admin.list_models()
        for text in SQL:
            segment = urllib.parse.quote(text, safe="")
            # Names that must be refused or not found.
            cases = [
                ("POST", f"/v1/datasets?name={segment}", None),
                ("POST", f"/v1/models/{segment}/train", {"dataset_id": self.dataset["id"], "target": "price"}),
                ("POST", f"/v1/models/{MODEL}/train", {"dataset_id": text, "target": "price"}),
                ("POST", f"/v1/models/{MODEL}/train", {"dataset_id": self.dataset["id"], "target": text}),
                ("POST", f"/v1/models/{MODEL}/train", {"dataset_id": self.dataset["id"], "target": "price",
                                                       "algorithm": text}),
                ("POST", f"/v1/models/{MODEL}/train", {"dataset_id": self.dataset["id"], "target": "price",
                                                       "task": text}),
                ("POST", f"/v1/models/{MODEL}/train", {"dataset_id": self.dataset["id"], "target": "price",
                                                       "features": [text]}),
                ("POST", f"/v1/models/{MODEL}/train", {"dataset_id": self.dataset["id"], "target": "price",
                                                       "params": {text: 1}}),
                ("PUT", f"/v1/models/{MODEL}/aliases/{segment}", {"version": 1}),
                ("DELETE", f"/v1/models/{MODEL}/aliases/{segment}", None),
                ("PUT", f"/v1/models/{MODEL}/grants/{segment}", None),
                ("DELETE", f"/v1/models/{MODEL}/grants/{segment}", None),
                ("PATCH", f"/v1/models/{segment}", {"public": True}),
                ("POST", f"/v1/keys/{segment}/rotate", None),
                ("DELETE", f"/v1/keys/{segment}", None),
                ("DELETE", f"/v1/datasets/{segment}", None),
                ("DELETE", f"/v1/jobs/{segment}", None),
                ("POST", "/v1/keys", {"name": "k", "role": text}),
                ("POST", f"/v1/models/{segment}/predict", {"rows": [INPUT]}),
                ("POST", f"/v1/models/{MODEL}/predict", {"rows": [dict(INPUT, **{text: 1})]}),
                ("POST", "/api/predict", {"model_id": text, "input_parameters": INPUT}),
                ("POST", "/api/predict", {"model_id": MODEL, "input_parameters": INPUT, "output_target": text}),
                ("POST", f"/v2/models/{MODEL}/infer", {"inputs": [{"name": text, "datatype": "FP64", "shape": [1],
                                                                   "data": [1.0]}]}),
            ]
            for method, path, body in cases:
                status, _, payload = self.raw(method, path, body)
                self.assert_refused(status, payload, f"{method} {path} {body!r}")
            # A key name is free text: stored and listed back verbatim, never interpreted; control characters
            # (NUL, CR, LF...) are refused, since names are printed by the CLI and written to the audit log.
            status, _, payload = self.raw("POST", "/v1/keys", {"name": text, "role": "consumer"})
            if any(ord(c) < 0x20 for c in text):
                self.assert_refused(status, payload, f"key name {text!r}")
                continue
            self.assertEqual(status, 201, payload[:300])
            created = json.loads(payload)
            self.assertEqual(created["name"], text)
            listed = {key["id"]: key["name"] for key in self.admin.list_keys()}
            self.assertEqual(listed[created["id"]], text)
            # An id echoed in a KServe answer is escaped, never breaks the JSON.
            status, _, payload = self.raw("POST", f"/v2/models/{MODEL}/infer", {"id": text, "inputs": [
                {"name": name, "datatype": "FP64", "shape": [1], "data": [value]} for name, value in INPUT.items()]})
            self.assertEqual(status, 200, payload[:300])
            self.assertEqual(json.loads(payload)["id"], text)
        self.assertEqual(self.admin.list_models(), models_before)
        self.assertTrue(self.admin.verify_audit()["intact"])
        self.assert_healthy()

    def test_header_injection(self):
        injected = "x\r\nSet-Cookie: pwned=1\r\nX-Injected: yes"
        # Into echoed headers: a request id with CR/LF cannot reach the answer.
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\rSet-Cookie: pwned=1\r\n"
                         b"Connection: close\r\n\r\n")
            answer = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        finally:
            sock.close()
        head = answer.split(b"\r\n\r\n", 1)[0]
        self.assertNotIn(b"\nSet-Cookie", head)
        self.assertNotIn(b"\rSet-Cookie", head)
        # Percent-encoded CR/LF in path parameters that name things echoed into headers (Location,
        # Content-Disposition) or bodies.
        segment = urllib.parse.quote(injected, safe="")
        for method, path, body in [
            ("POST", f"/v1/models/{segment}/train", {"dataset_id": self.dataset["id"], "target": "price"}),
            ("GET", f"/v1/models/{segment}/versions/1/artifact", None),
            ("GET", f"/v1/models/{MODEL}/versions/1/export?format={segment}", None),
            ("POST", f"/v1/datasets?name={segment}", None),
        ]:
            status, headers, payload = self.raw(method, path, body)
            self.assertTrue(400 <= status < 500, f"{method} {path}: {status}")
            names = [name.lower() for name, _ in headers]
            self.assertNotIn("set-cookie", names)
            self.assertNotIn("x-injected", names)
        # A sane request id is echoed; anything else is replaced by a generated one.
        for request_id, echoed in [("trace-42.a:b_c", True), ("a b", False), ("x" * 200, False), ("ü", False)]:
            status, headers, _ = self.raw("GET", "/healthz", headers={"X-Request-Id": request_id.encode("utf-8")
                                                                       .decode("latin-1")})
            self.assertEqual(status, 200)
            got = dict((name.lower(), value) for name, value in headers)["x-request-id"]
            self.assertEqual(got == request_id, echoed, got)
        self.assert_healthy()

    def test_many_idle_connections_do_not_starve_a_normal_client(self):
        idle = []
        try:
            for _ in range(500):
                idle.append(socket.create_connection(("127.0.0.1", self.server.port), timeout=10))
            # Half of them have sent part of a request header and stall.
            for sock in idle[::2]:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            response = self.admin._request("POST", f"/v1/models/{MODEL}/predict", json={"rows": [INPUT]})
            self.assertIn("predictions", response)
            self.assertEqual(requests.get(self.url + "/healthz", timeout=10).status_code, 200)
            self.assertLess(time.monotonic() - started, 5.0)
        finally:
            for sock in idle:
                sock.close()
        self.assert_healthy()

    def test_z_store_intact_afterwards(self):
        # Runs last (alphabetical order): whatever the tests above sent, the store is whole.
        report = self.admin.verify_audit()
        self.assertTrue(report["intact"], report)
        self.assertEqual([model["name"] for model in self.admin.list_models()], [MODEL])
        self.assertEqual([dataset["id"] for dataset in self.admin.list_datasets()], [self.dataset["id"]])
        self.assertEqual(self.tree_digest(self.canary_dir), self.canary_before)
        data_entries = sorted(os.listdir(self.server.data_dir))
        for entry in data_entries:
            self.assertFalse(entry.startswith(".."), data_entries)
        self.assertIn("predictions", self.admin._request("POST", f"/v1/models/{MODEL}/predict",
                                                         json={"rows": [INPUT]}))


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
