"""End-to-end: HTTPS with --tls-cert/--tls-key, and the refusal of plain HTTP on a reachable address.

Makes a throwaway self-signed certificate with the openssl command, then checks that the server answers over TLS
1.2 and 1.3 (health, the classic predict API, an upload through the streamed-body path), refuses TLS 1.1, a
cipher suite without forward secrecy and a plain-HTTP request on its port, and refuses to start on a bad key.
Without TLS, `amp serve --host 0.0.0.0` exits 2 unless --insecure-http is given, which logs a warning.

Run: /usr/bin/python3 tests/e2e/tls_test.py --amp build/amp
"""

import os
import socket
import ssl
import subprocess
import tempfile
import unittest

import requests

import amp_server
from amp_server import DEMO_CSV, AmpServer, wait_until
from amp_client import AmpClient


def make_certificate(folder, name="server"):
    cert, key = os.path.join(folder, f"{name}.pem"), os.path.join(folder, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def handshake(port, cafile, **context_settings):
    """Opens a TLS connection with a client context adjusted by `context_settings`; returns the protocol version."""
    context = ssl.create_default_context(cafile=cafile)
    for name, value in context_settings.items():
        if name == "ciphers":
            context.set_ciphers(value)
        else:
            setattr(context, name, value)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.version()


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="amp_tls_")
        cls.cert, cls.key = make_certificate(cls.folder)
        cls.server = AmpServer(demo=True, tls=(cls.cert, cls.key))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()

    def test_https_serves_the_api(self):
        url = self.server.url
        self.assertTrue(url.startswith("https://"))
        self.assertEqual(requests.get(url + "/healthz", verify=self.cert, timeout=10).json(), {"status": "ok"})
        with requests.Session() as session:  # keep-alive: several requests on one TLS connection
            # The demo model trains in the background after the server is healthy (slowly under ASan).
            listed = wait_until(lambda: session.get(url + "/api/model", verify=self.cert, timeout=10).json(), 120,
                                what="the demo model")
            for _ in range(3):
                models = session.get(url + "/api/model", verify=self.cert, timeout=10)
                self.assertEqual(models.status_code, 200, models.text)
            model_id = listed[0]["id"]
            answer = session.post(url + "/api/predict", json={
                "model_id": model_id, "input_parameters": {"square_feet": 1650, "num_bedrooms": 3,
                                                           "location_code": 100}}, verify=self.cert, timeout=10)
            self.assertEqual(answer.status_code, 200, answer.text)
            self.assertIsInstance(answer.json()["prediction"], float)

    def test_upload_streams_over_tls(self):
        with AmpClient(self.server.url, api_key=self.server.admin_key, verify=self.cert) as client:
            dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "over-tls")
        self.assertGreater(dataset["row_count"], 0)

    def test_tls_versions(self):
        self.assertEqual(handshake(self.server.port, self.cert, minimum_version=ssl.TLSVersion.TLSv1_3), "TLSv1.3")
        self.assertEqual(handshake(self.server.port, self.cert, maximum_version=ssl.TLSVersion.TLSv1_2), "TLSv1.2")
        with self.assertRaises(ssl.SSLError):
            handshake(self.server.port, self.cert, minimum_version=ssl.TLSVersion.MINIMUM_SUPPORTED,
                      maximum_version=ssl.TLSVersion.TLSv1_1)

    def test_cipher_without_forward_secrecy_is_refused(self):
        with self.assertRaises(ssl.SSLError):
            handshake(self.server.port, self.cert, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="AES128-GCM-SHA256")

    def test_plain_http_on_the_tls_port_gets_no_answer(self):
        with self.assertRaises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{self.server.port}/healthz", timeout=10)
        # and the server still serves TLS afterwards
        self.assertEqual(requests.get(self.server.url + "/healthz", verify=self.cert, timeout=10).status_code, 200)

    def test_mismatched_key_is_refused_at_start(self):
        _, other_key = make_certificate(self.folder, "other")
        with tempfile.TemporaryDirectory() as data_dir:
            result = subprocess.run([amp_server.amp_binary(), "serve", "--port", "0", "--data-dir", data_dir,
                                     "--no-demo", "--tls-cert", self.cert, "--tls-key", other_key],
                                    capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("TLS private key", result.stderr + result.stdout)


class PlainHttpOnReachableAddressTest(unittest.TestCase):
    def test_refused_without_insecure_http(self):
        with tempfile.TemporaryDirectory() as data_dir:
            result = subprocess.run([amp_server.amp_binary(), "serve", "--host", "0.0.0.0", "--port", "0",
                                     "--data-dir", data_dir, "--no-demo"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--insecure-http", result.stderr + result.stdout)

    def test_allowed_with_insecure_http_and_a_warning(self):
        with AmpServer(extra_args=("--host", "0.0.0.0", "--insecure-http")) as server:
            self.assertEqual(requests.get(server.url + "/healthz", timeout=10).status_code, 200)
            self.assertIn("unencrypted", server.log_tail())


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
