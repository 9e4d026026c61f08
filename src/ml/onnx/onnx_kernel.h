// OnnxKernel: one operator of an ONNX graph, built once when OnnxGraph loads the model (attributes parsed and
// checked then) and run for every request. Internal to ml/onnx/: OnnxGraph turns NodeProtos into OnnxAttributes so
// kernels never see protobuf. Kernels are immutable after creation; Run is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ml/onnx/onnx_tensor.h"

namespace amp::ml::onnx_kernels {

// Values are bounded so a hostile model or request cannot make the executor allocate without limit.
inline constexpr int64_t kMaxElements = int64_t{1} << 25;  // per tensor (128 MiB of floats)
inline constexpr size_t kMaxRank = 8;

// A node's attributes by name, one of the fields set per attribute.
struct OnnxAttribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor, kOther };
  Kind kind = Kind::kOther;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  OnnxTensor tensor;
};

class OnnxAttributes {
 public:
  explicit OnnxAttributes(std::map<std::string, OnnxAttribute, std::less<>> attributes)
      : attributes_(std::move(attributes)) {}

  bool Has(std::string_view name) const { return attributes_.contains(name); }
  // Each getter: the attribute's value, `fallback` if absent; InvalidArgument if present with another kind.
  core::Result<int64_t> Int(std::string_view name, int64_t fallback) const;
  core::Result<float> Float(std::string_view name, float fallback) const;
  core::Result<std::string> String(std::string_view name, std::string fallback) const;
  core::Result<std::vector<int64_t>> Ints(std::string_view name) const;  // empty if absent
  core::Result<std::vector<float>> Floats(std::string_view name) const;
  core::Result<std::vector<std::string>> Strings(std::string_view name) const;
  // The names of the attributes present, for refusing unsupported ones.
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, OnnxAttribute, std::less<>> attributes_;
};

class OnnxKernel {
 public:
  virtual ~OnnxKernel() = default;
  // Computes the node's outputs from its inputs (nullptr for an omitted optional input). `outputs` has one entry
  // per output the node names. InvalidArgument naming the operator for inputs it cannot take (types, shapes).
  virtual core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const = 0;
};

// What CreateKernel needs to know about the node.
struct OnnxNodeSpec {
  std::string op_type;
  std::string domain;  // "" for ai.onnx, "ai.onnx.ml"
  int64_t opset = 0;   // the model's opset for the domain
  size_t input_count = 0;
  size_t output_count = 0;
};

// True if the executor implements `op_type` of `domain` at all (for naming unsupported operators).
bool IsSupportedOperator(std::string_view domain, std::string_view op_type);

// The kernel for a node. InvalidArgument naming the operator for an unsupported operator, attribute value or
// input/output count.
core::Result<std::unique_ptr<OnnxKernel>> CreateKernel(const OnnxNodeSpec& node, const OnnxAttributes& attributes);

// Per family (onnx_dense_kernels.cc, onnx_ml_kernels.cc); nullptr result if the family lacks the operator.
core::Result<std::unique_ptr<OnnxKernel>> CreateDenseKernel(const OnnxNodeSpec& node, const OnnxAttributes& attributes);
core::Result<std::unique_ptr<OnnxKernel>> CreateMlKernel(const OnnxNodeSpec& node, const OnnxAttributes& attributes);
// The ai.onnx.ml families CreateMlKernel picks from once it has checked the node's input and output counts
// (onnx_preprocessing_kernels.cc, onnx_linear_kernels.cc, onnx_tree_ensemble_kernels.cc).
core::Result<std::unique_ptr<OnnxKernel>> CreatePreprocessingKernel(const OnnxNodeSpec& node,
                                                                    const OnnxAttributes& attributes);
core::Result<std::unique_ptr<OnnxKernel>> CreateLinearKernel(const OnnxNodeSpec& node,
                                                             const OnnxAttributes& attributes);
core::Result<std::unique_ptr<OnnxKernel>> CreateTreeEnsembleKernel(const OnnxNodeSpec& node,
                                                                   const OnnxAttributes& attributes);

// Helpers shared by the kernels.
// InvalidArgument with "<op>: " before `message`.
core::Status Invalid(std::string_view op, const std::string& message);
// The element count of `shape`; InvalidArgument if a dimension is negative or the count exceeds kMaxElements.
core::Result<int64_t> CheckedElementCount(std::span<const int64_t> shape);
// An input's rank-2 view [rows, cols] as the ai.onnx.ml operators take it: [C] is one row, [N, C] itself;
// InvalidArgument otherwise.
core::Status MatrixShape(const OnnxTensor& tensor, std::string_view op, int64_t* rows, int64_t* cols);
// The input's values as floats (int64 converted); InvalidArgument for strings.
core::Result<std::vector<float>> AsFloats(const OnnxTensor& tensor, std::string_view op);

}  // namespace amp::ml::onnx_kernels
