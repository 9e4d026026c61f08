"""Several `amp serve` replicas sharing one data folder, behind nginx (tests/services/nginx.sh), on loopback.

Used by tests/e2e/nginx_failover_test.py and bench/replicas.py. A ReplicaSet starts replicas on fixed free ports
(so a killed replica can come back on its address, as it would on a host), the first one alone so that only it
trains the demo model. Not thread-safe.
"""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
NGINX_SH = REPO_ROOT / "tests" / "services" / "nginx.sh"
DEMO_MODEL = "House Price Linear Regression"
DEMO_BODY = {"model_id": DEMO_MODEL, "input_parameters": {"square_feet": 1650, "num_bedrooms": 3,
                                                          "location_code": 100}, "output_target": "price"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Replica:
    """One `amp serve` process on 127.0.0.1:port with the shared data folder."""

    def __init__(self, binary, data_dir, port, log_dir, index, extra_args=()):
        self.binary, self.data_dir, self.port, self.index = binary, data_dir, port, index
        self.log_path = os.path.join(log_dir, f"replica_{index}.log")
        self.extra_args = list(extra_args)
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self, demo=False, timeout=60):
        args = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir,
                "--no-access-log"]
        if not demo:
            args.append("--no-demo")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args + self.extra_args, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=str(REPO_ROOT))
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica {self.index} exited with {self.process.returncode}\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica {self.index} not ready after {timeout} s\n{self.log_tail()}")
            time.sleep(0.05)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL: the replica dies mid-request, as on an OOM kill or a lost host."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if not self.running:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log_tail(self, max_bytes=4000):
        try:
            with open(self.log_path, "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - max_bytes))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"


class Nginx:
    """nginx from deploy/nginx-loopback.conf.template in front of the given replica ports."""

    def __init__(self, prefix, env=None):
        self.prefix = prefix
        self.env = dict(os.environ, **(env or {}))
        self.url = None
        self.access_log = os.path.join(prefix, "logs", "access.log")
        self.error_log = os.path.join(prefix, "logs", "error.log")

    def start(self, ports):
        out = subprocess.run([str(NGINX_SH), "start", self.prefix] + [str(port) for port in ports], env=self.env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"nginx.sh start failed: {out.stderr}")
        values = dict(line.split("=", 1) for line in out.stdout.split())
        self.url = values["NGINX_URL"]

    def reload(self, ports):
        subprocess.run([str(NGINX_SH), "reload", self.prefix] + [str(port) for port in ports], env=self.env,
                       check=True, capture_output=True)

    def pids(self):
        with open(os.path.join(self.prefix, "nginx.pid")) as pid_file:
            master = int(pid_file.read())
        children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
        return [master] + [int(pid) for pid in children]

    def stop(self):
        subprocess.run([str(NGINX_SH), "stop", self.prefix], env=self.env, check=False, capture_output=True)

    def access_entries(self, offset=0):
        """The JSON access log lines written so far (nginx flushes its buffer every second) from byte `offset`."""
        return self.read_access_log(offset)[0]

    def read_access_log(self, offset=0):
        """(complete JSON lines from byte `offset` on, the offset after the last complete line)."""
        try:
            with open(self.access_log, "rb") as log:
                log.seek(offset)
                data = log.read()
        except FileNotFoundError:
            return [], offset
        end = data.rfind(b"\n") + 1
        return [json.loads(line) for line in data[:end].splitlines() if line.strip()], offset + end

    def error_text(self):
        try:
            with open(self.error_log) as log:
                return log.read()
        except FileNotFoundError:
            return ""


class ReplicaSet:
    """N replicas sharing one data folder; replica 0 trains the demo model on first start. Use as a context manager."""

    def __init__(self, binary, count, extra_args=(), nginx_env=None):
        self.work = tempfile.mkdtemp(prefix="amp_replicas_")
        self.data_dir = os.path.join(self.work, "data")
        self.binary = binary
        self.replicas = [Replica(binary, self.data_dir, free_port(), self.work, idx, extra_args)
                         for idx in range(count)]
        self.nginx = Nginx(os.path.join(self.work, "nginx"), nginx_env)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        first, rest = self.replicas[0], self.replicas[1:]
        first.start(demo=True)
        deadline = time.monotonic() + 60
        while DEMO_MODEL not in requests.get(first.url + "/api/model", timeout=5).text:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the demo model did not appear\n{first.log_tail()}")
            time.sleep(0.1)
        for replica in rest:
            replica.start()
        self.nginx.start([replica.port for replica in self.replicas])

    def add_replica(self, extra_args=()):
        replica = Replica(self.binary, self.data_dir, free_port(), self.work, len(self.replicas), extra_args)
        self.replicas.append(replica)
        replica.start()
        return replica

    @property
    def admin_key(self):
        with open(os.path.join(self.data_dir, "admin.key")) as key_file:
            return key_file.read().strip()

    def close(self):
        self.nginx.stop()
        for replica in self.replicas:
            if replica.process is not None:
                replica.stop()
        shutil.rmtree(self.work, ignore_errors=True)
