"""Replicas started at the same moment on one empty data folder (an orchestrator restarting everything at once):
every one of them starts (before the fixes, two processes applying the same SQLite migration, or writing the same
temp file of webhook.secret, made one exit), they share the one secret in webhook.secret, no temp file is left, and
the admin key in admin.key works. Several processes may each create an admin key when they start together; each
knows the keys that existed when it loaded them, so the key in admin.key is checked against the replicas
collectively (keys created later through one replica reach the others with the change feed, not yet here).
Each round starts 4 processes at once on a fresh folder; 4 rounds.
Run: /usr/bin/python3 tests/e2e/shared_folder_start_test.py --amp build/test/amp
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import requests

from amp_server import amp_binary, main_with_amp_arg

REPLICAS = 4
ROUNDS = 4


class SharedFolderStartTest(unittest.TestCase):
    def start_round(self, work):
        data_dir = os.path.join(work, "data")
        processes, port_files = [], []
        for idx in range(REPLICAS):
            port_file = os.path.join(work, f"port-{idx}")
            port_files.append(port_file)
            log = open(os.path.join(work, f"replica-{idx}.log"), "wb")
            processes.append(subprocess.Popen(
                [amp_binary(), "serve", "--host", "127.0.0.1", "--port", "0", "--port-file", port_file,
                 "--data-dir", data_dir, "--no-demo", "--no-access-log"], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL))
            log.close()
        return data_dir, processes, port_files

    def test_replicas_start_together_on_an_empty_folder(self):
        for round_idx in range(ROUNDS):
            work = tempfile.mkdtemp(prefix="amp_shared_start_")
            data_dir, processes, port_files = self.start_round(work)
            try:
                urls = []
                deadline = time.monotonic() + 60
                for idx, (process, port_file) in enumerate(zip(processes, port_files)):
                    while True:
                        if process.poll() is not None:
                            with open(os.path.join(work, f"replica-{idx}.log")) as log:
                                self.fail(f"round {round_idx}: replica {idx} exited with {process.returncode}:\n"
                                          f"{log.read()[-2000:]}")
                        port = ""
                        if os.path.exists(port_file):
                            with open(port_file) as stream:
                                port = stream.read().strip()
                        if port:
                            url = f"http://127.0.0.1:{int(port)}"
                            try:
                                if requests.get(url + "/readyz", timeout=2).status_code == 200:
                                    urls.append(url)
                                    break
                            except requests.RequestException:
                                pass
                        self.assertLess(time.monotonic(), deadline, f"replica {idx} not ready")
                        time.sleep(0.05)
                with open(os.path.join(data_dir, "webhook.secret")) as secret_file:
                    self.assertGreaterEqual(len(secret_file.read().strip()), 16)
                with open(os.path.join(data_dir, "admin.key")) as key_file:
                    admin_key = key_file.read().strip()
                answers = [requests.get(url + "/v1/keys", headers={"Authorization": f"Bearer {admin_key}"},
                                        timeout=5).status_code for url in urls]
                self.assertIn(200, answers, "no replica accepts the admin key in admin.key")
                self.assertTrue(set(answers) <= {200, 401}, answers)
                leftovers = [name for name in os.listdir(data_dir) if name.endswith(".tmp")]
                self.assertEqual(leftovers, [], "temp files of the secret writes were left behind")
            finally:
                for process in processes:
                    if process.poll() is None:
                        process.terminate()
                for process in processes:
                    try:
                        process.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main_with_amp_arg()
