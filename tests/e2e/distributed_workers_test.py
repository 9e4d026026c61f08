"""End-to-end: a "workers": k XGBoost job trained by k different `amp worker` processes, one rank each.

Run: /usr/bin/python3 tests/e2e/distributed_workers_test.py --amp build/amp
A serving replica that does not train (`--training-workers 0`) and two `amp worker`s share one data folder (SQLite),
or with $AMP_TEST_POSTGRES_URI set (tests/services/postgres.sh run -- ...) one PostgreSQL store, which the workers'
`amp train-shard` ranks then open through --metadata too. Checks that a `workers: 2` job is trained by both workers
(the one that claimed it is rank 0 and publishes; the other joins as rank 1, "joined as rank 1 of 2" in the job's
log) and that the version it publishes is the model of the same job with `workers: 1`: the same artifact bytes and the
same predictions through the server; that cancelling a `workers: 2` job stops both ranks (the workers then train
the next one); and that a `workers: 3` job, with only two workers, fails within the workers'
--rank-join-timeout (4 s) with an error that says so. A worker started with --distributed-ranks local trains a
`workers: 2` job alone, on two local rank processes.
"""

import json
import os
import time
import unittest

import amp_server
from amp_server import AmpServer, wait_until
from cluster_procs import AmpWorker, metadata_args, synthetic_csv

JOIN_TIMEOUT_S = 4
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
        cls.workers = []
        for worker_id in ("rank-worker-a", "rank-worker-b"):
            worker = AmpWorker(cls.server.data_dir, worker_id, lease_seconds=5.0,
                               extra_args=["--rank-join-timeout", str(JOIN_TIMEOUT_S)])
            cls.workers.append(worker)
            cls.addClassCleanup(worker.close)

    def logs(self):
        return "\n".join([self.server.log_tail()] + [worker.log_tail() for worker in self.workers])

    def train(self, model, workers, state="succeeded"):
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
        self.assertEqual(job["state"], state, f"{job}\n{self.logs()}")
        self.assertIn(job.get("worker"), ("rank-worker-a", "rank-worker-b"), job)
        return job

    def job_logs(self, job_id):
        return json.dumps(self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}/logs", timeout=10).json())

    def artifact(self, model, version):
        response = self.server.http.get(f"{self.server.url}/v1/models/{model}/versions/{version}/artifact", timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["model"]

    def predict(self, model):
        response = self.server.http.post(f"{self.server.url}/v1/models/{model}/predict", json={"rows": PROBE_ROWS},
                                         timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_a_two_worker_job_is_trained_by_both_workers_and_gives_the_one_process_model(self):
        single = self.train("dw-one", 1)
        double = self.train("dw-two", 2)
        logs = self.job_logs(double["id"])
        self.assertIn("training on 2 workers through XGBoost's collective", logs)
        other = "rank-worker-b" if double["worker"] == "rank-worker-a" else "rank-worker-a"
        self.assertIn(f"worker {other} joined as rank 1 of 2", logs)
        self.assertNotIn("this process trains it alone", logs)
        self.assertEqual(self.artifact("dw-two", double["result"]["version"]),
                         self.artifact("dw-one", single["result"]["version"]))
        wait_until(lambda: self.server.http.get(f"{self.server.url}/v1/models/dw-two", timeout=10).status_code == 200,
                   30, what="the new model on the server")
        one, two = self.predict("dw-one"), self.predict("dw-two")
        self.assertEqual(two["predictions"], one["predictions"])
        self.assertEqual(len(two["predictions"]), len(PROBE_ROWS))

    def test_more_workers_than_exist_fails_within_the_join_timeout(self):
        started = time.monotonic()
        job = self.train("dw-three", 3, state="failed")
        elapsed = time.monotonic() - started
        self.assertIn(f"only 2 of 3 workers joined within {JOIN_TIMEOUT_S} s", job["error"])
        self.assertIn("start more `amp worker`s", job["error"])
        self.assertLess(elapsed, JOIN_TIMEOUT_S + 20)
        # Both workers are free again: a job that fits still trains.
        self.train("dw-after", 2)

    def test_cancelling_a_two_worker_job_stops_both_ranks(self):
        body = {"dataset_id": self.dataset_id, "target": "y", "algorithm": "xgboost_regressor", "workers": 2,
                "params": {"n_estimators": 10000, "max_depth": 10, "learning_rate": 0.01}}
        response = self.server.http.post(f"{self.server.url}/v1/models/dw-cancel/train", json=body, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        job_id = response.json()["job_id"]
        wait_until(lambda: "joined as rank 1 of 2" in self.job_logs(job_id), 60, what="rank 1 to be taken")
        deleted = self.server.http.delete(f"{self.server.url}/v1/jobs/{job_id}", timeout=10)
        self.assertIn(deleted.status_code, (200, 202), deleted.text)
        def ended():
            job = self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}", timeout=10).json()
            return job if job["state"] in ("succeeded", "failed", "cancelled") else None
        try:
            job = wait_until(ended, 30, interval=0.1, what="the job to end")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.job_logs(job_id)}\n{self.logs()}") from None
        self.assertEqual(job["state"], "cancelled", f"{job}\n{self.job_logs(job_id)}\n{self.logs()}")
        # Both workers let go of it: the next two-worker job trains.
        self.train("dw-after-cancel", 2)



class LocalRanksWorkerTest(unittest.TestCase):
    """`amp worker --distributed-ranks local`: the worker that claims a `workers: 2` job trains both ranks itself, as
    two local `amp train-shard` processes (no other worker needed)."""

    # A second server on the same PostgreSQL database would find the first one's admin key and write none.
    @unittest.skipIf(os.environ.get("AMP_TEST_POSTGRES_URI"), "needs a store of its own (SQLite in its data folder)")
    def test_one_local_ranks_worker_trains_a_two_worker_job(self):
        server = AmpServer(extra_args=["--training-workers", "0", "--no-access-log"] + metadata_args())
        self.addCleanup(server.close)
        server.start()
        response = server.http.post(server.url + "/v1/datasets?name=dist-local", data=synthetic_csv(600),
                                    headers={"Content-Type": "text/csv"}, timeout=60)
        self.assertIn(response.status_code, (200, 201), response.text)
        worker = AmpWorker(server.data_dir, "local-ranks", lease_seconds=5.0,
                           extra_args=["--distributed-ranks", "local"])
        self.addCleanup(worker.close)
        body = {"dataset_id": response.json()["id"], "target": "y", "algorithm": "xgboost_regressor", "params": PARAMS,
                "workers": 2}
        response = server.http.post(f"{server.url}/v1/models/dl/train", json=body, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        job_id = response.json()["job_id"]

        def ended():
            job = server.http.get(f"{server.url}/v1/jobs/{job_id}", timeout=10).json()
            return job if job["state"] in ("succeeded", "failed", "cancelled") else None
        job = wait_until(ended, 120, interval=0.1, what="the job to end")
        self.assertEqual(job["state"], "succeeded", f"{job}\n{worker.log_tail()}")
        self.assertEqual(job["worker"], "local-ranks")
        logs = json.dumps(server.http.get(f"{server.url}/v1/jobs/{job_id}/logs", timeout=10).json())
        self.assertIn("training on 2 workers through XGBoost's collective", logs)
        self.assertNotIn("joined as rank", logs)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
