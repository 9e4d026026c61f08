// OnnxTensor: a dense tensor as AMP's ONNX executor (OnnxGraph) passes it between operators: a shape and the values
// of one element type, row-major. Float, int64 and string tensors only: the element types the supported operators
// take. A plain value type; not thread-safe to mutate, safe to read from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amp::ml {

enum class OnnxElementType { kFloat, kInt64, kString };

// "float", "int64", "string".
std::string_view OnnxElementTypeName(OnnxElementType type);

struct OnnxTensor {
  OnnxElementType type = OnnxElementType::kFloat;
  std::vector<int64_t> shape;        // empty: a scalar (one element)
  std::vector<float> floats;         // the values of a kFloat tensor
  std::vector<int64_t> ints;         // of a kInt64 tensor
  std::vector<std::string> strings;  // of a kString tensor

  // The product of the dimensions (1 for a scalar).
  int64_t ElementCount() const;
  // The number of values held (of the tensor's own type).
  size_t ValueCount() const;
  // "float [2, 3]", for messages.
  std::string Describe() const;

  static OnnxTensor Floats(std::vector<int64_t> shape, std::vector<float> values);
  static OnnxTensor Ints(std::vector<int64_t> shape, std::vector<int64_t> values);
  static OnnxTensor Strings(std::vector<int64_t> shape, std::vector<std::string> values);
};

}  // namespace amp::ml
