"""End-to-end: training workers. A serving replica that does not train (`--training-workers 0`) and two `amp worker`
processes share one data folder (SQLite in WAL mode; the job queue and its leases live in it), or with
$AMP_TEST_POSTGRES_URI set (tests/services/postgres.sh run -- ...) one PostgreSQL store.

Run: /usr/bin/python3 tests/e2e/workers_test.py --amp build/amp
Checks that a job submitted through the server runs on a worker (the job names it) and the new version serves from
the server; that a job whose worker is killed (SIGKILL) is requeued when its 2 s lease ends and completes on the other
worker (attempts 2); that a worker stopped with SIGTERM exits 0 and hands its job back to the queue at once, and a
cancel (DELETE /v1/jobs/{id}) then reaches the worker running it.
"""

import time
import unittest

import amp_server
from amp_server import AmpServer, wait_until
from cluster_procs import AmpWorker, metadata_args, synthetic_csv

LEASE_SECONDS = 2.0
# Boosting rounds check for a stop each. A job that runs about 4 s on a busy 2-core machine (killed after 0.3 s and run
# again to the end), and one that would run for minutes (only ever stopped).
MEDIUM_PARAMS = {"n_estimators": 200, "max_depth": 8, "learning_rate": 0.01, "seed": 3}
LONG_PARAMS = {"n_estimators": 4000, "max_depth": 8, "learning_rate": 0.01, "seed": 3}


class WorkersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=["--training-workers", "0", "--no-access-log"] + metadata_args())
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.workers = {}
        response = cls.server.http.post(cls.server.url + "/v1/datasets?name=synthetic",
                                        data=synthetic_csv(3000), headers={"Content-Type": "text/csv"}, timeout=60)
        assert response.status_code in (200, 201), response.text
        cls.dataset_id = response.json()["id"]

    @classmethod
    def start_worker(cls, worker_id):
        worker = AmpWorker(cls.server.data_dir, worker_id, LEASE_SECONDS)
        cls.workers[worker_id] = worker
        cls.addClassCleanup(worker.close)
        return worker

    def setUp(self):
        for worker_id in ("worker-a", "worker-b"):
            if worker_id not in self.workers or not self.workers[worker_id].running:
                self.start_worker(worker_id)

    def logs(self):
        return "\n".join([self.server.log_tail()] + [worker.log_tail() for worker in self.workers.values()])

    def train(self, model, params, algorithm="xgboost_regressor"):
        response = self.server.http.post(
            f"{self.server.url}/v1/models/{model}/train",
            json={"dataset_id": self.dataset_id, "target": "y", "algorithm": algorithm, "params": params}, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        return response.json()["job_id"]

    def job(self, job_id):
        response = self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}", timeout=10)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def wait_state(self, job_id, states, timeout, what=None):
        def reached():
            job = self.job(job_id)
            return job if job["state"] in states else None
        try:
            return wait_until(reached, timeout, interval=0.1, what=what or f"job {job_id} in {states}")
        except AssertionError as error:
            raise AssertionError(f"{error}\nlast record: {self.job(job_id)}\n{self.logs()}") from None

    def wait_running_on_worker(self, job_id, timeout=30):
        def running():
            job = self.job(job_id)
            return job if job["state"] == "running" and job.get("worker") else None
        return wait_until(running, timeout, interval=0.05, what=f"job {job_id} running on a worker")

    def test_a_job_submitted_through_the_server_runs_on_a_worker(self):
        job_id = self.train("quick", {}, algorithm="linear_regression")
        job = self.wait_state(job_id, {"succeeded", "failed", "cancelled", "interrupted"}, 60)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertIn(job["worker"], ("worker-a", "worker-b"))
        self.assertEqual(job["attempts"], 1)
        lines = self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}/logs", timeout=10).json()["lines"]
        messages = [line["message"] for line in lines]
        self.assertTrue(any(f"started on worker {job['worker']}" in m for m in messages), messages)
        self.assertTrue(any(m.startswith("published quick version 1") for m in messages), messages)
        # The version a worker published serves from the server.
        row = {f"x{i}": 0.5 for i in range(6)}
        predicted = self.server.http.post(f"{self.server.url}/v1/models/quick/predict", json={"rows": [row]},
                                          timeout=30)
        self.assertEqual(predicted.status_code, 200, predicted.text)
        self.assertEqual(predicted.json()["version"], 1)

    def test_a_killed_workers_job_completes_on_the_other_after_its_lease(self):
        job_id = self.train("killed", MEDIUM_PARAMS)
        first = self.wait_running_on_worker(job_id)
        victim = self.workers[first["worker"]]
        time.sleep(0.3)  # let it train a little
        victim.kill()
        killed_at = time.monotonic()
        requeued = wait_until(lambda: (lambda j: j if j.get("attempts", 0) >= 2 else None)(self.job(job_id)),
                              LEASE_SECONDS + 10, interval=0.05, what="the job claimed again")
        self.assertGreaterEqual(time.monotonic() - killed_at, LEASE_SECONDS * 0.5, "requeued before the lease ended")
        self.assertNotEqual(requeued.get("worker"), first["worker"])
        done = self.wait_state(job_id, {"succeeded", "failed", "cancelled", "interrupted"}, 120)
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(done["attempts"], 2)
        self.assertNotEqual(done["worker"], first["worker"])
        lines = self.server.http.get(f"{self.server.url}/v1/jobs/{job_id}/logs", timeout=10).json()["lines"]
        self.assertTrue(any("requeued" in line["message"] for line in lines), lines)

    def test_a_stopped_worker_hands_its_job_back_and_a_cancel_reaches_the_next(self):
        job_id = self.train("handed-over", LONG_PARAMS)
        first = self.wait_running_on_worker(job_id)
        stopping = self.workers[first["worker"]]
        self.assertEqual(stopping.stop(), 0, stopping.log_tail())
        # Released at once (not after the lease): the other worker takes it.
        second = wait_until(lambda: (lambda j: j if j["state"] == "running" and j.get("attempts") == 2
                                     and j.get("worker") else None)(self.job(job_id)),
                            LEASE_SECONDS * 3, interval=0.05, what="the job running on the other worker")
        self.assertNotEqual(second["worker"], first["worker"])
        cancelled_at = time.monotonic()
        response = self.server.http.delete(f"{self.server.url}/v1/jobs/{job_id}", timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["progress"], "cancelling")
        done = self.wait_state(job_id, {"succeeded", "failed", "cancelled", "interrupted"}, 15)
        self.assertEqual(done["state"], "cancelled", done)
        self.assertLess(time.monotonic() - cancelled_at, 5)
        # A cancel of a queued job (no worker free: stop them both) ends it at once.
        for worker in self.workers.values():
            worker.stop()
        queued = self.train("never", LONG_PARAMS)
        response = self.server.http.delete(f"{self.server.url}/v1/jobs/{queued}", timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(self.job(queued)["state"], "cancelled")


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
