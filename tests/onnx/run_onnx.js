// Scores rows with an ONNX model in ONNX Runtime (onnxruntime-node, CPU), for tests/e2e/onnx_export_test.py.
// Reads JSON on stdin: {"model": "<path>", "inputs": {"<name>": {"type": "float" | "string", "values": [...]}}},
// one value per row (null: NaN for floats, "" for strings), each fed as an [N, 1] tensor unless the input gives its
// "dims" (the values then fill that shape, row-major). Prints JSON on stdout:
// {"outputs": {"<name>": [the tensor's values, row-major: numbers, or strings for a label]}, "dims": {"<name>": [...]}}.
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  const session = await ort.InferenceSession.create(request.model, {executionProviders: ['cpu']});
  const feeds = {};
  for (const [name, input] of Object.entries(request.inputs)) {
    const rows = input.values.length;
    const dims = input.dims || [rows, 1];
    if (input.type === 'string') {
      feeds[name] = new ort.Tensor('string', input.values.map((value) => (value === null ? '' : String(value))),
                                   dims);
    } else {
      feeds[name] = new ort.Tensor('float32',
                                   Float32Array.from(input.values, (value) => (value === null ? NaN : value)),
                                   dims);
    }
  }
  const results = await session.run(feeds);
  const outputs = {};
  const dims = {};
  for (const name of session.outputNames) {
    outputs[name] = Array.from(results[name].data, (value) => (typeof value === 'bigint' ? Number(value) : value));
    dims[name] = Array.from(results[name].dims);
  }
  process.stdout.write(JSON.stringify({outputs, dims}));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
