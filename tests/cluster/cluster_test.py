"""The whole scale-out deployment on loopback: PostgreSQL (metadata, job queue, change feed) + Ceph RGW (artifacts)
+ 3 `amp serve --training-workers 0` replicas + 2 `amp worker` processes + nginx (deploy/nginx.conf's settings).

Every process has its own --data-dir (as on separate hosts): all they share is the PostgreSQL store and the bucket.
Needs AMP_TEST_POSTGRES_URI (tests/services/postgres.sh run -- ...) and AMP_TEST_S3_ENDPOINT + AWS keys
(tests/services/rgw.sh run -- ...); ctest runs it under both (CMakeLists.txt, test cluster.e2e).
Run: tests/services/rgw.sh run -- tests/services/postgres.sh run -- \
       /usr/bin/python3 tests/cluster/cluster_test.py --amp build/test/amp
Steps, in order (each one assertion-checked, the figures printed):
  1. a dataset uploaded and a model trained through nginx: the job runs on a worker, and every replica (asked on its
     own port) serves the version with identical predictions;
  2. the worker running a long job is SIGKILLed: after its 2 s lease the other worker completes it (attempts 2);
  3. an alias promoted through one replica is served by the others within 1 s (change feed), and so is a roll back;
  4. a "workers": 2 XGBoost job equals the single-worker model (same predictions);
  5. one replica SIGKILLed while wrk drives predictions through nginx: no failed request (nginx retries).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))

import amp_server  # noqa: E402
from amp_server import wait_until  # noqa: E402
from cluster_procs import AmpWorker, synthetic_csv  # noqa: E402
from replica_set import Nginx, Replica, free_port  # noqa: E402

LEASE_SECONDS = 2.0
BUCKET = "amp-cluster"
MODEL = "cluster"
QUICK_PARAMS = {"n_estimators": 40, "max_depth": 4, "learning_rate": 0.1, "seed": 3}
# 1.5-3 s of boosting on a 2-core machine (killed 0.3 s in, then run again to the end): mid-job with a wide margin; the
# attempts == 2 check fails if the job ended before the kill.
LONG_PARAMS = {"n_estimators": 400, "max_depth": 8, "learning_rate": 0.01, "seed": 3}
DIST_PARAMS = {"n_estimators": 30, "max_depth": 4, "learning_rate": 0.2, "seed": 5}
ROWS = [{f"x{i}": round(-2.5 + 0.37 * i + 0.61 * k, 3) for i in range(6)} for k in range(8)]
FINAL_STATES = {"succeeded", "failed", "cancelled", "interrupted"}
PROPAGATION_LIMIT_S = 1.0


def make_bucket(endpoint, bucket):
    """PUT the bucket (an existing one answers 409, fine)."""
    subprocess.run(["curl", "-s", "-o", "/dev/null", "-X", "PUT", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
                    f"{os.environ['AWS_ACCESS_KEY_ID']}:{os.environ['AWS_SECRET_ACCESS_KEY']}",
                    "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", f"{endpoint}/{bucket}"], check=True)


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.began = time.monotonic()
        uri, endpoint = os.environ.get("AMP_TEST_POSTGRES_URI"), os.environ.get("AMP_TEST_S3_ENDPOINT")
        if not uri or not endpoint:
            raise unittest.SkipTest("needs AMP_TEST_POSTGRES_URI and AMP_TEST_S3_ENDPOINT: run under "
                                    "tests/services/rgw.sh run -- tests/services/postgres.sh run -- ...")
        for tool in ("wrk", "nginx", "curl"):
            if not (shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}")):
                raise AssertionError(f"{tool} is missing: run scripts/install-deps.sh")
        make_bucket(endpoint, BUCKET)
        cls.work = tempfile.mkdtemp(prefix="amp_cluster_")
        cls.addClassCleanup(shutil.rmtree, cls.work, True)
        cls.store_args = ["--metadata", uri, "--artifacts", f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}",
                          "--s3-endpoint", endpoint]
        binary = amp_server.amp_binary()
        cls.replicas = [Replica(binary, os.path.join(cls.work, f"replica_{idx}"), free_port(), cls.work, idx,
                                cls.store_args + ["--training-workers", "0", "--no-access-log"])
                        for idx in range(3)]
        cls.addClassCleanup(cls.stop_replicas)
        # The first replica alone creates the admin key (in its own data folder); the others find it in the store.
        for replica in cls.replicas:
            replica.start(demo=False)
        with open(os.path.join(cls.replicas[0].data_dir, "admin.key")) as key_file:
            cls.auth = {"Authorization": f"Bearer {key_file.read().strip()}"}
        cls.workers = {}
        for worker_id in ("worker-a", "worker-b"):
            cls.start_worker(worker_id)
        cls.nginx = Nginx(os.path.join(cls.work, "nginx"))
        cls.addClassCleanup(cls.nginx.stop)
        cls.nginx.start([replica.port for replica in cls.replicas])
        cls.http = requests.Session()
        cls.http.headers.update(cls.auth)
        print(f"\n{time.monotonic() - cls.began:.1f} s: PostgreSQL + RGW up; 3 replicas, 2 workers and nginx started",
              flush=True)

    @classmethod
    def start_worker(cls, worker_id):
        worker = AmpWorker(os.path.join(cls.work, worker_id), worker_id, LEASE_SECONDS,
                           store_args=cls.store_args)
        cls.workers[worker_id] = worker
        cls.addClassCleanup(worker.close)
        return worker

    @classmethod
    def stop_replicas(cls):
        for replica in cls.replicas:
            if replica.process is not None:
                replica.stop()

    @classmethod
    def tearDownClass(cls):
        print(f"\ncluster test: {time.monotonic() - cls.began:.1f} s in total", flush=True)

    # --- helpers ---
    def logs(self):
        parts = [f"--- replica {r.index} ---\n{r.log_tail()}" for r in self.replicas]
        parts += [worker.log_tail() for worker in self.workers.values()]
        return "\n".join(parts)

    def train(self, model, params, url=None, dataset_id=None, **extra):
        body = {"dataset_id": dataset_id or self.dataset_id, "target": "y", "algorithm": "xgboost_regressor",
                "params": params}
        body.update(extra)
        response = self.http.post(f"{url or self.nginx.url}/v1/models/{model}/train", json=body, timeout=30)
        self.assertEqual(response.status_code, 202, response.text)
        return response.json()["job_id"]

    def job(self, job_id, url=None):
        response = self.http.get(f"{url or self.nginx.url}/v1/jobs/{job_id}", timeout=10)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def wait_done(self, job_id, timeout=120):
        try:
            return wait_until(lambda: (lambda j: j if j["state"] in FINAL_STATES else None)(self.job(job_id)),
                              timeout, interval=0.1, what=f"job {job_id} to end")
        except AssertionError as error:
            raise AssertionError(f"{error}\nlast record: {self.job(job_id)}\n{self.logs()}") from None

    def predict(self, url, model, version=None):
        path = f"/v1/models/{model}" + (f"/versions/{version}" if version else "") + "/predict"
        response = self.http.post(url + path, json={"rows": ROWS}, timeout=30)
        self.assertEqual(response.status_code, 200, f"{url}: {response.text}")
        body = response.json()
        return body["version"], body["predictions"]

    # --- the steps (unittest runs them in name order) ---
    def test_1_train_through_nginx_on_a_worker_served_by_every_replica(self):
        started = time.monotonic()
        response = self.http.post(self.nginx.url + "/v1/datasets?name=synthetic", data=synthetic_csv(3000),
                                  headers={"Content-Type": "text/csv"}, timeout=60)
        self.assertIn(response.status_code, (200, 201), response.text)
        type(self).dataset_id = response.json()["id"]
        job_id = self.train(MODEL, QUICK_PARAMS)
        done = self.wait_done(job_id)
        self.assertEqual(done["state"], "succeeded", done)
        self.assertIn(done["worker"], self.workers)
        self.assertEqual(done["attempts"], 1)
        answers = [self.predict(replica.url, MODEL) for replica in self.replicas]
        self.assertEqual(answers[0][0], 1)
        for answer in answers[1:]:
            self.assertEqual(answer, answers[0])  # same version, bit-identical predictions
        self.assertEqual(len(set(answers[0][1])), len(ROWS), "a model that predicts a constant proves nothing")
        print(f"step 1: uploaded, trained on {done['worker']} and served identically by 3 replicas in "
              f"{time.monotonic() - started:.1f} s", flush=True)

    def test_2_a_killed_workers_job_completes_on_the_other(self):
        started = time.monotonic()
        job_id = self.train(MODEL, LONG_PARAMS)

        def running_on_worker():
            job = self.job(job_id)
            return job if job["state"] == "running" and job.get("worker") else None
        first = wait_until(running_on_worker, 30, interval=0.05, what=f"job {job_id} running on a worker")
        time.sleep(0.3)  # let it train a little
        victim = self.workers[first["worker"]]
        victim.kill()
        killed_at = time.monotonic()
        reclaimed = wait_until(lambda: (lambda j: j if j.get("attempts", 0) >= 2 else None)(self.job(job_id)),
                               LEASE_SECONDS + 15, interval=0.05, what="the job claimed again")
        requeue_s = time.monotonic() - killed_at
        # Not before the lease could have ended (the heartbeat renewed it at most a lease ago).
        self.assertGreaterEqual(requeue_s, LEASE_SECONDS * 0.5, "requeued before the lease ended")
        self.assertNotEqual(reclaimed["worker"], first["worker"])
        done = self.wait_done(job_id)
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(done["attempts"], 2, done)
        self.assertNotEqual(done["worker"], first["worker"])
        lines = self.http.get(f"{self.nginx.url}/v1/jobs/{job_id}/logs", timeout=10).json()["lines"]
        self.assertTrue(any("requeued" in line["message"] for line in lines), lines)
        self.start_worker(first["worker"])  # back for the next steps
        print(f"step 2: {first['worker']} SIGKILLed mid-job; {done['worker']} claimed it {requeue_s:.1f} s after the "
              f"kill ({LEASE_SECONDS:.0f} s lease) and completed it (attempts 2); {time.monotonic() - started:.1f} s",
              flush=True)

    def test_3_an_alias_move_reaches_every_replica_within_a_second(self):
        # Version 2 (step 2) is the latest: every replica serves it once the feed told it and it loaded the 400-round
        # model (seconds in the sanitizer build; loading is not what this step measures).
        waited = time.monotonic()
        for replica in self.replicas:
            wait_until(lambda: self.predict(replica.url, MODEL)[0] == 2, 60, interval=0.02,
                       what=f"replica {replica.index} serving version 2")
        waited = time.monotonic() - waited
        v1 = self.predict(self.replicas[0].url, MODEL, version=1)[1]
        v2 = self.predict(self.replicas[0].url, MODEL, version=2)[1]
        self.assertNotEqual(v1, v2)
        figures = []
        answers = []
        for through, version, expected in ((0, 1, v1), (1, 2, v2)):  # promote version 1, then roll back to 2
            # The move's own answer is not what this step measures (the replica checks the version and warms it
            # first: several seconds in the unoptimised sanitizer build with two other replicas and two workers on
            # two cores), so it may take up to a minute; propagation is timed from the answer.
            asked = time.monotonic()
            response = self.http.put(f"{self.replicas[through].url}/v1/models/{MODEL}/aliases/production",
                                     json={"version": version}, timeout=60)
            self.assertEqual(response.status_code, 200, response.text)
            moved_at = time.monotonic()
            answers.append(moved_at - asked)
            self.assertEqual(self.predict(self.replicas[through].url, MODEL), (version, expected))
            for replica in self.replicas:
                if replica.index == through:
                    continue
                while True:
                    seen = self.predict(replica.url, MODEL)
                    elapsed = time.monotonic() - moved_at
                    if seen[0] == version:
                        break
                    self.assertLess(elapsed, PROPAGATION_LIMIT_S,
                                    f"replica {replica.index} still serves version {seen[0]}\n{self.logs()}")
                    time.sleep(0.005)
                self.assertEqual(seen, (version, expected))
                figures.append(elapsed)
                self.assertLess(elapsed, PROPAGATION_LIMIT_S)
        print(f"step 3: version 2 served by every replica after {waited:.1f} s more; "
              "alias promote / roll back seen by the other replicas after "
              + ", ".join(f"{1000 * f:.0f} ms" for f in figures) + f" (max {1000 * max(figures):.0f} ms; the moves "
              "answered in " + ", ".join(f"{1000 * a:.0f} ms" for a in answers) + ")", flush=True)
        self.http.delete(f"{self.nginx.url}/v1/models/{MODEL}/aliases/production", timeout=10)

    def test_4_a_two_worker_xgboost_job_equals_the_single_worker_model(self):
        started = time.monotonic()
        # 2,000 rows: the training part (1,600) fits XGBoost's quantile sketch exactly in one process and on each rank,
        # so the cut points, and so the models, are the same; on bigger tables the ranks' merged sketches give other
        # (equally valid) cut points (docs/models.md).
        response = self.http.post(self.nginx.url + "/v1/datasets?name=synthetic-2000", data=synthetic_csv(2000),
                                  headers={"Content-Type": "text/csv"}, timeout=60)
        self.assertIn(response.status_code, (200, 201), response.text)
        dataset_id = response.json()["id"]
        # One after the other: a job whose ranks run on several workers needs them free.
        single_job = self.wait_done(self.train("single", DIST_PARAMS, dataset_id=dataset_id))
        distributed = self.train("distributed", DIST_PARAMS, dataset_id=dataset_id, workers=2)
        dist_job = self.wait_done(distributed)
        self.assertEqual(single_job["state"], "succeeded", single_job)
        self.assertEqual(dist_job["state"], "succeeded", dist_job)
        self.assertEqual(dist_job["workers"], 2)
        self.assertTrue(any(worker_id in str(dist_job.get("worker")) for worker_id in self.workers), dist_job)
        lines = self.http.get(f"{self.nginx.url}/v1/jobs/{distributed}/logs", timeout=10).json()["lines"]
        # Rank 0 runs on the worker holding the job; rank 1 on the other one, which says so in the job's log.
        other = [worker_id for worker_id in self.workers if worker_id not in str(dist_job.get("worker"))]
        self.assertTrue(any(re.search(rf"worker ({'|'.join(map(re.escape, other))}) joined as rank 1 of 2",
                                      line["message"]) for line in lines), lines)
        expected = self.predict(self.replicas[0].url, "single")[1]
        worst = 0.0
        for replica in self.replicas:
            got = self.predict(replica.url, "distributed")[1]
            for a, b in zip(got, expected):
                worst = max(worst, abs(a - b))
            self.assertEqual(got, expected)  # the two-rank model is the single-process model, bit for bit
        print(f"step 4: workers:2 job on {dist_job['worker']} equals the single-worker model (max |diff| {worst:.2g}) "
              f"in {time.monotonic() - started:.1f} s", flush=True)

    def test_5_a_replica_sigkilled_under_load_loses_no_request(self):
        version, expected = self.predict(self.nginx.url, MODEL)
        for replica in self.replicas:
            self.assertEqual(self.predict(replica.url, MODEL), (version, expected))
        script = os.path.join(self.work, "predict.lua")
        with open(script, "w") as lua:
            body = '{"rows": [' + ", ".join("{" + ", ".join(f'"{k}": {v}' for k, v in row.items()) + "}"
                                            for row in ROWS[:1]) + "]}"
            lua.write('wrk.method = "POST"\n'
                      f'wrk.path = "/v1/models/{MODEL}/predict"\n'
                      'wrk.headers["Content-Type"] = "application/json"\n'
                      f'wrk.headers["Authorization"] = "{self.auth["Authorization"]}"\n'
                      f"wrk.body = '{body}'\n")
        victim = self.replicas[2]
        wrk = subprocess.Popen(["wrk", "-t2", "-c16", "-d5s", "--timeout", "10s", "-s", script, self.nginx.url],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1.5)
        self.assertIsNone(wrk.poll(), "wrk ended before the replica was killed")
        victim.kill()
        output, _ = wrk.communicate(timeout=30)
        self.assertEqual(wrk.returncode, 0, output)
        total = int(re.search(r"(\d+) requests in", output).group(1))
        rate = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
        self.assertGreater(total, 100, output)
        self.assertNotIn("Non-2xx or 3xx responses", output)
        self.assertNotIn("Socket errors", output)
        # nginx did meet the dead replica (the zero above is its retry at work, not luck).
        wait_until(lambda: f"127.0.0.1:{victim.port}" in self.nginx.error_text(), 5,
                   what="nginx's error log naming the killed replica")
        entries = wait_until(lambda: self.nginx.access_entries(), 5, what="nginx's access log")
        retried = sum(", " in entry["upstream_addr"] for entry in entries)
        served_by_victim = sum(entry["upstream_addr"].split(", ")[-1] == f"127.0.0.1:{victim.port}"
                               for entry in entries)
        self.assertGreater(served_by_victim, 0, "the victim served nothing before it died")
        print(f"step 5: wrk 5 s x 16 connections through nginx, 1 of 3 replicas SIGKILLed at 1.5 s: {total} requests "
              f"({rate}/s), 0 failed, {retried} retried on another replica", flush=True)
        self.assertEqual(self.predict(self.nginx.url, MODEL), (version, expected))


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
