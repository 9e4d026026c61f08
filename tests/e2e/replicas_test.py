"""End-to-end: serving replicas. Two `amp serve` processes share one data folder (SQLite in WAL mode); a change made
through one reaches the other through the store's change feed.

Run: /usr/bin/python3 tests/e2e/replicas_test.py --amp build/amp
Replica A trains (the default); replica B does not (`--training-workers 0`). Checks, each within 1 s on B of the
change made through A: a newly trained version serves from B (a model B had loaded), the production alias moved back
to an older version serves from B (and ?alias= pins follow), and an API key created through A works on B and stops
working on B once revoked through A.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

import amp_server
from amp_server import AmpServer, wait_until
from cluster_procs import metadata_args, synthetic_csv

PROPAGATION_S = 1.0


class ReplicasTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = AmpServer(extra_args=["--no-access-log"] + metadata_args())
        cls.addClassCleanup(cls.a.close)
        cls.a.start()
        cls.b = AmpServer(extra_args=["--no-access-log", "--training-workers", "0"] + metadata_args())
        own_dir = cls.b.data_dir
        cls.b.data_dir = cls.a.data_dir
        cls.b.port_file = os.path.join(tempfile.mkdtemp(prefix="amp_e2e_port_"), "port")
        shutil.rmtree(own_dir, ignore_errors=True)
        cls.addClassCleanup(cls.b.close)
        cls.b.start()
        response = cls.a.http.post(cls.a.url + "/v1/datasets?name=synthetic", data=synthetic_csv(400),
                                   headers={"Content-Type": "text/csv"}, timeout=60)
        assert response.status_code in (200, 201), response.text
        cls.dataset_id = response.json()["id"]

    def train_on_a(self, model, alpha):
        response = self.a.http.post(f"{self.a.url}/v1/models/{model}/train",
                                    json={"dataset_id": self.dataset_id, "target": "y", "algorithm": "linear_regression",
                                          "params": {"l2": alpha}}, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        job_id = response.json()["job_id"]
        job = wait_until(lambda: (lambda j: j if j["state"] not in ("queued", "running") else None)(
            self.a.http.get(f"{self.a.url}/v1/jobs/{job_id}", timeout=10).json()), 60, interval=0.05,
            what=f"job {job_id}")
        self.assertEqual(job["state"], "succeeded", job)
        return job["result"]["version"]

    def predict(self, server, model, query=""):
        response = server.http.post(f"{server.url}/v1/models/{model}/predict{query}",
                                    json={"rows": [{f"x{i}": 0.5 for i in range(6)}]}, timeout=10)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def wait_on_b(self, predicate, what):
        started = time.monotonic()
        wait_until(predicate, PROPAGATION_S * 5, interval=0.02, what=what)
        elapsed = time.monotonic() - started
        print(f"  {what}: {elapsed * 1000:.0f} ms", file=sys.stderr)
        self.assertLessEqual(elapsed, PROPAGATION_S, f"{what} took {elapsed:.2f} s")
        return elapsed

    def test_versions_and_aliases_changed_through_one_replica_serve_from_the_other(self):
        first = self.train_on_a("shared", 1.0)
        self.assertEqual(self.predict(self.b, "shared")["version"], first)  # B loads it
        second = self.train_on_a("shared", 50.0)
        self.wait_on_b(lambda: self.predict(self.b, "shared")["version"] == second, "the new version on B")
        self.assertEqual(self.predict(self.b, "shared")["predictions"], self.predict(self.a, "shared")["predictions"])

        # Roll back through A: the production alias to the first version.
        response = self.a.http.put(f"{self.a.url}/v1/models/shared/aliases/production", json={"version": first},
                                   timeout=10)
        self.assertIn(response.status_code, (200, 201), response.text)
        self.wait_on_b(lambda: self.predict(self.b, "shared")["version"] == first, "the rollback on B")
        self.assertEqual(self.predict(self.b, "shared", "?alias=production")["version"], first)
        # Move it again: a cached ?alias= on B follows too.
        response = self.a.http.put(f"{self.a.url}/v1/models/shared/aliases/production", json={"version": second},
                                   timeout=10)
        self.assertIn(response.status_code, (200, 201), response.text)
        self.wait_on_b(lambda: self.predict(self.b, "shared", "?alias=production")["version"] == second,
                       "the moved alias on B")
        self.assertEqual(self.predict(self.b, "shared")["version"], second)

    def test_api_keys_created_or_revoked_through_one_replica_apply_on_the_other(self):
        response = self.a.http.post(f"{self.a.url}/v1/keys", json={"name": "replicated", "role": "consumer"},
                                    timeout=10)
        self.assertEqual(response.status_code, 201, response.text)
        created = response.json()
        headers = {"Authorization": f"Bearer {created['secret']}"}

        def status_on_b():
            return self.b.http.get(f"{self.b.url}/v1/models", headers=headers, timeout=10).status_code

        self.wait_on_b(lambda: status_on_b() == 200, "the new key on B")
        response = self.a.http.delete(f"{self.a.url}/v1/keys/{created['id']}", timeout=10)
        self.assertEqual(response.status_code, 200, response.text)
        self.wait_on_b(lambda: status_on_b() == 401, "the revoked key refused on B")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
