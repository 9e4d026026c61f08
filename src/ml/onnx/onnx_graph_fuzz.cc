// libFuzzer target: AMP's ONNX executor on arbitrary bytes. Load must give a graph or an error, and a loaded graph
// must run on small inputs of its declared types (dims 1 where symbolic) to outputs or an error: never a crash, a
// hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/onnx/onnx_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto graph = amp::ml::OnnxGraph::Load(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!graph.ok()) return 0;
  std::vector<amp::ml::OnnxTensor> inputs;
  for (const amp::ml::OnnxValueInfo& info : (*graph)->inputs()) {
    amp::ml::OnnxTensor tensor;
    tensor.type = info.type;
    int64_t count = 1;
    for (int64_t dim : info.dims) {
      const int64_t used = dim < 0 ? 1 : dim;
      if (used > 64 || count * used > 4096) return 0;  // large declared inputs: not what this target explores
      tensor.shape.push_back(used);
      count *= used;
    }
    const auto values = static_cast<size_t>(count);
    tensor.floats.assign(info.type == amp::ml::OnnxElementType::kFloat ? values : 0, 0.5f);
    tensor.ints.assign(info.type == amp::ml::OnnxElementType::kInt64 ? values : 0, 1);
    tensor.strings.assign(info.type == amp::ml::OnnxElementType::kString ? values : 0, "a");
    inputs.push_back(std::move(tensor));
  }
  (void)(*graph)->Run(std::move(inputs));
  return 0;
}
