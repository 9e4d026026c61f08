"""Shared helpers for AMP's end-to-end tests: run the real `amp serve` binary on a free port in a temp data dir.

Each *_test.py is run as `/usr/bin/python3 tests/e2e/<name>_test.py --amp /path/to/amp [unittest args]`; call
main_with_amp_arg() from it. AmpServer starts the server, waits until it is healthy, and on stop sends SIGTERM and
checks the server exits 0 within 20 s. It can be stopped and started again on the same data dir.
The server creates an admin API key on first start; AmpServer reads it from <data dir>/admin.key (admin_key) and
offers a requests.Session that sends it (http), so tests call every route as an admin unless they mean not to.
"""

import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMO_CSV = REPO_ROOT / "data" / "demo" / "house_sales.csv"
SEED_CLIENT = REPO_ROOT / "examples" / "seed_client.py"
DEBIAN_PYTHON = "/usr/bin/python3"

sys.path.insert(0, str(REPO_ROOT / "clients" / "python"))

_amp_binary = os.environ.get("AMP_BINARY")


def amp_binary():
    """The amp binary given with --amp (or $AMP_BINARY)."""
    if not _amp_binary:
        raise RuntimeError("no amp binary: pass --amp /path/to/amp (or set AMP_BINARY)")
    return _amp_binary


def main_with_amp_arg():
    """Parses --amp PATH from sys.argv and hands the remaining arguments to unittest.main."""
    global _amp_binary
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--amp")
    args, rest = parser.parse_known_args(sys.argv[1:])
    if args.amp:
        _amp_binary = os.path.abspath(args.amp)
    if not _amp_binary or not os.access(_amp_binary, os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} --amp /path/to/amp [unittest args]  (got amp={_amp_binary!r})")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


