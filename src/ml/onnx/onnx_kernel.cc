#include "ml/onnx/onnx_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

core::Result<const OnnxAttribute*> Find(const std::map<std::string, OnnxAttribute, std::less<>>& attributes,
                                        std::string_view name, OnnxAttribute::Kind kind) {
  auto it = attributes.find(name);
  if (it == attributes.end()) return static_cast<const OnnxAttribute*>(nullptr);
  if (it->second.kind != kind) return core::InvalidArgument("attribute '" + std::string(name) + "' has the wrong type");
  return &it->second;
}

}  // namespace

core::Result<int64_t> OnnxAttributes::Int(std::string_view name, int64_t fallback) const {
  AMP_ASSIGN_OR_RETURN(const OnnxAttribute* attribute, Find(attributes_, name, OnnxAttribute::Kind::kInt));
  return attribute == nullptr ? fallback : attribute->i;
}

core::Result<float> OnnxAttributes::Float(std::string_view name, float fallback) const {
  AMP_ASSIGN_OR_RETURN(const OnnxAttribute* attribute, Find(attributes_, name, OnnxAttribute::Kind::kFloat));
  return attribute == nullptr ? fallback : attribute->f;
}

core::Result<std::string> OnnxAttributes::String(std::string_view name, std::string fallback) const {
  AMP_ASSIGN_OR_RETURN(const OnnxAttribute* attribute, Find(attributes_, name, OnnxAttribute::Kind::kString));
  return attribute == nullptr ? fallback : attribute->s;
}

core::Result<std::vector<int64_t>> OnnxAttributes::Ints(std::string_view name) const {
  AMP_ASSIGN_OR_RETURN(const OnnxAttribute* attribute, Find(attributes_, name, OnnxAttribute::Kind::kInts));
  return attribute == nullptr ? std::vector<int64_t>{} : attribute->ints;
}

core::Result<std::vector<float>> OnnxAttributes::Floats(std::string_view name) const {
  AMP_ASSIGN_OR_RETURN(const OnnxAttribute* attribute, Find(attributes_, name, OnnxAttribute::Kind::kFloats));
  return attribute == nullptr ? std::vector<float>{} : attribute->floats;
}

core::Result<std::vector<std::string>> OnnxAttributes::Strings(std::string_view name) const {
  AMP_ASSIGN_OR_RETURN(const OnnxAttribute* attribute, Find(attributes_, name, OnnxAttribute::Kind::kStrings));
  return attribute == nullptr ? std::vector<std::string>{} : attribute->strings;
}

std::vector<std::string> OnnxAttributes::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, attribute] : attributes_) names.push_back(name);
  return names;
}

bool IsSupportedOperator(std::string_view domain, std::string_view op_type) {
  static const char* const kDense[] = {"Identity", "Flatten", "Reshape", "Concat",  "Cast",   "MatMul",
                                       "Gemm",     "Add",     "Relu",    "Sigmoid", "Softmax"};
  static const char* const kMl[] = {
      "Imputer",         "Scaler",           "LabelEncoder",          "OneHotEncoder",
      "LinearRegressor", "LinearClassifier", "TreeEnsembleRegressor", "TreeEnsembleClassifier"};
  if (domain.empty() || domain == "ai.onnx") {
    for (const char* op : kDense) {
      if (op_type == op) return true;
    }
    return false;
  }
  if (domain == "ai.onnx.ml") {
    for (const char* op : kMl) {
      if (op_type == op) return true;
    }
  }
  return false;
}

core::Result<std::unique_ptr<OnnxKernel>> CreateKernel(const OnnxNodeSpec& node, const OnnxAttributes& attributes) {
  core::Result<std::unique_ptr<OnnxKernel>> kernel =
      node.domain == "ai.onnx.ml" ? CreateMlKernel(node, attributes) : CreateDenseKernel(node, attributes);
  if (!kernel.ok()) return kernel.status();
  if (*kernel == nullptr) return core::InvalidArgument("unsupported ONNX operator " + node.op_type);
  return kernel;
}

core::Status Invalid(std::string_view op, const std::string& message) {
  return core::InvalidArgument(std::string(op) + ": " + message);
}

core::Result<int64_t> CheckedElementCount(std::span<const int64_t> shape) {
  if (shape.size() > kMaxRank) return core::InvalidArgument("tensor of rank " + std::to_string(shape.size()));
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return core::InvalidArgument("negative dimension " + std::to_string(dim));
    if (dim > 0 && count > kMaxElements / dim) {
      return core::InvalidArgument("tensor of more than " + std::to_string(kMaxElements) + " elements");
    }
    count *= dim;
  }
  return count;
}

core::Status MatrixShape(const OnnxTensor& tensor, std::string_view op, int64_t* rows, int64_t* cols) {
  if (tensor.shape.size() == 1) {
    *rows = 1;
    *cols = tensor.shape[0];
  } else if (tensor.shape.size() == 2) {
    *rows = tensor.shape[0];
    *cols = tensor.shape[1];
  } else {
    return core::InvalidArgument(std::string(op) + ": takes a [C] or [N, C] tensor, not " + tensor.Describe());
  }
  return core::Status::Ok();
}

core::Result<std::vector<float>> AsFloats(const OnnxTensor& tensor, std::string_view op) {
  switch (tensor.type) {
    case OnnxElementType::kFloat:
      return tensor.floats;
    case OnnxElementType::kInt64:
      return std::vector<float>(tensor.ints.begin(), tensor.ints.end());
    case OnnxElementType::kString:
      break;
  }
  return core::InvalidArgument(std::string(op) + ": takes numbers, not " + tensor.Describe());
}

}  // namespace amp::ml::onnx_kernels
