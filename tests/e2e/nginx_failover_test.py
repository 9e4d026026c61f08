"""nginx (deploy/nginx.conf's settings and routes) in front of three `amp serve` replicas sharing one data folder.

While wrk drives predictions through nginx, one replica is SIGKILLed: nginx's retry (proxy_next_upstream with
non_idempotent on prediction routes) answers every request from the survivors, so wrk sees no failed request. The
killed replica restarts on its address and nginx re-admits it after fail_timeout; a fourth replica joins through a
graceful reload. Every prediction through nginx equals the one a replica gives directly.
Run: /usr/bin/python3 tests/e2e/nginx_failover_test.py --amp build/test/amp
"""

import os
import re
import shutil
import subprocess
import time
import unittest

import requests

from amp_server import main_with_amp_arg, amp_binary, wait_until
from replica_set import DEMO_BODY, ReplicaSet

SEED_PAYLOAD = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "bench", "seed_payload.lua")


def served_by(entries, port, status=200):
    """Access log entries whose final attempt went to 127.0.0.1:port and got `status`."""
    address = f"127.0.0.1:{port}"
    return [entry for entry in entries
            if entry["upstream_addr"].split(", ")[-1] == address and entry["status"] == status]


class LogFollower:
    """Reads nginx's access log incrementally (it grows by tens of thousands of lines under wrk)."""

    def __init__(self, nginx, offset=0):
        self.nginx, self.offset = nginx, offset

    def new_entries(self):
        entries, self.offset = self.nginx.read_access_log(self.offset)
        return entries


