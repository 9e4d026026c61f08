"""End-to-end: training workers. A serving replica that does not train (`--training-workers 0`) and two `amp worker`
processes share one data folder (SQLite in WAL mode; the job queue and its leases live in it), or with
$AMP_TEST_POSTGRES_URI set (tests/services/postgres.sh run -- ...) one PostgreSQL store.

Run: /usr/bin/python3 tests/e2e/workers_test.py --amp build/amp
Checks that a job submitted through the server runs on a worker (the job names it) and the new version serves from
the server; that a job whose worker is killed (SIGKILL) is requeued when its 2 s lease ends and completes on the other
worker (attempts 2); that a worker stopped with SIGTERM exits 0 and hands its job back to the queue at once, and a
cancel (DELETE /v1/jobs/{id}) then reaches the worker running it.

MixedModeTest: a replica that trains in-process (`--training-workers 2`) and an `amp worker` on one data folder (SQLite)
take jobs from the one queue: several jobs submitted at once each run once (attempts 1, one "started" line, one
version each); a job whose replica is killed mid-run is claimed by the worker when the replica's 2 s lease ends.
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


class MixedModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Always the data folder's SQLite (the single-machine setup): a second server on WorkersTest's PostgreSQL
        # database would find its admin key there and write none.
        cls.server = AmpServer(extra_args=["--training-workers", "2", "--training-lease-seconds", str(LEASE_SECONDS),
                                           "--no-access-log"])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.worker = None
        response = cls.server.http.post(cls.server.url + "/v1/datasets?name=synthetic",
                                        data=synthetic_csv(3000), headers={"Content-Type": "text/csv"}, timeout=60)
        assert response.status_code in (200, 201), response.text
        cls.dataset_id = response.json()["id"]

    def setUp(self):
        if self.worker is None or not self.worker.running:
            type(self).worker = AmpWorker(self.server.data_dir, "worker-m", LEASE_SECONDS, store_args=[])
            self.addClassCleanup(self.worker.close)

    def restart_server(self, training_workers):
        if self.server.running:
            self.server.stop()
        args = self.server.extra_args
        args[args.index("--training-workers") + 1] = training_workers
        self.server.start()

    def api(self, method, path, **kwargs):
        return self.server.http.request(method, self.server.url + path, timeout=30, **kwargs)

    def train(self, model, params):
        response = self.api("POST", f"/v1/models/{model}/train",
                            json={"dataset_id": self.dataset_id, "target": "y", "algorithm": "xgboost_regressor",
                                  "params": params})
        self.assertEqual(response.status_code, 202, response.text)
        return response.json()["job_id"]

    def job(self, job_id):
        response = self.api("GET", f"/v1/jobs/{job_id}")
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def messages(self, job_id):
        return [line["message"] for line in self.api("GET", f"/v1/jobs/{job_id}/logs").json()["lines"]]

    def logs(self):
        return self.server.log_tail() + "\n" + self.worker.log_tail()

    def wait_job(self, job_id, predicate, timeout, what):
        try:
            return wait_until(lambda: (lambda job: job if predicate(job) else None)(self.job(job_id)), timeout,
                              interval=0.05, what=what)
        except AssertionError as error:
            raise AssertionError(f"{error}\nlast record: {self.job(job_id)}\n{self.logs()}") from None

    def test_jobs_submitted_together_each_run_once(self):
        params = {"n_estimators": 30, "max_depth": 4, "seed": 1}
        job_ids = [self.train("mixed", params) for _ in range(6)]
        trainers = set()
        for job_id in job_ids:
            job = self.wait_job(job_id, lambda j: j["state"] not in ("queued", "running"), 120, f"job {job_id} to end")
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(job["attempts"], 1, job)
            started = [m for m in self.messages(job_id) if m.startswith("started")]
            self.assertEqual(len(started), 1, started)
            trainers.add(job["worker"])
        # The replica's trainers are named after its host and pid; the worker by --worker-id.
        self.assertTrue(all(name == "worker-m" or "-serve" in name for name in trainers), trainers)
        # One version per job, each naming the job that published it.
        versions = [v["version"] for v in self.api("GET", "/v1/models/mixed").json()["versions"]]
        self.assertEqual(sorted(versions), list(range(1, len(job_ids) + 1)))
        publishers = [self.api("GET", f"/v1/models/mixed/versions/{v}").json()["lineage"]["job_id"]
                      for v in versions]
        self.assertEqual(sorted(publishers), sorted(job_ids))

    def test_a_killed_replicas_job_is_claimed_by_the_worker_after_its_lease(self):
        # Stop the worker (once it has started: its signal handling is set up by then) so the replica claims the job.
        wait_until(lambda: "taking training jobs" in self.worker.log_tail(), 30, interval=0.05, what="the worker up")
        self.assertEqual(self.worker.stop(), 0, self.worker.log_tail())
        job_id = self.train("replica-killed", LONG_PARAMS)
        first = self.wait_job(job_id, lambda j: j["state"] == "running" and "-serve" in j.get("worker", ""), 30,
                              "the job running on the replica")
        type(self).worker = AmpWorker(self.server.data_dir, "worker-m", LEASE_SECONDS, store_args=[])
        self.addClassCleanup(self.worker.close)
        self.server._kill()  # SIGKILL: the replica's lease is never renewed nor released
        killed_at = time.monotonic()
        # Back without trainers (to watch the job through its API, and so that only the worker may claim it).
        self.restart_server(training_workers="0")
        self.addCleanup(self.restart_server, training_workers="2")
        second = self.wait_job(job_id, lambda j: j.get("attempts", 0) >= 2, LEASE_SECONDS + 15,
                               "the worker to claim the job")
        self.assertGreaterEqual(time.monotonic() - killed_at, LEASE_SECONDS * 0.5, "claimed before the lease ended")
        self.assertEqual(second["worker"], "worker-m", second)
        self.assertEqual(second["state"], "running", second)
        # A cancel through the replica reaches the worker.
        response = self.api("DELETE", f"/v1/jobs/{job_id}")
        self.assertEqual(response.status_code, 202, response.text)
        done = self.wait_job(job_id, lambda j: j["state"] not in ("queued", "running"), 15, "the job to end")
        self.assertEqual(done["state"], "cancelled", done)
        self.assertEqual(done["attempts"], 2, done)
        self.assertEqual(len([m for m in self.messages(job_id) if m.startswith("requeued")]), 1)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
