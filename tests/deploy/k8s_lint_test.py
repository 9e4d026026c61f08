"""Lints the Kubernetes manifests in deploy/k8s against the schema rules kubectl would enforce and against the amp
binary they run (no kubeconform or kubeval in Debian, so the checks are written out here):
every document parses and has a known apiVersion/kind; selectors match pod template labels; Services, the HPA and the
PodDisruptionBudget point at existing Deployments and ports; probes ask routes a real `amp serve` (serve pods) or a
real `amp worker`'s health listener (worker pods) answers 200, on the port the flags open;
container args are flags `amp serve` / `amp worker` accept (read from their --help), with values where they take
one; $(VAR) references, Secret keys and ConfigMaps exist; the pods run as non-root with a read-only root filesystem
and every path amp writes to is a mounted volume.
Run: /usr/bin/python3 tests/deploy/k8s_lint_test.py --amp build/test/amp
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S = os.path.join(ROOT, "deploy", "k8s")
AMP = None

KNOWN_KINDS = {
    ("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"), ("policy/v1", "PodDisruptionBudget"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def load_documents():
    """{file name: [documents]} for every YAML file in deploy/k8s."""
    documents = {}
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        with open(path) as stream:
            documents[os.path.basename(path)] = [doc for doc in yaml.safe_load_all(stream) if doc is not None]
    return documents


def help_flags(subcommand):
    """{flag: takes a value} from `amp <subcommand> --help`, or None if the binary has no such subcommand."""
    out = subprocess.run([AMP, subcommand, "--help"], capture_output=True, text=True)
    if out.returncode != 0 or not re.search(rf"^Usage: \S+ {subcommand}\b", out.stdout, re.MULTILINE):
        return None
    flags = {}
    for line in out.stdout.splitlines():
        match = re.match(r"^\s+(?:-\w,)?(--[a-z0-9-]+)(?:,-\w)?\s*(\S*)", line)
        if match:
            flags[match.group(1)] = match.group(2) in {"TEXT", "INT", "UINT", "FLOAT", "FLOAT:FLOAT", "INT:INT"} \
                or match.group(2).isupper() and match.group(2).isalpha()
    return flags


def parse_args(args):
    """[(flag, value or None)] from ['--a=1', '--b', '2', '--c'] given nothing else; bare values stay with their flag."""
    parsed = []
    for arg in args:
        if arg.startswith("--"):
            flag, sep, value = arg.partition("=")
            parsed.append([flag, value if sep else None])
        elif parsed and parsed[-1][1] is None:
            parsed[-1][1] = arg
        else:
            parsed.append([None, arg])
    return [tuple(item) for item in parsed]


def cpu_cores(quantity):
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_bytes(quantity):
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "k": 1000, "M": 10**6, "G": 10**9}
    text = str(quantity)
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * factor
    return float(text)


class K8sLintTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = load_documents()
        cls.docs = [doc for docs in cls.files.values() for doc in docs]
        cls.by_kind = {}
        for doc in cls.docs:
            cls.by_kind.setdefault(doc["kind"], []).append(doc)
        cls.deployments = {doc["metadata"]["name"]: doc for doc in cls.by_kind.get("Deployment", [])}
        cls.config = {}
        for doc in cls.by_kind.get("ConfigMap", []):
            cls.config[doc["metadata"]["name"]] = {key: str(value) for key, value in doc["data"].items()}
        cls.secrets = {doc["metadata"]["name"]: set(doc.get("stringData", {})) | set(doc.get("data", {}))
                       for doc in cls.by_kind.get("Secret", [])}

    def containers(self):
        for name, deployment in self.deployments.items():
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                yield name, deployment, container

    def test_documents_parse_with_known_kinds_and_names(self):
        self.assertGreaterEqual(len(self.files), 8)
        for file_name, docs in self.files.items():
            self.assertTrue(docs, f"{file_name} has no document")
            for doc in docs:
                self.assertIn((doc.get("apiVersion"), doc.get("kind")), KNOWN_KINDS, file_name)
                if doc["kind"] != "Kustomization":
                    name = doc.get("metadata", {}).get("name", "")
                    self.assertRegex(name, DNS_1123, f"{file_name}: metadata.name")
        kinds = {doc["kind"] for doc in self.docs}
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "PodDisruptionBudget"):
            self.assertIn(kind, kinds)
        self.assertIn("amp-serve", self.deployments)
        self.assertIn("amp-worker", self.deployments)

    def test_kustomization_lists_every_manifest(self):
        kustomization = self.files["kustomization.yaml"][0]
        listed = set(kustomization["resources"])
        for resource in listed:
            self.assertTrue(os.path.exists(os.path.join(K8S, resource)), resource)
        # Every manifest is applied, except the example Secret (created from a secret store instead).
        self.assertEqual(listed, set(self.files) - {"kustomization.yaml", "secret.example.yaml"})

    def test_selectors_match_template_labels(self):
        for name, deployment in self.deployments.items():
            selector = deployment["spec"]["selector"]["matchLabels"]
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            self.assertTrue(selector, name)
            for key, value in selector.items():
                self.assertEqual(labels.get(key), value, f"{name}: selector {key}")
        # Two Deployments whose selectors overlap would fight over each other's pods.
        selectors = [tuple(sorted(d["spec"]["selector"]["matchLabels"].items())) for d in self.deployments.values()]
        self.assertEqual(len(selectors), len(set(selectors)))

    def pods_selected_by(self, selector):
        return [deployment for deployment in self.deployments.values()
                if all(deployment["spec"]["template"]["metadata"]["labels"].get(key) == value
                       for key, value in selector.items())]

    def test_services_select_existing_pods_and_ports(self):
        for service in self.by_kind["Service"]:
            name = service["metadata"]["name"]
            targets = self.pods_selected_by(service["spec"]["selector"])
            self.assertTrue(targets, f"Service {name} selects no Deployment's pods")
            for port in service["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                for deployment in targets:
                    ports = [p for c in deployment["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])]
                    if isinstance(target, str):
                        self.assertIn(target, [p.get("name") for p in ports], f"Service {name}")
                    else:
                        self.assertIn(target, [p["containerPort"] for p in ports], f"Service {name}")

    def test_hpa_targets_a_deployment_with_cpu_requests(self):
        for hpa in self.by_kind["HorizontalPodAutoscaler"]:
            ref = hpa["spec"]["scaleTargetRef"]
            self.assertEqual((ref["apiVersion"], ref["kind"]), ("apps/v1", "Deployment"))
            self.assertIn(ref["name"], self.deployments)
            self.assertLessEqual(hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])
            for metric in hpa["spec"]["metrics"]:
                if metric["type"] == "Resource" and metric["resource"]["target"]["type"] == "Utilization":
                    resource = metric["resource"]["name"]
                    for container in self.deployments[ref["name"]]["spec"]["template"]["spec"]["containers"]:
                        # Utilization is a share of the request: without one the HPA cannot compute it.
                        self.assertIn(resource, container["resources"]["requests"], container["name"])

    def test_pdb_selects_existing_pods(self):
        for pdb in self.by_kind["PodDisruptionBudget"]:
            self.assertTrue(self.pods_selected_by(pdb["spec"]["selector"]["matchLabels"]))
            self.assertTrue(("minAvailable" in pdb["spec"]) != ("maxUnavailable" in pdb["spec"]))

    def test_same_image_for_serve_and_worker(self):
        # Serve and worker pods share the stores' schema, so they must run the same build.
        images = {container["image"] for _, _, container in self.containers()}
        self.assertEqual(len(images), 1, images)
        self.assertRegex(images.pop(), r"^[a-z0-9./-]+(:[A-Za-z0-9._-]+)$")  # a pinned tag, not implicit :latest

    def test_security_context_and_writable_paths(self):
        for name, deployment, container in self.containers():
            pod = deployment["spec"]["template"]["spec"]
            self.assertTrue(pod["securityContext"]["runAsNonRoot"], name)
            self.assertNotEqual(pod["securityContext"].get("runAsUser"), 0, name)
            context = container["securityContext"]
            self.assertTrue(context["readOnlyRootFilesystem"], name)
            self.assertFalse(context["allowPrivilegeEscalation"], name)
            self.assertEqual(context["capabilities"]["drop"], ["ALL"], name)
            volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
            mounts = {}
            for mount in container.get("volumeMounts", []):
                self.assertIn(mount["name"], volumes, f"{name}: mount of an undeclared volume")
                mounts[mount["mountPath"]] = mount
            # amp writes its data folder (uploads, request log) and temp files: both must be mounted volumes.
            args = dict(flag for flag in parse_args(container["args"][1:]) if flag[0])
            for path in (args.get("--data-dir"), "/tmp"):
                self.assertIn(path, mounts, f"{name}: {path} is on the read-only root filesystem")
                self.assertFalse(mounts[path].get("readOnly", False))
            for flag in ("--webhook-secret-file", "--encryption-key-file", "--tls-cert", "--tls-key"):
                if flag in args:
                    folder, file_name = os.path.split(args[flag])
                    self.assertIn(folder, mounts, f"{name}: {flag}")
                    secret = volumes[mounts[folder]["name"]]["secret"]
                    self.assertIn(file_name, [item["path"] for item in secret["items"]], f"{name}: {flag}")
                    self.assertIn(secret["secretName"], self.secrets)

    def test_env_secret_and_config_references_exist(self):
        for name, _, container in self.containers():
            defined = set()
            for env in container.get("env", []):
                defined.add(env["name"])
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    self.assertIn(ref["name"], self.secrets, f"{name}: {env['name']}")
                    self.assertIn(ref["key"], self.secrets[ref["name"]], f"{name}: {env['name']}")
            for source in container.get("envFrom", []):
                config = source["configMapRef"]["name"]
                self.assertIn(config, self.config, name)
                defined |= set(self.config[config])
            for arg in container["args"]:
                for variable in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                    self.assertIn(variable, defined, f"{name}: {arg} refers to an undefined variable")

    def resolved_args(self, container):
        """The container's flags with $(VAR) replaced from its ConfigMaps (Secret values stay as references)."""
        values = {}
        for source in container.get("envFrom", []):
            values.update(self.config[source["configMapRef"]["name"]])
        resolved = []
        for flag, value in parse_args(container["args"][1:]):
            if value is not None:
                value = re.sub(r"\$\(([A-Za-z0-9_]+)\)", lambda m: values.get(m.group(1), m.group(0)), value)
            resolved.append((flag, value))
        return resolved

    def check_flags(self, name, container, subcommand):
        flags = help_flags(subcommand)
        self.assertEqual(container["args"][0], subcommand, name)
        if flags is None:
            return None
        for flag, value in parse_args(container["args"][1:]):
            self.assertIsNotNone(flag, f"{name}: stray argument {value!r}")
            self.assertIn(flag, flags, f"{name}: `amp {subcommand}` has no flag {flag}")
            if flags[flag]:
                self.assertTrue(value, f"{name}: {flag} needs a value")
            else:
                self.assertIsNone(value, f"{name}: {flag} is a switch and takes no value")
        return flags

    def test_serve_args_are_flags_amp_serve_accepts(self):
        deployment = self.deployments["amp-serve"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        self.assertIsNotNone(self.check_flags("amp-serve", container, "serve"),
                             "`amp serve --help` did not list flags")
        args = dict(self.resolved_args(container))
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        self.assertEqual(int(args["--port"]), ports["http"])
        # Listening on the pod's address without TLS needs --insecure-http (amp refuses to start otherwise).
        self.assertEqual(args["--host"], "0.0.0.0")
        self.assertTrue("--insecure-http" in args or "--tls-cert" in args)
        # One HTTP thread per core the container may use (amp's default counts the node's cores).
        self.assertLessEqual(int(args["--threads"]), cpu_cores(container["resources"]["limits"]["cpu"]))
        # The model cache fits inside the memory limit with room to spare.
        limit = memory_bytes(container["resources"]["limits"]["memory"])
        self.assertLess(int(args["--model-cache-bytes"]), 0.75 * limit)
        self.assertEqual(args["--training-workers"], "0")  # serve pods leave training to the worker Deployment
        self.assertTrue(args["--artifacts"].startswith("s3://"), "replicas need the shared artifact store")

    def test_worker_args_are_flags_amp_worker_accepts(self):
        deployment = self.deployments["amp-worker"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        self.assertIsNotNone(self.check_flags("amp-worker", container, "worker"),
                             "`amp worker --help` did not list flags")
        serve = self.deployments["amp-serve"]["spec"]["template"]["spec"]["containers"][0]
        serve_args, worker_args = dict(parse_args(serve["args"][1:])), dict(parse_args(container["args"][1:]))
        # Workers must publish into the stores the replicas serve from, with the same at-rest key, and sign job
        # callbacks with the key receivers verify.
        for flag in ("--metadata", "--artifacts", "--s3-endpoint", "--encryption-key-file", "--webhook-secret-file"):
            self.assertEqual(worker_args.get(flag), serve_args.get(flag), flag)

    def test_probes_ask_routes_amp_serves(self):
        probes = {}  # Deployment -> [(kind, path)]
        for name, _, container in self.containers():
            port_names = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
            for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
                probe = container.get(kind)
                if probe is None:
                    continue
                port = probe["httpGet"]["port"]
                self.assertTrue(port in port_names or port in port_names.values(), f"{name} {kind}")
                probes.setdefault(name, []).append((kind, probe["httpGet"]["path"]))
        for name in ("amp-serve", "amp-worker"):
            container = self.deployments[name]["spec"]["template"]["spec"]["containers"][0]
            self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/readyz", name)
            self.assertEqual(container["livenessProbe"]["httpGet"]["path"], "/healthz", name)
        # Each probed path answers 200 from a real `amp serve`, and the worker's from a real `amp worker`'s health
        # listener (on the same data folder, as workers share the replicas' stores).
        work = tempfile.mkdtemp(prefix="amp_k8s_lint_")
        data = os.path.join(work, "data")
        serve_port_file, worker_port_file = os.path.join(work, "port"), os.path.join(work, "worker-port")
        processes = []
        try:
            processes.append(subprocess.Popen(
                [AMP, "serve", "--port", "0", "--port-file", serve_port_file, "--data-dir", data, "--no-demo",
                 "--no-access-log", "--training-workers", "0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + 60
            serve_url = self.wait_for_port(processes[0], serve_port_file, deadline)
            processes.append(subprocess.Popen(
                [AMP, "worker", "--data-dir", data, "--health-port", "0", "--health-port-file", worker_port_file],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            worker_url = self.wait_for_port(processes[1], worker_port_file, deadline)
            for name, url in (("amp-serve", serve_url), ("amp-worker", worker_url)):
                for kind, path in probes.get(name, []):
                    self.assertEqual(self.status_of(url + path, deadline), 200, f"{name} {kind} {path}")
                # So a 200 above means the route exists.
                self.assertEqual(self.status_of(url + "/no-such-probe", deadline, retry=False), 404, name)
        finally:
            for process in reversed(processes):
                process.terminate()
                process.wait(timeout=20)
            shutil.rmtree(work, ignore_errors=True)

    def test_worker_health_listener_matches_its_port_and_scrape_annotation(self):
        deployment = self.deployments["amp-worker"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        args = dict(self.resolved_args(container))
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        self.assertEqual(int(args["--health-port"]), ports["health"])
        self.assertEqual(args["--health-host"], "0.0.0.0")  # the kubelet probes the pod's address, not loopback
        serve = self.deployments["amp-serve"]["spec"]["template"]["spec"]["containers"][0]
        serve_port = {port["name"]: port["containerPort"] for port in serve["ports"]}["http"]
        for name, port in (("amp-worker", ports["health"]), ("amp-serve", serve_port)):
            annotations = self.deployments[name]["spec"]["template"]["metadata"].get("annotations", {})
            self.assertEqual(annotations.get("prometheus.io/path"), "/metrics", name)
            self.assertEqual(int(annotations.get("prometheus.io/port")), port, name)

    def wait_for_port(self, process, port_file, deadline):
        """The base URL of a process that writes its bound port to port_file once listening."""
        port = ""
        while not port:
            self.assertIsNone(process.poll(), f"{process.args[1]} exited")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
            if os.path.exists(port_file):
                with open(port_file) as stream:
                    port = stream.read().strip()
        return f"http://127.0.0.1:{int(port)}"

    def status_of(self, url, deadline, retry=True):
        """The HTTP status of GET url, retried (503 while starting, or not listening yet) until 200 or the deadline."""
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return response.status
            except Exception as error:
                status = getattr(error, "code", None)
                if hasattr(error, "close"):
                    error.close()  # an open response would hold the connection and delay the server's drain
                if not retry:
                    return status
                time.sleep(0.05)
        return status


def main():
    global AMP
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--amp", required=True)
    args, rest = parser.parse_known_args()
    AMP = os.path.abspath(args.amp)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
