// OnnxGraph: AMP's own small ONNX executor. Load parses a serialized ModelProto and checks it once: opsets, a graph
// in topological order whose every value is defined once before use, operators AMP implements (the ai.onnx.ml
// preprocessing and model operators and a few dense ones; see docs/models.md), their attributes, initializers and
// the declared input types. Run evaluates it on float, int64 and string tensors. Hostile models (cycles, missing
// values, huge dimensions, bad attributes) are errors from Load or Run, never crashes; tensors are capped at
// onnx_kernels::kMaxElements elements. Used by OnnxModel (imported models) and by tests against ONNX Runtime.
// Immutable after Load; Run is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ml/onnx/onnx_tensor.h"

namespace amp::ml {

namespace onnx_kernels {
class OnnxKernel;
}

// A graph input or output as the model declares it: its name, element type and dimensions (-1 where symbolic or
// unknown). `has_shape` is false when the model declares no shape.
struct OnnxValueInfo {
  std::string name;
  OnnxElementType type = OnnxElementType::kFloat;
  bool has_shape = false;
  std::vector<int64_t> dims;
};

class OnnxGraph {
 public:
  ~OnnxGraph();
  OnnxGraph(const OnnxGraph&) = delete;
  OnnxGraph& operator=(const OnnxGraph&) = delete;

  // InvalidArgument for bytes that are not a ModelProto or a graph that fails the checks above; FailedPrecondition
  // naming every unsupported operator ("unsupported ONNX operators: Foo, ai.onnx.ml.Bar").
  static core::Result<std::shared_ptr<const OnnxGraph>> Load(std::string_view bytes);

  // The graph's inputs (without initializers) and outputs, in the model's order.
  const std::vector<OnnxValueInfo>& inputs() const { return inputs_; }
  const std::vector<OnnxValueInfo>& outputs() const { return outputs_; }
  // The operators used, each once, as "Gemm" or "ai.onnx.ml.TreeEnsembleClassifier", sorted.
  const std::vector<std::string>& operators() const { return operators_; }
  int64_t opset() const { return opset_; }
  int64_t ml_opset() const { return ml_opset_; }

  // Evaluates the graph. `inputs` holds one tensor per inputs() entry, in that order, of its declared type and
  // rank, whose fixed dimensions match. Returns one tensor per outputs() entry. InvalidArgument for inputs that
  // do not match or for values an operator cannot take (naming it).
  core::Result<std::vector<OnnxTensor>> Run(std::vector<OnnxTensor> inputs) const;

 private:
  struct Node;
  OnnxGraph();

  std::vector<OnnxValueInfo> inputs_;
  std::vector<OnnxValueInfo> outputs_;
  std::vector<std::string> operators_;
  int64_t opset_ = 0;
  int64_t ml_opset_ = 0;
  size_t value_count_ = 0;                // slots: inputs, then initializers, then node outputs
  std::vector<OnnxTensor> initializers_;  // in slots inputs_.size() ...
  std::vector<Node> nodes_;
  std::vector<size_t> output_slots_;
};

// A TensorProto (as the ONNX test data stores inputs and outputs) as a tensor. InvalidArgument if it does not
// parse, has another element type than float, int64 or string, external data, or values that disagree with dims.
core::Result<OnnxTensor> ParseOnnxTensor(std::string_view bytes);

}  // namespace amp::ml
