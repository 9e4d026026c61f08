"""Lints deploy/nginx.conf, deploy/amp-locations.conf and the loopback template with nginx itself (`nginx -t` in a
temp prefix) and checks they agree with each other and with the amp binary: the template's upstream block, map and
log format are the production ones; request body limits equal amp's --max-body-bytes / --max-upload-bytes; the
upstream keep-alive timeout is shorter than amp's idle timeout; non_idempotent retries apply to exactly the
prediction routes amp serves.
Run: /usr/bin/python3 tests/deploy/nginx_conf_test.py --amp build/test/amp
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
AMP = None
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def read(name):
    with open(os.path.join(DEPLOY, name)) as stream:
        return stream.read()


def block(text, header):
    """The body of the first `header { ... }` block (braces balanced), comments removed."""
    text = re.sub(r"#[^\n]*", "", text)
    start = text.index(header)
    depth, idx = 0, text.index("{", start)
    for pos in range(idx, len(text)):
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        if depth == 0:
            return text[idx + 1:pos]
    raise ValueError(f"unbalanced block {header}")


def directives(body):
    return [" ".join(line.split()) for line in re.split(r"[;\n]", body) if line.strip()]


def size_bytes(text):
    factor = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1].lower(), 1)
    return int(text[:-1] if factor > 1 else text) * factor


def amp_help_default(flag):
    """The default amp serve --help states for `flag`, e.g. '(1 GiB)' -> bytes, '(30000)' -> 30000."""
    out = subprocess.run([AMP, "serve", "--help"], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.strip().startswith(flag))
    match = re.search(r"\((\d+)(?: (KiB|MiB|GiB))?\)", line)
    return int(match.group(1)) * {None: 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[match.group(2)]


class NginxConfTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(NGINX), "nginx is missing: run scripts/install-deps.sh")
        self.work = tempfile.mkdtemp(prefix="amp_nginx_lint_")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def nginx_test(self, conf_text):
        path = os.path.join(self.work, "nginx.conf")
        with open(path, "w") as stream:
            stream.write(conf_text)
        shutil.copy(os.path.join(DEPLOY, "amp-locations.conf"), self.work)
        return subprocess.run([NGINX, "-t", "-p", self.work, "-c", path, "-e", os.path.join(self.work, "error.log")],
                              capture_output=True, text=True)

    def production_in_prefix(self):
        """deploy/nginx.conf with its paths moved into the temp prefix and the replica names on loopback (nginx -t
        resolves upstream names), plus a throwaway certificate for the TLS server."""
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", os.path.join(self.work, "amp.key"), "-out",
                        os.path.join(self.work, "amp.crt"), "-days", "1", "-subj", "/CN=amp.test"],
                       check=True, capture_output=True)
        text = read("nginx.conf")
        text = text.replace("/etc/nginx/tls/", self.work + "/").replace("/var/log/nginx/", self.work + "/")
        text = text.replace("/run/nginx.pid", self.work + "/nginx.pid")
        text = re.sub(r"amp-\d+\.internal", "127.0.0.1", text)
        temp = "".join(f"  {name}_temp_path {self.work}/{name};\n" for name in TEMP_PATHS)
        text = text.replace("http {\n", "http {\n" + temp, 1)
        if os.geteuid() != 0:
            text = re.sub(r"(?m)^user .*;$", "", text)
        return text

    def test_production_config_passes_nginx_t(self):
        result = self.nginx_test(self.production_in_prefix())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("test is successful", result.stderr)

    def test_nginx_t_catches_a_broken_config(self):
        # The check above can fail: a misspelt directive in the shared locations file is rejected.
        broken = self.production_in_prefix().replace("include amp-locations.conf;", "include amp-locations.conf;\n"
                                                     "    proxy_next_upstrem error;")
        result = self.nginx_test(broken)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unknown directive", result.stderr)

    def test_rendered_template_passes_nginx_t_and_matches_production(self):
        prefix = os.path.join(self.work, "loopback")
        out = subprocess.run([os.path.join(ROOT, "tests", "services", "nginx.sh"), "start", prefix, "1", "2"],
                             capture_output=True, text=True)
        try:
            self.assertEqual(out.returncode, 0, out.stderr)
            with open(os.path.join(prefix, "nginx.conf")) as stream:
                rendered = stream.read()
        finally:
            subprocess.run([os.path.join(ROOT, "tests", "services", "nginx.sh"), "stop", prefix], check=True)
        self.assertNotIn("@", re.sub(r"#[^\n]*", "", rendered))
        production = read("nginx.conf")
        # The upstream block: the same directives; the server lines carry production's max_fails/fail_timeout.
        prod_upstream = directives(block(production, "upstream amp_serve"))
        test_upstream = directives(block(rendered, "upstream amp_serve"))
        self.assertEqual([d for d in prod_upstream if not d.startswith("server ")],
                         [d for d in test_upstream if not d.startswith("server ")])
        params = {d.split(" ", 2)[2] for d in prod_upstream if d.startswith("server ")}
        self.assertEqual(len(params), 1, "every production replica line has the same parameters")
        param = params.pop()
        self.assertEqual([d for d in test_upstream if d.startswith("server ")],
                         [f"server 127.0.0.1:{port} {param}" for port in (1, 2)])
        header = "map $http_x_request_id $amp_request_id"
        self.assertEqual(directives(block(production, header)), directives(block(rendered, header)))
        log_format = re.compile(r"log_format amp_upstream.*?;", re.S)
        self.assertEqual(log_format.search(production).group(0), log_format.search(rendered).group(0))

    def test_limits_and_timeouts_match_amp(self):
        locations = read("amp-locations.conf")
        locations = re.sub(r"#[^\n]*", "", locations)
        top = locations.split("location", 1)[0]
        body_limit = re.search(r"client_max_body_size (\S+);", top).group(1)
        self.assertEqual(size_bytes(body_limit), amp_help_default("--max-body-bytes"))
        uploads = re.findall(r"location [^{]*(?:datasets|import)[^{]*\{([^}]*)\}", locations)
        self.assertEqual(len(uploads), 2)
        for upload in uploads:
            self.assertEqual(size_bytes(re.search(r"client_max_body_size (\S+);", upload).group(1)),
                             amp_help_default("--max-upload-bytes"))
            self.assertIn("proxy_request_buffering off", upload)
        # nginx must drop an idle upstream connection before amp closes it, or a request can meet a closing socket.
        upstream = block(read("nginx.conf"), "upstream amp_serve")
        keepalive = int(re.search(r"keepalive_timeout (\d+)s", upstream).group(1))
        self.assertLess(keepalive * 1000, amp_help_default("--request-timeout-ms"))

    def test_non_idempotent_retries_exactly_the_prediction_routes(self):
        locations = re.sub(r"#[^\n]*", "", read("amp-locations.conf"))
        retried, other = [], []
        for match in re.finditer(r"location\s+(=|~)\s+(\S+)\s*\{([^}]*)\}", locations):
            kind, pattern, body = match.groups()
            matcher = (lambda path, p=pattern: path == p) if kind == "=" else \
                (lambda path, p=pattern: re.search(p, path) is not None)
            (retried if "non_idempotent" in body else other).append(matcher)
        # amp's POST routes that only compute a prediction (src/api: classic, v1 and KServe V2) ...
        predictions = ["/api/predict", "/v1/models/houses/predict", "/v1/models/houses/versions/3/predict",
                       "/v2/models/houses/infer", "/v2/models/houses/versions/1/infer"]
        # ... and POST/PUT/PATCH/DELETE routes with effects, which must not be resent once a replica has them.
        effects = ["/v1/datasets", "/v1/models/houses/train", "/v1/models/houses/import", "/v1/keys",
                   "/v1/keys/key_1/rotate", "/v1/jobs/job_1/resubmit", "/v1/models/houses/feedback",
                   "/v1/models/houses/aliases/production", "/v1/models/houses", "/upload", "/json",
                   "/v1/models/predict/train", "/v1/models/houses/versions/3/predict/x"]
        for path in predictions:
            self.assertTrue(any(match(path) for match in retried), path)
        for path in effects:
            self.assertFalse(any(match(path) for match in retried), path)
        self.assertNotIn("non_idempotent", re.sub(r"location[^{]*\{[^}]*\}", "", locations),
                         "non_idempotent must not be set for every route")


def main():
    global AMP
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--amp", required=True)
    args, rest = parser.parse_known_args()
    AMP = os.path.abspath(args.amp)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
