"""End-to-end: `amp serve --metadata postgresql://...` keeps its records in a real PostgreSQL server.

Needs AMP_TEST_POSTGRES_URI: ctest runs it under tests/services/postgres.sh, which starts a throwaway PostgreSQL 15
cluster. Uploads a dataset, trains an XGBoost model and promotes an alias, predicts, restarts the server on the same
database and finds the dataset, model, alias, job and API key again and predicts the same; a second replica on the
same database serves the same predictions; checks that no SQLite file was made in the data folder, that the
records are in PostgreSQL's tables and that `amp audit verify --metadata` finds the audit chain intact.

Run: tests/services/postgres.sh run -- /usr/bin/python3 tests/services/postgres_serve_test.py --amp build/amp
"""

import os
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))

import amp_server  # noqa: E402
from amp_server import DEMO_CSV, AmpServer  # noqa: E402
from amp_client import AmpClient  # noqa: E402

ROW = {"square_feet": 1650, "num_bedrooms": 3, "num_bathrooms": 2, "location_code": 100, "year_built": 1990,
       "lot_size": 6000, "neighborhood": "Riverside", "has_garage": True}


def psql(uri, sql):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    out = subprocess.run(["psql", uri, "-tAc", sql], capture_output=True, text=True, check=True, env=env)
    return out.stdout.strip()


class PostgresServeTest(unittest.TestCase):
    def test_records_live_in_postgres_and_survive_a_restart(self):
        uri = os.environ.get("AMP_TEST_POSTGRES_URI")
        if not uri:
            self.skipTest("no PostgreSQL server; run under tests/services/postgres.sh")
        server = AmpServer(extra_args=("--metadata", uri))
        with server:
            with AmpClient(server.url, api_key=server.admin_key) as client:
                dataset = client.upload_dataset(DEMO_CSV.read_bytes(), "pg-houses")
                job = client.train("pg-trees", dataset["id"], "price", algorithm="xgboost_regressor",
                                   params={"n_estimators": 20, "max_depth": 3})
                self.assertEqual(client.wait_for_job(job["job_id"], timeout=180)["state"], "succeeded")
                before = client.predict("pg-trees", [ROW])["predictions"]
                promoted = server.http.put(f"{server.url}/v1/models/pg-trees/aliases/production",
                                           json={"version": 1})
                self.assertLess(promoted.status_code, 300, promoted.text)
            self.assertFalse(os.path.exists(os.path.join(server.data_dir, "amp.db")),
                             "the SQLite store was used instead of PostgreSQL")
            self.assertEqual(psql(uri, "SELECT name FROM models"), "pg-trees")
            self.assertEqual(psql(uri, "SELECT state FROM jobs"), "succeeded")
            self.assertEqual(psql(uri, "SELECT alias || '=' || version FROM model_aliases"), "production=1")
            self.assertGreater(int(psql(uri, "SELECT value FROM amp_change_counter")), 0)

            server.stop()
            server.start()
            with AmpClient(server.url, api_key=server.admin_key) as client:  # the key is in PostgreSQL too
                self.assertEqual(client.predict("pg-trees", [ROW])["predictions"], before)
                datasets = server.http.get(f"{server.url}/v1/datasets").json()
                self.assertIn("pg-houses", str(datasets))
                aliases = server.http.get(f"{server.url}/v1/models/pg-trees/aliases").json()["aliases"]
                self.assertEqual([(alias["alias"], alias["version"]) for alias in aliases], [("production", 1)])
                jobs = server.http.get(f"{server.url}/v1/jobs/{job['job_id']}")
                self.assertEqual(jobs.json()["state"], "succeeded")
                # A second replica on the same database (and the same artifact folder) serves the same model at
                # once: no local state of its own. It uses the first one's admin key, which lives in PostgreSQL.
                replica = AmpServer(extra_args=("--metadata", uri, "--artifacts",
                                                os.path.join(server.data_dir, "artifacts")))
                key_path = os.path.join(replica.data_dir, "admin.key")
                with open(key_path, "w") as key_file:
                    key_file.write(server.admin_key)
                os.chmod(key_path, 0o600)
                with replica:
                    with AmpClient(replica.url, api_key=server.admin_key) as replica_client:
                        self.assertEqual(replica_client.predict("pg-trees", [ROW])["predictions"], before)
                    aliases = replica.http.get(f"{replica.url}/v1/models/pg-trees/aliases").json()["aliases"]
                    self.assertEqual([alias["version"] for alias in aliases], [1])
                    self.assertEqual(len(psql(uri, "SELECT id FROM api_keys").split()), 1)  # no second admin key
            # The audit trail is in PostgreSQL too, and checks out offline.
            verified = subprocess.run([server.binary, "audit", "verify", "--metadata", uri], capture_output=True,
                                      text=True, check=False)
            self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
            self.assertIn("audit log intact", verified.stdout)
            # The log names the store but never its password.
            log = server.log_tail(1 << 20)
            self.assertIn("metadata in PostgreSQL at postgresql://amp:***@", log)
            self.assertNotIn(urllib.parse.urlparse(uri).password, log)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