class NginxFailoverTest(unittest.TestCase):
    def test_upload_train_and_predict_through_nginx(self):
        """A dataset larger than the 1 MiB JSON limit streamed through nginx's upload location, trained by the
        replica that took the job, served by every replica; the job is followed through whichever replica nginx
        picks."""
        from amp_client import AmpClient
        rows = ["x1,x2,y"] + [f"{idx % 17},{(idx * 7) % 11},{3 * (idx % 17) - 2 * ((idx * 7) % 11) + 5}"
                              for idx in range(200000)]
        with ReplicaSet(amp_binary(), 2) as cluster:
            with AmpClient(cluster.nginx.url, api_key=cluster.admin_key) as client:
                csv = ("\n".join(rows) + "\n").encode()
                self.assertGreater(len(csv), 1 << 20)
                dataset = client.upload_dataset(csv, "lines")
                self.assertEqual(dataset["row_count"], 200000)
                job = client.train("lines", dataset["id"], "y", algorithm="linear_regression")
                done = client.wait_for_job(job["id"], timeout=60)
                self.assertEqual(done["state"], "succeeded")
            body = {"model_id": "lines", "input_parameters": {"x1": 4, "x2": 3}}
            auth = {"Authorization": f"Bearer {cluster.admin_key}"}
            for url in [replica.url for replica in cluster.replicas] + [cluster.nginx.url]:
                response = requests.post(url + "/api/predict", json=body, headers=auth, timeout=5)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertAlmostEqual(response.json()["prediction"], 3 * 4 - 2 * 3 + 5, places=3)
            # Errors nginx answers itself have amp's shape: a JSON body over the 1 MiB limit ...
            too_large = requests.post(cluster.nginx.url + "/api/predict", data=b"{" + b" " * (1 << 20) + b"}",
                                      headers=dict(auth, **{"Content-Type": "application/json"}), timeout=10)
            self.assertEqual(too_large.status_code, 413)
            self.assertEqual(too_large.json()["code"], "payload_too_large")
            # ... and no replica left to answer.
            for replica in cluster.replicas:
                replica.stop()
            down = requests.post(cluster.nginx.url + "/api/predict", json=body, headers=auth, timeout=30)
            self.assertEqual(down.status_code, 502)
            self.assertEqual(down.json()["code"], "bad_gateway")

    def test_sigkill_under_load_then_rejoin(self):
        for tool in ("wrk", "nginx"):
            self.assertTrue(shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}"),
                            f"{tool} is missing: run scripts/install-deps.sh")
        began = time.monotonic()
        with ReplicaSet(amp_binary(), 3) as cluster:
            print(f"\n{time.monotonic() - began:.1f} s: 3 replicas and nginx up")
            nginx = cluster.nginx
            victim = cluster.replicas[1]
            expected = requests.post(cluster.replicas[0].url + "/api/predict", json=DEMO_BODY, timeout=5).json()
            self.assertIn("prediction", expected)
            session = requests.Session()

            def predict_through_nginx(request_id=None):
                headers = {"X-Request-Id": request_id} if request_id else {}
                response = session.post(nginx.url + "/api/predict", json=DEMO_BODY, timeout=10, headers=headers)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.json()["prediction"], expected["prediction"])
                return response

            # Every replica serves the demo model (trained by replica 0) from the shared folder, through nginx.
            for replica in cluster.replicas:
                direct = requests.post(replica.url + "/api/predict", json=DEMO_BODY, timeout=5)
                self.assertEqual(direct.json()["prediction"], expected["prediction"])
            for _ in range(30):
                predict_through_nginx()
            # A client's X-Request-Id reaches the replica and comes back.
            tagged = session.post(nginx.url + "/api/predict", json=DEMO_BODY, headers={"X-Request-Id": "trace-42"})
            self.assertEqual(tagged.headers.get("X-Request-Id"), "trace-42")

            # Bounded load: 6 s of wrk, 16 connections; the victim is killed 2 s in, while requests are in flight.
            wrk = subprocess.Popen(["wrk", "-t2", "-c16", "-d6s", "--timeout", "10s", "-s", SEED_PAYLOAD, nginx.url],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env=dict(os.environ, MODEL_ID=DEMO_BODY["model_id"]))
            time.sleep(2)
            self.assertIsNone(wrk.poll(), "wrk ended before the replica was killed")
            victim.kill()
            output, _ = wrk.communicate(timeout=30)
            self.assertEqual(wrk.returncode, 0, output)
            total = int(re.search(r"(\d+) requests in", output).group(1))
            self.assertGreater(total, 100, output)
            self.assertNotIn("Non-2xx or 3xx responses", output)
            self.assertNotIn("Socket errors", output)
            # nginx did try the dead replica (so the zero above is its retry at work, not luck) ...
            wait_until(lambda: f"127.0.0.1:{victim.port}" in nginx.error_text(), 5,
                       what="nginx's error log naming the killed replica")
            # ... and the victim had served part of the load before it died.
            entries = wait_until(lambda: served_by(nginx.access_entries(), victim.port) and nginx.access_entries(), 5,
                                 what="requests served by the victim before the kill in the access log")
            print(f"{time.monotonic() - began:.1f} s: wrk through nginx, one of 3 replicas SIGKILLed: {total} "
                  f"requests, 0 failed; {sum(', ' in entry['upstream_addr'] for entry in entries)} retried on "
                  f"another replica")

            # The killed replica comes back on its address; nginx re-admits it after fail_timeout.
            follower = LogFollower(nginx)
            victim.start()
            print(f"{time.monotonic() - began:.1f} s: the killed replica restarted")

            def tagged(entries, tag):
                return [entry for entry in entries if entry["request_id"].startswith(tag)]

            def victim_serves_again():
                predict_through_nginx(f"rejoin-{time.monotonic_ns()}")
                return served_by(tagged(follower.new_entries(), "rejoin-"), victim.port)

            wait_until(victim_serves_again, 20, interval=0.05, what="nginx to send requests to the restarted replica")

            print(f"{time.monotonic() - began:.1f} s: the restarted replica serves again")
            # A new replica joins through a graceful reload with the longer upstream list.
            newcomer = cluster.add_replica()
            print(f"{time.monotonic() - began:.1f} s: a fourth replica started")
            nginx.reload([replica.port for replica in cluster.replicas])
            print(f"{time.monotonic() - began:.1f} s: nginx reloaded")

            def newcomer_serves():
                predict_through_nginx(f"join-{time.monotonic_ns()}")
                return served_by(tagged(follower.new_entries(), "join-"), newcomer.port)

            wait_until(newcomer_serves, 20, interval=0.05, what="nginx to send requests to the new replica")
            print(f"{time.monotonic() - began:.1f} s: a fourth replica joined through a reload and serves")
            session.close()


if __name__ == "__main__":
    main_with_amp_arg()
