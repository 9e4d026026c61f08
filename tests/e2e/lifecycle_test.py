"""End-to-end: model metadata and lineage, deleting versions, retention, and signed job-completion callbacks.

Run: /usr/bin/python3 tests/e2e/lifecycle_test.py --amp build/amp
"""

import hashlib
import hmac
import http.server
import json
import os
import pathlib
import subprocess
import tempfile
import threading
import time
import unittest

import requests

import amp_server
from amp_server import AmpServer, wait_until
from amp_client import AmpClient

WEBHOOK_SECRET = "e2e-webhook-secret-0123456789"


class Receiver:
    """A local HTTP server that records each POST and answers from a script of statuses (then 200)."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/amp?source=e2e"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify_signature(secret, header, body, tolerance_s=300):
    """The receiver side, as docs/models.md shows it."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - timestamp) <= tolerance_s


class LifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        secret_file = pathlib.Path(tempfile.mkdtemp(prefix="amp_e2e_secret_")) / "webhook.secret"
        secret_file.write_text(WEBHOOK_SECRET + "\n")
        cls.server = AmpServer(extra_args=("--no-access-log", "--webhook-secret-file", str(secret_file)))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.url = cls.server.url
        cls.http = requests.Session()
        cls.http.headers.update(cls.server.auth)
        cls.client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        rows = "\n".join(f"{x},{2 * x + 1}" for x in range(40))
        cls.dataset = cls.client.upload_dataset(f"x,y\n{rows}\n".encode(), "line")

    def train(self, model, **extra):
        body = {"dataset_id": self.dataset["id"], "target": "y", "params": {"holdout_fraction": 0}, **extra}
        response = self.http.post(f"{self.url}/v1/models/{model}/train", json=body)
        self.assertEqual(response.status_code, 202, response.text)
        return self.client.wait_for_job(response.json()["id"], timeout=60)

    def versions(self, model):
        return [v["version"] for v in self.http.get(f"{self.url}/v1/models/{model}").json()["versions"]]

    def test_metadata_lineage_and_filters(self):
        job = self.train("meta-a", description="Line fit", owner="data-team", tags=["demo", "linear"])
        self.train("meta-b", owner="someone-else", tags=["other"])
        page = self.http.get(f"{self.url}/v1/models/meta-a").json()
        self.assertEqual(page["description"], "Line fit")
        self.assertEqual(page["owner"], "data-team")
        self.assertEqual(page["tags"], ["demo", "linear"])
        self.assertIsNone(page["retention"])
        lineage = page["versions"][0]["lineage"]
        self.assertEqual(lineage["dataset_id"], self.dataset["id"])
        self.assertEqual(lineage["dataset_sha256"], self.dataset["sha256"])
        self.assertEqual(lineage["job_id"], job["id"])
        self.assertTrue(lineage["code_version"].startswith("0."), lineage)
        self.assertIn("l2", page["versions"][0]["params"])
        self.assertEqual(page["versions"][0]["metrics"]["train_rows"], 40)

        patched = self.http.patch(f"{self.url}/v1/models/meta-a",
                                  json={"description": "Line fit v2", "tags": ["b", "a", "a"], "public": True})
        self.assertEqual(patched.status_code, 200, patched.text)
        self.assertEqual(patched.json()["tags"], ["a", "b"])
        self.assertTrue(patched.json()["public"])
        self.assertEqual(patched.json()["owner"], "data-team")  # untouched
        self.assertEqual(self.http.patch(f"{self.url}/v1/models/meta-a", json={"tags": ["bad tag"]}).status_code, 400)
        self.assertEqual(self.http.patch(f"{self.url}/v1/models/meta-a", json={"colour": "red"}).status_code, 422)
        self.assertEqual(self.http.patch(f"{self.url}/v1/models/meta-a", json={}).status_code, 422)
        self.assertEqual(self.http.patch(f"{self.url}/v1/models/nope", json={"owner": "x"}).status_code, 404)

        def names(**query):
            response = self.http.get(f"{self.url}/v1/models", params=query)
            self.assertEqual(response.status_code, 200)
            return sorted(m["name"] for m in response.json()["models"] if m["name"].startswith("meta-"))

        self.assertEqual(names(tag="a"), ["meta-a"])
        self.assertEqual(names(owner="Someone-Else"), ["meta-b"])
        self.assertEqual(names(q="FIT V2"), ["meta-a"])
        self.assertEqual(names(), ["meta-a", "meta-b"])

        # The CLI twin.
        env = dict(os.environ, AMP_SERVER=self.url, AMP_API_KEY=self.server.admin_key)
        updated = subprocess.run([self.server.binary, "models", "update", "meta-b", "--owner", "cli-owner",
                                  "--tag", "x", "--tag", "y"], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(updated.returncode, 0, updated.stderr)
        self.assertEqual(json.loads(updated.stdout)["tags"], ["x", "y"])
        listed = subprocess.run([self.server.binary, "models", "--owner", "cli-owner"], env=env,
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("meta-b", listed.stdout)
        self.assertNotIn("meta-a", listed.stdout)

    def test_delete_version(self):
        for _ in range(3):
            self.train("deletable")
        self.assertEqual(self.http.put(f"{self.url}/v1/models/deletable/aliases/staging",
                                       json={"version": 1}).status_code, 200)
        refused = self.http.delete(f"{self.url}/v1/models/deletable/versions/1")
        self.assertEqual(refused.status_code, 409, refused.text)
        self.assertEqual(refused.json()["code"], "version_in_use")
        self.assertIn("'staging'", refused.json()["error"])
        served = self.http.delete(f"{self.url}/v1/models/deletable/versions/3")  # the latest, served by name
        self.assertEqual(served.status_code, 409, served.text)
        self.assertIn("latest", served.json()["error"])
        # Version 2 is pinned (loaded) by a request first: deleting it unloads it.
        pinned = self.http.post(f"{self.url}/v1/models/deletable/versions/2/predict", json={"rows": [{"x": 1}]})
        self.assertEqual(pinned.status_code, 200, pinned.text)
        deleted = self.http.delete(f"{self.url}/v1/models/deletable/versions/2")
        self.assertEqual(deleted.status_code, 200, deleted.text)
        self.assertEqual(deleted.json(), {"model_id": deleted.json()["model_id"], "version": 2, "deleted": True})
        self.assertEqual(self.versions("deletable"), [1, 3])
        self.assertEqual(self.http.get(f"{self.url}/v1/models/deletable/versions/2").status_code, 404)
        self.assertEqual(self.http.get(f"{self.url}/v1/models/deletable/versions/2/artifact").status_code, 404)
        self.assertEqual(self.http.post(f"{self.url}/v1/models/deletable/versions/2/predict",
                                        json={"rows": [{"x": 1}]}).status_code, 404)
        self.assertEqual(self.http.delete(f"{self.url}/v1/models/deletable/versions/2").status_code, 404)
        self.assertEqual(self.http.delete(f"{self.url}/v1/models/deletable/versions/x").status_code, 400)
        # Numbers are never reused; the audit log has the deletion.
        self.assertEqual(self.train("deletable")["result"]["version"], 4)
        audit = self.http.get(f"{self.url}/v1/audit", params={"limit": 1000}).json()
        records = audit["records"] if isinstance(audit, dict) else audit
        self.assertTrue(any(r["action"] == "delete_version" and "/versions/2" in r["resource"] and r["outcome"] == "ok"
                            for r in records), records[-5:])
        # A consumer key may not delete.
        consumer = self.http.post(f"{self.url}/v1/keys", json={"name": "c", "role": "consumer"}).json()
        denied = requests.delete(f"{self.url}/v1/models/deletable/versions/1",
                                 headers={"Authorization": "Bearer " + consumer["secret"]})
        self.assertIn(denied.status_code, (403, 404))

    def test_retention_collects_old_versions(self):
        for _ in range(4):
            self.train("retained")
        self.assertEqual(self.http.put(f"{self.url}/v1/models/retained/aliases/production",
                                       json={"version": 1}).status_code, 200)
        patched = self.http.patch(f"{self.url}/v1/models/retained", json={"retention": {"keep_last": 2}})
        self.assertEqual(patched.status_code, 200, patched.text)
        self.assertEqual(patched.json()["retention"], {"keep_last": 2})
        # Kept: 3 and 4 (the newest two) and 1 (aliased, and served by name); 2 goes.
        wait_until(lambda: self.versions("retained") == [1, 3, 4], timeout=30, what="retention of version 2")
        self.train("retained")  # a publish runs the collector again: 3 goes
        wait_until(lambda: self.versions("retained") == [1, 4, 5], timeout=30, what="retention of version 3")
        audit = self.http.get(f"{self.url}/v1/audit", params={"limit": 1000}).json()
        records = audit["records"] if isinstance(audit, dict) else audit
        collected = [r["resource"] for r in records if r["actor"] == "server (retention)"]
        self.assertTrue(any(resource.endswith("(retained) version 2") for resource in collected), collected)
        self.assertTrue(any(resource.endswith("(retained) version 3") for resource in collected), collected)
        bad = self.http.patch(f"{self.url}/v1/models/retained", json={"retention": {"keep_last": 0}})
        self.assertEqual(bad.status_code, 422)
        cleared = self.http.patch(f"{self.url}/v1/models/retained", json={"retention": None})
        self.assertIsNone(cleared.json()["retention"])

    def test_callback_is_signed_and_retried(self):
        receiver = Receiver([500])  # the first attempt fails; the retry is answered 200
        self.addCleanup(receiver.close)
        job = self.train("notified", callback_url=receiver.url)
        wait_until(lambda: len(receiver.received()) >= 2, timeout=30, what="the retried callback")
        (first_headers, first_body), (headers, body) = receiver.received()[:2]
        self.assertEqual(first_body, body)
        self.assertEqual(first_headers["X-Amp-Delivery"], headers["X-Amp-Delivery"])
        self.assertEqual(headers["X-Amp-Event"], "job.succeeded")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertTrue(verify_signature(WEBHOOK_SECRET, headers["X-Amp-Signature"], body))
        self.assertFalse(verify_signature("wrong-secret", headers["X-Amp-Signature"], body))
        self.assertFalse(verify_signature(WEBHOOK_SECRET, headers["X-Amp-Signature"], body + b" "))
        payload = json.loads(body)
        self.assertEqual(payload["event"], "job.succeeded")
        self.assertEqual(payload["job"]["id"], job["id"])
        self.assertEqual(payload["model"]["name"], "notified")
        self.assertEqual(payload["version"], 1)
        self.assertEqual(payload["metrics"]["train_rows"], 40)
        artifact = self.http.get(self.url + payload["download"]["artifact"])
        self.assertEqual(artifact.status_code, 200)
        self.assertEqual(artifact.headers["X-Amp-Bundle-Sha256"], hashlib.sha256(artifact.content).hexdigest())

    def test_bad_callback_url_is_refused(self):
        response = self.http.post(f"{self.url}/v1/models/x/train",
                                  json={"dataset_id": self.dataset["id"], "target": "y", "callback_url": "ftp://a/b"})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("callback_url", response.json()["error"])


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
