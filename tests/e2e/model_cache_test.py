"""End-to-end: a model cache budget smaller than the models evicts least recently used versions, and a round-robin
workload over all models keeps answering correctly (evicted models load again on demand).

Run: /usr/bin/python3 tests/e2e/model_cache_test.py --amp build/amp
"""

import re
import unittest

import requests

import amp_server
from amp_server import AmpServer
from amp_client import AmpClient

MODELS = 24
# A one-feature linear model is well under 1 KB in memory: this budget holds a handful, not all 24.
BUDGET_BYTES = 4000


def metric(text, name):
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


class ModelCacheTest(unittest.TestCase):
    def test_round_robin_over_more_models_than_the_budget_holds(self):
        with AmpServer(extra_args=("--model-cache-bytes", str(BUDGET_BYTES), "--no-access-log")) as server:
            client = AmpClient(server.url, api_key=server.admin_key)
            for index in range(1, MODELS + 1):
                rows = "\n".join(f"{x},{index * x}" for x in range(20))
                dataset = client.upload_dataset(f"x,y\n{rows}\n".encode(), f"scale{index}")["id"]
                job = client.train(f"scale-{index}", dataset, "y", params={"holdout_fraction": 0})
                client.wait_for_job(job["id"], timeout=60)

            session = requests.Session()
            session.headers.update(server.auth)
            for _ in range(3):
                for index in range(1, MODELS + 1):
                    response = session.post(server.url + "/api/predict",
                                            json={"model_id": f"scale-{index}", "input_parameters": {"x": 2}})
                    self.assertEqual(response.status_code, 200, response.text)
                    self.assertAlmostEqual(response.json()["prediction"], 2 * index, delta=1e-6)

            text = session.get(server.url + "/metrics").text
            self.assertGreater(metric(text, "amp_model_evictions_total"), 0, text)
            self.assertLess(metric(text, "amp_models_loaded"), MODELS)
            self.assertLessEqual(metric(text, "amp_models_loaded_bytes"), BUDGET_BYTES)
            self.assertGreater(metric(text, "amp_model_loads_total"), MODELS)  # evicted models were loaded again
            self.assertEqual(metric(text, "amp_model_load_failures_total"), 0)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
