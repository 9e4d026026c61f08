#include "ml/onnx/onnx_tensor.h"

namespace amp::ml {

std::string_view OnnxElementTypeName(OnnxElementType type) {
  switch (type) {
    case OnnxElementType::kFloat:
      return "float";
    case OnnxElementType::kInt64:
      return "int64";
    case OnnxElementType::kString:
      return "string";
  }
  return "?";
}

int64_t OnnxTensor::ElementCount() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

size_t OnnxTensor::ValueCount() const {
  switch (type) {
    case OnnxElementType::kFloat:
      return floats.size();
    case OnnxElementType::kInt64:
      return ints.size();
    case OnnxElementType::kString:
      return strings.size();
  }
  return 0;
}

std::string OnnxTensor::Describe() const {
  std::string text = std::string(OnnxElementTypeName(type)) + " [";
  for (size_t dim_idx = 0; dim_idx < shape.size(); ++dim_idx) {
    if (dim_idx > 0) text += ", ";
    text += std::to_string(shape[dim_idx]);
  }
  return text + "]";
}

OnnxTensor OnnxTensor::Floats(std::vector<int64_t> shape, std::vector<float> values) {
  OnnxTensor tensor;
  tensor.type = OnnxElementType::kFloat;
  tensor.shape = std::move(shape);
  tensor.floats = std::move(values);
  return tensor;
}

OnnxTensor OnnxTensor::Ints(std::vector<int64_t> shape, std::vector<int64_t> values) {
  OnnxTensor tensor;
  tensor.type = OnnxElementType::kInt64;
  tensor.shape = std::move(shape);
  tensor.ints = std::move(values);
  return tensor;
}

OnnxTensor OnnxTensor::Strings(std::vector<int64_t> shape, std::vector<std::string> values) {
  OnnxTensor tensor;
  tensor.type = OnnxElementType::kString;
  tensor.shape = std::move(shape);
  tensor.strings = std::move(values);
  return tensor;
}

}  // namespace amp::ml