class AmpServer:
    """One `amp serve` process on 127.0.0.1 with a free port and a temp data dir (kept across stop()/start()).

    Use as a context manager, or call start() and close(). .url, .port and .data_dir describe the running server;
    .admin_key is the admin API key from admin.key, .auth the header that sends it, .http a requests.Session with it.
    exit_codes records the exit code of every stop(); stop() raises AssertionError if the server did not exit 0.
    """

    STARTUP_TIMEOUT_S = 60
    SHUTDOWN_TIMEOUT_S = 20

    def __init__(self, demo=False, extra_args=(), binary=None, tls=None):
        """tls: (certificate file, key file) to serve HTTPS; .url is then https and .verify the certificate."""
        self.binary = binary or amp_binary()
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.verify = tls[0] if tls else True
        self.demo = demo
        self.extra_args = list(extra_args)
        self.data_dir = tempfile.mkdtemp(prefix="amp_e2e_data_")
        self._log_dir = tempfile.mkdtemp(prefix="amp_e2e_log_")
        self.port_file = os.path.join(self.data_dir, "port")
        self.port = None
        self.url = None
        self.exit_codes = []
        self._process = None
        self._log_file = None
        self._start_count = 0
        self.admin_key = None
        self.http = requests.Session()

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close(check=False)
            raise
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close(check=exc_type is None)
        return False

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def command(self):
        args = [self.binary, "serve", "--port", "0", "--data-dir", self.data_dir, "--port-file", self.port_file]
        if "--host" not in self.extra_args:
            args += ["--host", "127.0.0.1"]
        if not self.demo:
            args.append("--no-demo")
        if self.tls:
            args += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        return args + self.extra_args

    def start(self):
        """Starts the server and waits until the port file exists and GET /healthz answers 200."""
        if self._process is not None:
            raise RuntimeError("server already started")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)  # a stale port from the previous run must not be mistaken for the new one
        self._start_count += 1
        log_path = os.path.join(self._log_dir, f"server_{self._start_count}.log")
        self._log_file = open(log_path, "wb")
        self._process = subprocess.Popen(self.command(), stdout=self._log_file, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(REPO_ROOT))
        deadline = time.monotonic() + self.STARTUP_TIMEOUT_S
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._forget_process()
                raise RuntimeError(f"amp serve exited with {code} during startup\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self._kill()
                raise RuntimeError(f"amp serve not healthy after {self.STARTUP_TIMEOUT_S} s\n{self.log_tail()}")
            if self._poll_ready():
                self._read_admin_key()
                return
            time.sleep(0.05)

    @property
    def auth(self):
        """The Authorization header that sends the admin key."""
        return {"Authorization": f"Bearer {self.admin_key}"}

    def _read_admin_key(self):
        path = os.path.join(self.data_dir, "admin.key")
        with open(path) as key_file:
            self.admin_key = key_file.read().strip()
        mode = os.stat(path).st_mode & 0o777
        if mode != 0o600:
            raise AssertionError(f"{path} has mode {oct(mode)}, expected 0o600")
        self.http.headers["Authorization"] = f"Bearer {self.admin_key}"

    def _poll_ready(self):
        if self.port is None:
            try:
                with open(self.port_file) as port_file:
                    text = port_file.read().strip()
                port = int(text)
            except (OSError, ValueError):
                return False  # not written yet, or written only partly
            if not 0 < port < 65536:
                return False
            self.port = port
            self.url = f"{self.scheme}://127.0.0.1:{port}"
        try:
            return requests.get(self.url + "/healthz", timeout=2, verify=self.verify).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, check=True):
        """Sends SIGTERM, waits up to 20 s (then SIGKILL), records the exit code and returns it.

        With check, raises AssertionError unless the server exited 0 in time.
        """
        if self._process is None:
            return None
        process = self._process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._kill()
                self.exit_codes.append("timeout")
                if check:
                    raise AssertionError(
                        f"amp serve did not exit within {self.SHUTDOWN_TIMEOUT_S} s of SIGTERM\n{self.log_tail()}")
                return None
        code = process.returncode
        self.exit_codes.append(code)
        self._forget_process()
        if check and code != 0:
            raise AssertionError(f"amp serve exited with {code} after SIGTERM, expected 0\n{self.log_tail()}")
        return code

    def close(self, check=True):
        """Stops the server if it runs and removes the data dir. With check, raises if any stop was not a clean 0."""
        try:
            self.stop(check=False)
            bad = [code for code in self.exit_codes if code != 0]
            if bad:
                message = f"amp serve exit codes {self.exit_codes}, expected all 0\n{self.log_tail()}"
                if check:
                    raise AssertionError(message)
                print(message, file=sys.stderr)
        finally:
            self.http.close()
            shutil.rmtree(self.data_dir, ignore_errors=True)
            shutil.rmtree(self._log_dir, ignore_errors=True)

    def log_tail(self, max_bytes=6000):
        """The end of the latest server log, for failure messages."""
        path = os.path.join(self._log_dir, f"server_{self._start_count}.log")
        try:
            with open(path, "rb") as log_file:
                log_file.seek(0, os.SEEK_END)
                size = log_file.tell()
                log_file.seek(max(0, size - max_bytes))
                text = log_file.read().decode("utf-8", "replace")
        except OSError:
            return "(no server log)"
        return f"--- amp serve log ({path}) ---\n{text}\n--- end of log ---"

    def _kill(self):
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._forget_process()

    def _forget_process(self):
        self._process = None
        self.port = None
        self.url = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def wait_until(predicate, timeout, interval=0.2, what="condition"):
    """Calls predicate() until it returns a truthy value, which is returned; raises AssertionError after timeout s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            last_error = error
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last_error})")
        time.sleep(interval)


def is_number(value):
    """True for JSON numbers (ints and floats), false for booleans, strings and null."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def project_csv(source, columns):
    """Returns CSV bytes holding only `columns` (in that order) of the CSV file `source`."""
    import csv
    import io
    with open(source, newline="", encoding="utf-8") as csv_file:
        rows = list(csv.DictReader(csv_file))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    return out.getvalue().encode("utf-8")
