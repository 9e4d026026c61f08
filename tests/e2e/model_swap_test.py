"""End-to-end: publishing new versions under steady prediction load drops no request.

Four client threads call /api/predict on keep-alive connections while the main thread publishes 100 new versions of
the model (training alternately on two datasets whose exact relation differs, y = 2x + 1 and y = 3x + 1), so each
answer can be checked against the version that produced it. Asserts: no non-200 answer, no connection error, every
prediction equals its version's relation, and each client sees versions in non-decreasing order.

Run: /usr/bin/python3 tests/e2e/model_swap_test.py --amp build/amp
"""

import threading
import unittest

import requests

import amp_server
from amp_server import AmpServer
from amp_client import AmpClient

MODEL = "swap-model"
VERSIONS = 100
CLIENTS = 4


def line_csv(slope):
    rows = "\n".join(f"{x},{slope * x + 1}" for x in range(50))
    return f"x,y\n{rows}\n".encode()


class ModelSwapTest(unittest.TestCase):
    def test_publishing_under_load_drops_nothing(self):
        with AmpServer(extra_args=("--no-access-log",)) as server:
            client = AmpClient(server.url, api_key=server.admin_key)
            datasets = [client.upload_dataset(line_csv(slope), f"line{slope}")["id"] for slope in (2, 3)]
            # holdout_fraction 0: every version sees all rows, so its coefficients are exact.
            first = client.train(MODEL, datasets[0], "y", params={"holdout_fraction": 0})
            client.wait_for_job(first["id"], timeout=60)

            stop = threading.Event()
            results = [[] for _ in range(CLIENTS)]
            failures = []

            def load(slot):
                session = requests.Session()
                session.headers.update(server.auth)
                payload = {"model_id": MODEL, "input_parameters": {"x": 10}, "output_target": "y"}
                while not stop.is_set():
                    try:
                        response = session.post(server.url + "/api/predict", json=payload, timeout=30)
                    except requests.RequestException as error:
                        failures.append(f"connection error: {error}")
                        continue
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                        continue
                    body = response.json()
                    results[slot].append((body["model_version"], body["prediction"]))

            threads = [threading.Thread(target=load, args=(slot,)) for slot in range(CLIENTS)]
            for thread in threads:
                thread.start()
            try:
                for number in range(2, VERSIONS + 2):
                    job = client.train(MODEL, datasets[(number - 1) % 2], "y", params={"holdout_fraction": 0})
                    done = client.wait_for_job(job["id"], timeout=60)
                    self.assertEqual(done["result"]["version"], number)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)

            self.assertEqual(failures, [], f"{len(failures)} failed requests, first: {failures[:3]}")
            answered = sum(len(slot) for slot in results)
            self.assertGreater(answered, VERSIONS, "the load barely ran")
            seen_versions = set()
            for slot in results:
                last_version = 0
                for version, prediction in slot:
                    self.assertGreaterEqual(version, last_version, "a client went back to an older version")
                    last_version = version
                    seen_versions.add(version)
                    slope = 2 if version % 2 == 1 else 3
                    self.assertAlmostEqual(prediction, slope * 10 + 1, delta=1e-6,
                                           msg=f"version {version} answered {prediction}")
            self.assertGreater(len(seen_versions), 10, "the swaps were not observed under load")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
