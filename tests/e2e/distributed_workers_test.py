"""End-to-end: a "workers": k XGBoost job taken from the shared queue by an `amp worker`.

Run: /usr/bin/python3 tests/e2e/distributed_workers_test.py --amp build/amp
A serving replica that does not train (`--training-workers 0`) and one `amp worker` share one data folder (SQLite),
or with $AMP_TEST_POSTGRES_URI set (tests/services/postgres.sh run -- ...) one PostgreSQL store, which the worker's
`amp train-shard` ranks then open through --metadata too. Checks that a `workers: 2` job runs on the worker, which
trains it on two local rank processes joined through XGBoost's collective ("training on 2 workers" in the job's log),
and that the version it publishes is the model of the same job with `workers: 1`: the same artifact bytes and the
same predictions through the server.
"""

import json
import unittest

import amp_server
from amp_server import AmpServer, wait_until
from cluster_procs import AmpWorker, metadata_args, synthetic_csv

PARAMS = {"n_estimators": 30, "max_depth": 5, "learning_rate": 0.2, "seed": 3}
PROBE_ROWS = [{f"x{i}": value for i, value in enumerate(row)}
              for row in ([0.5, -1.0, 2.0, 0.0, 1.5, -2.5], [-2.0, 2.5, -0.5, 1.0, 0.0, 0.3], [0, 0, 0, 0, 0, 0])]


class DistributedWorkersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=["--training-workers", "0", "--no-access-log"] + metadata_args())
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        response = cls.server.http.post(cls.server.url + "/v1/datasets?name=dist-workers",
                                        data=synthetic_csv(1200), headers={"Content-Type": "text/csv"}, timeout=60)
        assert response.status_code in (200, 201), response.text
        cls.dataset_id = response.json()["id"]
        cls.worker = AmpWorker(cls.server.data_dir, "rank-worker", lease_seconds=5.0)
        cls.addClassCleanup(cls.worker.close)

    def logs(self):
        return self.server.log_tail() + "\n" + self.worker.log_tail()

    def train(self, model, workers):
        body = {"dataset_id": self.dataset_id, "target": "y", "algorithm": "xgboost_regressor", "params": PARAMS,
                "workers": workers}
        response = self.server.http.post(f"{self.server.url}/v1/models/{model}/train", json=body, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        job_id = response.json()["job_id"]

        def ended():
            job = self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}", timeout=10).json()
            return job if job["state"] in ("succeeded", "failed", "cancelled") else None
        try:
            job = wait_until(ended, 120, interval=0.1, what=f"job {job_id} to end")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None
        self.assertEqual(job["state"], "succeeded", f"{job}\n{self.logs()}")
        self.assertEqual(job.get("worker"), "rank-worker", job)
        return job

    def artifact(self, model, version):
        response = self.server.http.get(f"{self.server.url}/v1/models/{model}/versions/{version}/artifact", timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["model"]

    def predict(self, model):
        response = self.server.http.post(f"{self.server.url}/v1/models/{model}/predict", json={"rows": PROBE_ROWS},
                                         timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_a_two_worker_job_on_a_worker_trains_the_one_process_model(self):
        single = self.train("dw-one", 1)
        double = self.train("dw-two", 2)
        logs = json.dumps(self.server.http.get(f"{self.server.url}/v1/jobs/{double['id']}/logs", timeout=10).json())
        self.assertIn("training on 2 workers through XGBoost's collective", logs)
        self.assertNotIn("this process trains it alone", logs)
        self.assertEqual(self.artifact("dw-two", double["result"]["version"]),
                         self.artifact("dw-one", single["result"]["version"]))
        wait_until(lambda: self.server.http.get(f"{self.server.url}/v1/models/dw-two", timeout=10).status_code == 200,
                   30, what="the new model on the server")
        one, two = self.predict("dw-one"), self.predict("dw-two")
        self.assertEqual(two["predictions"], one["predictions"])
        self.assertEqual(len(two["predictions"]), len(PROBE_ROWS))


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
