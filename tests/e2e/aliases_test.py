"""End-to-end: aliases promote and roll back the version a model name serves, and every move is recorded.

Run: /usr/bin/python3 tests/e2e/aliases_test.py --amp build/amp
"""

import unittest

import requests

import amp_server
from amp_server import AmpServer
from amp_client import AmpClient

MODEL = "aliased"


class AliasesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=("--no-access-log",))
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        client = AmpClient(cls.server.url, api_key=cls.server.admin_key)
        for slope in (2, 3):  # version 1: y = 2x, version 2: y = 3x
            rows = "\n".join(f"{x},{slope * x}" for x in range(30))
            dataset = client.upload_dataset(f"x,y\n{rows}\n".encode(), f"slope{slope}")["id"]
            client.wait_for_job(client.train(MODEL, dataset, "y", params={"holdout_fraction": 0})["id"], timeout=60)
        cls.http = requests.Session()
        cls.http.headers.update(cls.server.auth)

    def served(self):
        response = self.http.post(self.server.url + "/api/predict",
                                  json={"model_id": MODEL, "input_parameters": {"x": 10}})
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        return body["model_version"], body["prediction"]

    def put_alias(self, alias, version):
        return self.http.put(f"{self.server.url}/v1/models/{MODEL}/aliases/{alias}", json={"version": version})

    def test_promote_roll_back_and_history(self):
        self.assertEqual(self.served(), (2, 30.0))  # latest while no alias
        promoted = self.put_alias("production", 1)
        self.assertEqual(promoted.status_code, 200, promoted.text)
        self.assertEqual(promoted.json()["version"], 1)
        version, prediction = self.served()
        self.assertEqual(version, 1)
        self.assertAlmostEqual(prediction, 20.0, delta=1e-9)
        # The classic list and the model page show the served version and the aliases.
        listed = next(m for m in self.http.get(self.server.url + "/api/model").json() if m["name"] == MODEL)
        self.assertEqual(listed["version"], 1)
        page = self.http.get(f"{self.server.url}/v1/models/{MODEL}").json()
        self.assertEqual(page["aliases"], {"production": 1})
        self.assertEqual(page["served_version"], 1)

        self.assertEqual(self.put_alias("production", 2).status_code, 200)
        self.assertEqual(self.served()[0], 2)
        deleted = self.http.delete(f"{self.server.url}/v1/models/{MODEL}/aliases/production")
        self.assertEqual(deleted.status_code, 200, deleted.text)
        self.assertEqual(deleted.json()["previous_version"], 2)
        self.assertEqual(self.served()[0], 2)  # latest again

        history = self.http.get(f"{self.server.url}/v1/models/{MODEL}/aliases").json()["history"]
        moves = [(event["alias"], event["version"], event["previous_version"]) for event in history
                 if event["alias"] == "production"]
        self.assertEqual(moves, [("production", 1, None), ("production", 2, 1), ("production", None, 2)])
        for event in history:
            self.assertTrue(event["at"])
            self.assertTrue(event["by"])

    def test_bad_alias_requests(self):
        self.assertEqual(self.put_alias("production", 99).status_code, 404)
        self.assertEqual(self.put_alias("latest", 1).status_code, 400)
        self.assertEqual(self.put_alias("Bad%20Name", 1).status_code, 400)
        bad_body = self.http.put(f"{self.server.url}/v1/models/{MODEL}/aliases/staging", json={"version": "one"})
        self.assertEqual(bad_body.status_code, 422)
        missing = self.http.delete(f"{self.server.url}/v1/models/{MODEL}/aliases/never-set")
        self.assertEqual(missing.status_code, 404)
        self.assertEqual(self.http.put(f"{self.server.url}/v1/models/nope/aliases/x", json={"version": 1}).status_code,
                         404)

    def test_aliases_survive_a_restart(self):
        self.assertEqual(self.put_alias("staging", 1).status_code, 200)
        self.server.stop()
        self.server.start()
        aliases = self.http.get(f"{self.server.url}/v1/models/{MODEL}/aliases").json()["aliases"]
        self.assertIn("staging", [alias["alias"] for alias in aliases])
        self.http.delete(f"{self.server.url}/v1/models/{MODEL}/aliases/staging")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
