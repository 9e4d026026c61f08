"""ONNX Runtime for the end-to-end tests: tests/onnx/run_onnx.js under node, with onnxruntime-node (CPU) from npm
installed into tests/onnx/node_modules by scripts/install-deps.sh. See run_onnx.js for the request and answer."""

import json
import shutil
import subprocess

from amp_server import REPO_ROOT

RUNNER = REPO_ROOT / "tests" / "onnx" / "run_onnx.js"


def find_node():
    """The node binary; RuntimeError naming what to install when node or onnxruntime-node is missing."""
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "tests" / "onnx" / "node_modules" / "onnxruntime-node").is_dir():
        raise RuntimeError("node and tests/onnx/node_modules/onnxruntime-node are needed: run scripts/install-deps.sh")
    return node


def run_onnx(node, model_path, inputs):
    """Runs the model at model_path on inputs ({name: {"type", "values"[, "dims"]}}); returns run_onnx.js's answer
    ({"outputs": ..., "dims": ...}). AssertionError, with the runner's stderr, if it fails."""
    request = json.dumps({"model": str(model_path), "inputs": inputs})
    ran = subprocess.run([node, str(RUNNER)], input=request.encode(), capture_output=True, timeout=120)
    if ran.returncode != 0:
        raise AssertionError(f"run_onnx.js exited {ran.returncode}: " + ran.stderr.decode(errors="replace")[-2000:])
    return json.loads(ran.stdout)
