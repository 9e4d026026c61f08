"""End-to-end: automatic model search, grid search and the job lifecycle around them.

`amp train --dataset penguins --target species --algorithm auto` on the penguins CSV (tests/e2e/data, a copy of
palmerpenguins' penguins.csv, CC0) prints a leaderboard and publishes a version whose leaderboard is in the version
JSON and whose predictions serve through /api/predict; the API twin does the same. Bad search requests are 422
before any job is queued; a long search is cancelled promptly; a job running when the server dies (SIGKILL) goes back
to the queue when its training lease ends (2 s here) and runs again after the restart, keeping its log; an ended job is
resubmitted with one call. On a table where a line and a step make the
linear models and the trees err differently, auto publishes its ensemble stage's blend: it serves through
/api/predict, explains, and scores offline (`amp score`) byte for byte as the server does.

Run: /usr/bin/python3 tests/e2e/train_auto_test.py --amp build/amp
"""

import os
import pathlib
import random
import subprocess
import tempfile
import time
import unittest

import amp_server
from amp_server import DEMO_CSV, AmpServer, amp_binary, wait_until

PENGUINS_CSV = pathlib.Path(__file__).resolve().parent / "data" / "penguins.csv"
SPECIES = {"Adelie", "Chinstrap", "Gentoo"}
LEASE_SECONDS = 2


class TrainAutoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AmpServer(extra_args=["--training-lease-seconds", str(LEASE_SECONDS)])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        with open(PENGUINS_CSV, "rb") as source:
            cls.penguins = cls.upload("penguins", source.read())
        with open(DEMO_CSV, "rb") as source:
            cls.houses = cls.upload("houses", source.read())

    @classmethod
    def upload(cls, name, data):
        response = cls.server.http.post(cls.server.url + "/v1/datasets", params={"name": name}, data=data,
                                        headers={"Content-Type": "text/csv"}, timeout=30)
        response.raise_for_status()
        return response.json()["id"]

    def http(self):
        return self.server.http

    def url(self, path):
        return self.server.url + path

    def amp(self, *args, timeout=240):
        env = dict(os.environ, AMP_API_KEY=self.server.admin_key)
        return subprocess.run([amp_binary(), *args, "--server", self.server.url], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, env=env)

    def job(self, job_id):
        return self.http().get(self.url(f"/v1/jobs/{job_id}"), timeout=10).json()

    def wait_for_job(self, job_id, timeout=180):
        return wait_until(lambda: (lambda job: job if job["state"] not in ("queued", "running") else None)(
            self.job(job_id)), timeout, what=f"job {job_id} to end")

    def assert_leaderboard(self, leaderboard, metric):
        self.assertGreaterEqual(len(leaderboard), 2, leaderboard)
        self.assertEqual([entry["rank"] for entry in leaderboard], list(range(1, len(leaderboard) + 1)))
        scores = [entry["cv_score"] for entry in leaderboard]
        self.assertEqual(scores, sorted(scores))
        for entry in leaderboard:
            self.assertEqual(entry["metric"], metric)
            for key in ("algorithm", "params", "cv_std", "fit_seconds", "published"):
                self.assertIn(key, entry)
        # A finished search marks the one entry it published.
        self.assertEqual(sum(entry["published"] for entry in leaderboard), 1, leaderboard)

    def test_cli_auto_on_penguins_then_predict(self):
        completed = self.amp("train", "--dataset", "penguins", "--target", "species", "--algorithm", "auto",
                             "--time-budget", "20", "--folds", "3")
        self.assertEqual(completed.returncode, 0, f"stdout: {completed.stdout}\nstderr: {completed.stderr}")
        self.assertIn("succeeded", completed.stdout)
        self.assertIn("leaderboard", completed.stdout)
        self.assertIn("logistic_regression", completed.stdout)
        self.assertIn("holdout:", completed.stdout)

        model = self.http().get(self.url("/v1/models/penguins"), timeout=10).json()
        version_number = model["latest_version"]
        version = self.http().get(self.url(f"/v1/models/penguins/versions/{version_number}"), timeout=10).json()
        self.assert_leaderboard(version["leaderboard"], "log_loss")
        self.assertEqual(version["algorithm"], version["leaderboard"][0]["algorithm"])
        self.assertTrue(version["leaderboard"][0]["published"], version["leaderboard"])
        self.assertIn("PUBLISHED", completed.stdout)
        self.assertGreater(version["metrics"]["accuracy"], 0.9)
        # The CLI says what was published, with every resolved parameter written as a person writes it.
        published = next(line for line in completed.stdout.splitlines() if line.startswith("published: "))
        self.assertTrue(published.startswith(f"published: {version['algorithm']} ("), published)
        for name, value in version["params"].items():
            self.assertIn(f"{name}={value:g}", published)
        self.assertNotIn("not the first ranked", published)

        row = {"island": "Biscoe", "bill_length_mm": 47.5, "bill_depth_mm": 15.0, "flipper_length_mm": 218,
               "body_mass_g": 5200, "sex": "male", "year": 2008}
        predicted = self.http().post(self.url("/api/predict"), json={"model_id": "penguins", "input_parameters": row},
                                     timeout=10)
        self.assertEqual(predicted.status_code, 200, predicted.text)
        self.assertEqual(predicted.json()["prediction"], "Gentoo")

    def test_api_auto_is_deterministic_and_logged(self):
        body = {"dataset_id": "penguins", "target": "species", "algorithm": "auto", "search": {"folds": 3},
                "cpu_budget": 2}
        jobs = []
        for model in ("penguins-a", "penguins-b"):
            response = self.http().post(self.url(f"/v1/models/{model}/train"), json=body, timeout=10)
            self.assertEqual(response.status_code, 202, response.text)
            jobs.append(response.json()["id"])
        results = [self.wait_for_job(job_id) for job_id in jobs]
        for job in results:
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(job["dataset_id"], self.penguins)  # the name was resolved and recorded
            self.assert_leaderboard(job["leaderboard"], "log_loss")
            self.assertEqual(job["progress_detail"]["trials_done"], job["progress_detail"]["trials_total"])
        artifacts = []
        for model in ("penguins-a", "penguins-b"):
            version = self.http().get(self.url(f"/v1/models/{model}/versions/1"), timeout=10).json()
            artifacts.append(version["artifact"]["sha256"])
        self.assertEqual(artifacts[0], artifacts[1])  # byte-identical models

        logs = self.http().get(self.url(f"/v1/jobs/{jobs[0]}/logs"), timeout=10).json()
        messages = [line["message"] for line in logs["lines"]]
        self.assertTrue(messages[0].startswith("queued"), messages)
        self.assertTrue(any(message.startswith("trial 1/") for message in messages), messages)
        self.assertTrue(any(message.startswith("winner:") for message in messages), messages)
        self.assertEqual(messages[-1], "succeeded")
        self.assertEqual([line["seq"] for line in logs["lines"]], list(range(1, len(messages) + 1)))

    def test_grid_search_through_the_api(self):
        body = {"dataset_id": self.penguins, "target": "body_mass_g", "algorithm": "xgboost_regressor",
                "features": ["species", "flipper_length_mm", "sex"],
                "search": {"method": "grid", "space": {"max_depth": [2, 4], "n_estimators": [10, 30]}, "folds": 3,
                           "repeats": 2}}
        response = self.http().post(self.url("/v1/models/mass/train"), json=body, timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        job = self.wait_for_job(response.json()["id"])
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(len(job["leaderboard"]), 4)
        self.assert_leaderboard(job["leaderboard"], "rmse")
        self.assertEqual(job["search"]["method"], "grid")
        self.assertEqual(job["search"]["repeats"], 2)
        # Repeated cross-validation: every trial scored over 3 folds on each of 2 partitions.
        messages = [line["message"] for line in
                    self.http().get(self.url(f"/v1/jobs/{job['id']}/logs"), timeout=10).json()["lines"]]
        self.assertTrue(any("3-fold cross-validation x 2 repeats" in message for message in messages), messages)
        self.assertTrue(any("over 3 folds x 2 repeats" in message for message in messages), messages)
        version = self.http().get(self.url("/v1/models/mass/versions/1"), timeout=10).json()
        best = version["leaderboard"][0]["params"]
        self.assertEqual(version["params"]["max_depth"], best["max_depth"])
        self.assertEqual(version["params"]["n_estimators"], best["n_estimators"])

    def test_bad_searches_are_refused_before_a_job_is_queued(self):
        before = len(self.http().get(self.url("/v1/jobs"), timeout=10).json()["jobs"])
        cases = [
            ({"algorithm": "xgboost_classifier", "search": {"method": "grid", "space": {"depth": [3]}}}, "depth"),
            ({"algorithm": "xgboost_classifier", "search": {"method": "grid", "space": {"learning_rate": [0, 1]}}},
             "learning_rate"),
            ({"algorithm": "logistic_regression", "search": {"method": "annealing", "space": {"C": [1]}}},
             "search.method"),
            ({"algorithm": "auto", "params": {"C": 1}}, "'C'"),
            ({"algorithm": "auto", "search": {"folds": 1}}, "search.folds"),
            ({"algorithm": "auto", "search": {"repeats": 11}}, "search.repeats"),
            ({"algorithm": "auto", "cpu_budget": 0}, "cpu_budget"),
            ({"algorithm": "auto", "search": {"method": "grid", "space": {"C": [1]}}}, "auto"),
            ({"algorithm": "auto", "search": {"bogus": 1}}, "search.bogus"),
        ]
        for extra, needle in cases:
            with self.subTest(extra=extra):
                body = {"dataset_id": self.penguins, "target": "species", **extra}
                response = self.http().post(self.url("/v1/models/refused/train"), json=body, timeout=10)
                self.assertEqual(response.status_code, 422, response.text)
                self.assertIn(needle, response.json()["error"])
        # auto on a table with no usable row: every target value missing.
        empty = self.upload("empty", b"x,y\n1,\n2,\n3,\n")
        response = self.http().post(self.url("/v1/models/refused/train"),
                                    json={"dataset_id": empty, "target": "y", "algorithm": "auto"}, timeout=10)
        self.assertEqual(response.status_code, 422, response.text)
        after = len(self.http().get(self.url("/v1/jobs"), timeout=10).json()["jobs"])
        self.assertEqual(after, before)

    def test_auto_publishes_an_ensemble_that_serves(self):
        # y = x1 + 1.5 [x2 > 0] + noise: the linear models miss the step, the trees draw the slope in stairs.
        rng = random.Random(8)
        lines = ["x1,x2,y"]
        for _ in range(300):
            x1, x2 = rng.uniform(-3, 3), rng.uniform(-3, 3)
            lines.append(f"{x1:.4f},{x2:.4f},{x1 + (1.5 if x2 > 0 else 0) + rng.gauss(0, 0.3):.4f}")
        dataset = self.upload("line-and-step", ("\n".join(lines) + "\n").encode())
        body = {"dataset_id": dataset, "target": "y", "algorithm": "auto", "search": {"folds": 3, "trials": 2}}
        response = self.http().post(self.url("/v1/models/blend/train"), json=body, timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        job = self.wait_for_job(response.json()["id"])
        self.assertEqual(job["state"], "succeeded", job)
        self.assert_leaderboard(job["leaderboard"], "rmse")
        self.assertEqual(job["leaderboard"][0]["algorithm"], "ensemble", job["leaderboard"])
        # linear_regression and XGBoost's defaults (one trial per family first), and the ensemble of the two.
        self.assertEqual(len(job["leaderboard"]), 3)
        version = self.http().get(self.url("/v1/models/blend/versions/1"), timeout=10).json()
        self.assertEqual(version["algorithm"], "ensemble")
        self.assertEqual(version["params"]["members"], 2)
        self.assertGreater(version["metrics"]["r2"], 0.8)
        logs = self.http().get(self.url(f"/v1/jobs/{job['id']}/logs"), timeout=10).json()
        self.assertTrue(any(line["message"].startswith("ensemble of ") for line in logs["lines"]), logs)

        predicted = self.http().post(self.url("/api/predict"),
                                     json={"model_id": "blend", "input_parameters": {"x1": 1.0, "x2": 2.0}},
                                     timeout=10)
        self.assertEqual(predicted.status_code, 200, predicted.text)
        self.assertAlmostEqual(predicted.json()["prediction"], 2.5, delta=0.6)

        # The artifact is a real model: it explains, and `amp score` reproduces the server's bytes offline.
        folder = tempfile.mkdtemp(prefix="amp_blend_")
        rows = os.path.join(folder, "rows.csv")
        with open(rows, "w", encoding="utf-8") as rows_file:
            rows_file.write("x1,x2\n1.0,2.0\n-2.5,-0.5\n,1.0\n")
        bundle = os.path.join(folder, "blend.ampbundle")
        downloaded = self.http().get(self.url("/v1/models/blend/versions/1/artifact"), timeout=30)
        self.assertEqual(downloaded.status_code, 200, downloaded.text[:300])
        with open(bundle, "wb") as bundle_file:
            bundle_file.write(downloaded.content)
        for explain in (False, True):
            with open(rows, "rb") as rows_file:
                served = self.http().post(self.url("/v1/models/blend/predict" + ("?explain=true" if explain else "")),
                                          data=rows_file.read(), headers={"Content-Type": "text/csv"}, timeout=30)
            self.assertEqual(served.status_code, 200, served.text)
            scored = subprocess.run([amp_binary(), "score", "--bundle", bundle, "--input", rows] +
                                    (["--explain"] if explain else []), capture_output=True, timeout=60)
            self.assertEqual(scored.returncode, 0, scored.stderr)
            self.assertEqual(scored.stdout, served.content)

    def long_search(self, model):
        """Submits a search over the houses that takes minutes; returns the job id once it runs."""
        body = {"dataset_id": self.houses, "target": "price", "algorithm": "xgboost_regressor",
                "search": {"method": "grid", "space": {"n_estimators": [5000], "max_depth": [10, 12],
                                                       "learning_rate": [0.01, 0.02]}, "folds": 5},
                "cpu_budget": 1}
        response = self.http().post(self.url(f"/v1/models/{model}/train"), json=body, timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        job_id = response.json()["id"]
        wait_until(lambda: self.job(job_id)["progress_detail"].get("boosting_round", 0) > 0, 60,
                   what="the search to boost")
        return job_id

    def test_cancel_stops_a_long_search_promptly(self):
        job_id = self.long_search("long-cancel")
        running = self.job(job_id)
        self.assertEqual(running["state"], "running")
        self.assertEqual(running["progress_detail"]["phase"], "searching")
        self.assertEqual(running["progress_detail"]["trials_total"], 4)
        started = time.monotonic()
        response = self.http().delete(self.url(f"/v1/jobs/{job_id}"), timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        job = self.wait_for_job(job_id, timeout=20)
        self.assertEqual(job["state"], "cancelled", job)
        # Generous for a loaded CI machine; the search checks the flag every boosting round and every 50 ms.
        self.assertLess(time.monotonic() - started, 5)

    def test_a_job_running_when_the_server_dies_runs_again_and_an_ended_one_is_resubmitted(self):
        job_id = self.long_search("long-restarted")
        first = self.job(job_id)
        self.assertEqual(first["attempts"], 1)
        self.server._kill()  # the process dies mid-search (SIGKILL: no chance to record anything)
        self.server.start()
        # Its claim lapses with the lease nobody renews; the restarted server's sweep requeues it and a trainer runs
        # it again from the start (exactly as an `amp worker` that died).
        wait_until(lambda: (lambda j: j if j["state"] == "running" and j["attempts"] == 2 else None)(self.job(job_id)),
                   60, what="the job running again")
        messages = [line["message"] for line in
                    self.http().get(self.url(f"/v1/jobs/{job_id}/logs"), timeout=10).json()["lines"]]
        self.assertTrue(messages[0].startswith("queued"), messages)
        self.assertEqual(len([m for m in messages if m.startswith("requeued")]), 1, messages)
        self.assertEqual(len([m for m in messages if m.startswith("started")]), 2, messages)
        self.http().delete(self.url(f"/v1/jobs/{job_id}"), timeout=10)
        job = self.wait_for_job(job_id, timeout=30)
        self.assertEqual(job["state"], "cancelled", job)

        response = self.http().post(self.url(f"/v1/jobs/{job_id}/resubmit"), timeout=10)
        self.assertEqual(response.status_code, 202, response.text)
        again = response.json()
        self.assertNotEqual(again["id"], job_id)
        self.assertEqual(again["resubmitted_from"], job_id)
        self.assertEqual(again["search"], job["search"])
        # The CLI twin refuses a job that has not ended, then cancel it to finish quickly.
        completed = self.amp("jobs", "resubmit", again["id"])
        self.assertNotEqual(completed.returncode, 0)
        self.assertIn("only an ended job", completed.stdout + completed.stderr)
        self.http().delete(self.url(f"/v1/jobs/{again['id']}"), timeout=10)
        self.assertIn(self.wait_for_job(again["id"], timeout=30)["state"], ("cancelled",))
        # An unknown job is 404.
        self.assertEqual(self.http().post(self.url("/v1/jobs/job_nope/resubmit"), timeout=10).status_code, 404)
        self.assertEqual(self.http().get(self.url("/v1/jobs/job_nope/logs"), timeout=10).status_code, 404)


if __name__ == "__main__":
    amp_server.main_with_amp_arg()
