"""Helpers for the scale-out end-to-end tests: `amp worker` processes sharing an AmpServer's data folder.

AmpWorker starts `amp worker --data-dir <dir> --worker-id <id> --lease-seconds <n>` with its log in a temp file;
`extra_args` replace the default store flags (metadata_args()); stop() sends SIGTERM and expects exit 0, kill() sends SIGKILL (a worker that dies mid-job).
"""

import os
import random
import signal
import subprocess
import tempfile

import amp_server


def metadata_args():
    """`--metadata URI` when $AMP_TEST_POSTGRES_URI names a PostgreSQL store to share (tests/services/postgres.sh run
    -- ...), else nothing: the data folder's SQLite file."""
    uri = os.environ.get("AMP_TEST_POSTGRES_URI")
    return ["--metadata", uri] if uri else []


class AmpWorker:
    SHUTDOWN_TIMEOUT_S = 20

    def __init__(self, data_dir, worker_id, lease_seconds=2.0, binary=None, extra_args=(), store_args=None):
        """store_args replace the default store flags (metadata_args()); extra_args are added after them."""
        self.worker_id = worker_id
        self._log = tempfile.NamedTemporaryFile(prefix=f"amp_e2e_{worker_id}_", suffix=".log", delete=False)
        command = [binary or amp_server.amp_binary(), "worker", "--data-dir", data_dir, "--worker-id", worker_id,
                   "--lease-seconds", str(lease_seconds)]
        command += list(store_args) if store_args is not None else metadata_args()
        command += list(extra_args)
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        cwd=str(amp_server.REPO_ROOT))

    @property
    def running(self):
        return self.process.poll() is None

    def stop(self):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def close(self):
        self.kill()
        self._log.close()
        os.unlink(self._log.name)

    def log_tail(self, max_bytes=4000):
        with open(self._log.name, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            size = log_file.tell()
            log_file.seek(max(0, size - max_bytes))
            text = log_file.read().decode("utf-8", "replace")
        return f"--- amp worker {self.worker_id} log ---\n{text}\n--- end of log ---"


def synthetic_csv(rows, features=6, seed=7):
    """A seeded regression CSV: numeric features x0..x{n-1} and a noisy nonlinear target y."""
    rng = random.Random(seed)
    lines = [",".join([f"x{i}" for i in range(features)] + ["y"])]
    for _ in range(rows):
        values = [rng.uniform(-3, 3) for _ in range(features)]
        target = sum((i + 1) * v * v if i % 2 else (i + 1) * v for i, v in enumerate(values)) + rng.gauss(0, 0.5)
        lines.append(",".join(f"{v:.5f}" for v in values + [target]))
    return ("\n".join(lines) + "\n").encode("utf-8")
