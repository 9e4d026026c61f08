// The ai.onnx operators of AMP's ONNX executor: Identity, Flatten, Reshape, Concat, Cast, MatMul, Gemm, Add, Relu,
// Sigmoid, Softmax. Sums of products are formed in double and rounded to float once, so results are within float
// rounding of any runtime's.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "ml/onnx/onnx_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

constexpr int64_t kOnnxFloat = 1;
constexpr int64_t kOnnxInt64 = 7;

std::string ShapeText(std::span<const int64_t> shape) {
  std::string text = "[";
  for (size_t dim_idx = 0; dim_idx < shape.size(); ++dim_idx) {
    if (dim_idx > 0) text += ", ";
    text += std::to_string(shape[dim_idx]);
  }
  return text + "]";
}

// Normalizes `axis` into [0, rank) (or [0, rank] with `inclusive`, as Flatten takes it); a negative axis counts from
// the end (axis + rank). InvalidArgument outside.
core::Result<int64_t> NormalizeAxis(std::string_view op, int64_t axis, int64_t rank, bool inclusive = false) {
  const int64_t limit = inclusive ? rank + 1 : rank;
  if (axis < -rank || axis >= limit) {
    return Invalid(op, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

class IdentityKernel final : public OnnxKernel {
 public:
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    outputs[0] = *inputs[0];
    return core::Status::Ok();
  }
};

// Copies the values of `input` into `output` under `shape` (same element count, checked by the caller).
void Reshaped(const OnnxTensor& input, std::vector<int64_t> shape, OnnxTensor* output) {
  *output = input;
  output->shape = std::move(shape);
}

class FlattenKernel final : public OnnxKernel {
 public:
  explicit FlattenKernel(int64_t axis) : axis_(axis) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    const auto rank = static_cast<int64_t>(input.shape.size());
    AMP_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis("Flatten", axis_, rank, /*inclusive=*/true));
    int64_t outer = 1;
    int64_t inner = 1;
    for (int64_t dim_idx = 0; dim_idx < rank; ++dim_idx) {
      (dim_idx < axis ? outer : inner) *= input.shape[static_cast<size_t>(dim_idx)];
    }
    Reshaped(input, {outer, inner}, &outputs[0]);
    return core::Status::Ok();
  }

 private:
  int64_t axis_;
};

class ReshapeKernel final : public OnnxKernel {
 public:
  explicit ReshapeKernel(bool allow_zero) : allow_zero_(allow_zero) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    const OnnxTensor* requested = inputs[1];
    if (requested == nullptr || requested->type != OnnxElementType::kInt64 || requested->shape.size() != 1) {
      return Invalid("Reshape", "the shape input must be a 1-D int64 tensor");
    }
    if (requested->ints.size() > kMaxRank) return Invalid("Reshape", "shape of rank above 8");
    std::vector<int64_t> shape = requested->ints;
    int64_t inferred = -1;
    int64_t known = 1;
    for (size_t dim_idx = 0; dim_idx < shape.size(); ++dim_idx) {
      int64_t& dim = shape[dim_idx];
      if (dim == 0 && !allow_zero_) {
        if (dim_idx >= input.shape.size()) return Invalid("Reshape", "0 copies a dimension the input lacks");
        dim = input.shape[dim_idx];
      }
      if (dim == -1) {
        if (inferred >= 0) return Invalid("Reshape", "more than one -1 in the shape");
        inferred = static_cast<int64_t>(dim_idx);
        continue;
      }
      if (dim < 0) return Invalid("Reshape", "negative dimension " + std::to_string(dim));
      if (dim > 0 && known > kMaxElements / dim) return Invalid("Reshape", "shape too large");
      known *= dim;
    }
    const int64_t count = input.ElementCount();
    if (inferred >= 0) {
      if (known == 0 || count % known != 0) {
        return Invalid("Reshape",
                       "cannot infer -1 reshaping " + input.Describe() + " to " + ShapeText(requested->ints));
      }
      shape[static_cast<size_t>(inferred)] = count / known;
    } else if (known != count) {
      return Invalid("Reshape", "cannot reshape " + input.Describe() + " to " + ShapeText(requested->ints));
    }
    Reshaped(input, std::move(shape), &outputs[0]);
    return core::Status::Ok();
  }

 private:
  bool allow_zero_;
};

template <typename T>
void ConcatValues(std::span<const OnnxTensor* const> inputs, const std::vector<T> OnnxTensor::*values, int64_t outer,
                  const std::vector<int64_t>& inner_sizes, std::vector<T>* out) {
  for (int64_t outer_idx = 0; outer_idx < outer; ++outer_idx) {
    for (size_t input_idx = 0; input_idx < inputs.size(); ++input_idx) {
      const std::vector<T>& source = inputs[input_idx]->*values;
      const int64_t inner = inner_sizes[input_idx];
      out->insert(out->end(), source.begin() + outer_idx * inner, source.begin() + (outer_idx + 1) * inner);
    }
  }
}

class ConcatKernel final : public OnnxKernel {
 public:
  explicit ConcatKernel(int64_t axis) : axis_(axis) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    if (inputs.empty()) return Invalid("Concat", "no inputs");
    for (const OnnxTensor* input : inputs) {
      if (input == nullptr) return Invalid("Concat", "an input is missing");
    }
    const OnnxTensor& first = *inputs[0];
    const auto rank = static_cast<int64_t>(first.shape.size());
    if (rank == 0) return Invalid("Concat", "cannot concatenate scalars");
    AMP_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis("Concat", axis_, rank));
    std::vector<int64_t> shape = first.shape;
    shape[static_cast<size_t>(axis)] = 0;
    int64_t outer = 1;
    for (int64_t dim_idx = 0; dim_idx < axis; ++dim_idx) outer *= first.shape[static_cast<size_t>(dim_idx)];
    std::vector<int64_t> inner_sizes;
    for (const OnnxTensor* input : inputs) {
      if (input->type != first.type || input->shape.size() != first.shape.size()) {
        return Invalid("Concat", "inputs " + first.Describe() + " and " + input->Describe() + " differ");
      }
      int64_t inner = 1;
      for (int64_t dim_idx = 0; dim_idx < rank; ++dim_idx) {
        const int64_t dim = input->shape[static_cast<size_t>(dim_idx)];
        if (dim_idx != axis && dim != first.shape[static_cast<size_t>(dim_idx)]) {
          return Invalid("Concat", "inputs " + first.Describe() + " and " + input->Describe() + " differ");
        }
        if (dim_idx >= axis) inner *= dim;
      }
      shape[static_cast<size_t>(axis)] += input->shape[static_cast<size_t>(axis)];
      inner_sizes.push_back(inner);
    }
    AMP_RETURN_IF_ERROR(CheckedElementCount(shape).status());
    OnnxTensor& out = outputs[0];
    out = OnnxTensor{};
    out.type = first.type;
    out.shape = std::move(shape);
    switch (first.type) {
      case OnnxElementType::kFloat:
        ConcatValues(inputs, &OnnxTensor::floats, outer, inner_sizes, &out.floats);
        break;
      case OnnxElementType::kInt64:
        ConcatValues(inputs, &OnnxTensor::ints, outer, inner_sizes, &out.ints);
        break;
      case OnnxElementType::kString:
        ConcatValues(inputs, &OnnxTensor::strings, outer, inner_sizes, &out.strings);
        break;
    }
    return core::Status::Ok();
  }

 private:
  int64_t axis_;
};

class CastKernel final : public OnnxKernel {
 public:
  explicit CastKernel(OnnxElementType to) : to_(to) {}

  // Strings to numbers as numpy reads them ("1.5", "-INF", "NaN"); anything else is refused.
  static core::Status ParseStrings(const OnnxTensor& input, OnnxTensor* out) {
    for (const std::string& text : input.strings) {
      const char* begin = text.c_str();
      char* end = nullptr;
      errno = 0;
      if (out->type == OnnxElementType::kFloat) {
        const float value = std::strtof(begin, &end);
        if (end == begin || *end != '\0') return Invalid("Cast", "'" + text.substr(0, 40) + "' is not a number");
        out->floats.push_back(value);
      } else {
        const long long value = std::strtoll(begin, &end, 10);
        if (end == begin || *end != '\0' || errno == ERANGE) {
          return Invalid("Cast", "'" + text.substr(0, 40) + "' is not an int64");
        }
        out->ints.push_back(value);
      }
    }
    return core::Status::Ok();
  }
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    OnnxTensor& out = outputs[0];
    if (input.type == to_) {
      out = input;
      return core::Status::Ok();
    }
    out = OnnxTensor{};
    out.type = to_;
    out.shape = input.shape;
    if (input.type == OnnxElementType::kString) return ParseStrings(input, &out);
    if (to_ == OnnxElementType::kFloat) {
      AMP_ASSIGN_OR_RETURN(out.floats, AsFloats(input, "Cast"));
      return core::Status::Ok();
    }
    out.ints.reserve(input.floats.size());
    for (float value : input.floats) {
      // Truncation toward zero, as C++ and ONNX Runtime convert; values without an int64 are refused.
      if (!(value >= -9.2233720e18f && value < 9.2233720e18f)) {
        return Invalid("Cast", "value " + std::to_string(value) + " has no int64");
      }
      out.ints.push_back(static_cast<int64_t>(value));
    }
    return core::Status::Ok();
  }

 private:
  OnnxElementType to_;
};

// The numpy-style broadcast shape of `a` and `b`; InvalidArgument if they do not broadcast.
core::Result<std::vector<int64_t>> BroadcastShape(std::string_view op, std::span<const int64_t> a,
                                                  std::span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> shape(rank, 1);
  for (size_t dim_idx = 0; dim_idx < rank; ++dim_idx) {
    const int64_t a_dim = dim_idx < rank - a.size() ? 1 : a[dim_idx - (rank - a.size())];
    const int64_t b_dim = dim_idx < rank - b.size() ? 1 : b[dim_idx - (rank - b.size())];
    if (a_dim != b_dim && a_dim != 1 && b_dim != 1) {
      return Invalid(op, "shapes " + ShapeText(a) + " and " + ShapeText(b) + " do not broadcast");
    }
    shape[dim_idx] = a_dim == 1 ? b_dim : a_dim;
  }
  return shape;
}

// For each element of a tensor of shape `out_shape`, the index of the element of a tensor of shape `in_shape`
// (broadcast to it) that it reads.
std::vector<int64_t> BroadcastIndices(std::span<const int64_t> in_shape, std::span<const int64_t> out_shape,
                                      int64_t out_count) {
  const size_t rank = out_shape.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t back = 0; back < in_shape.size(); ++back) {
    const size_t in_dim = in_shape.size() - 1 - back;
    const size_t out_dim = rank - 1 - back;
    strides[out_dim] = in_shape[in_dim] == 1 ? 0 : stride;
    stride *= in_shape[in_dim];
  }
  std::vector<int64_t> indices(static_cast<size_t>(out_count));
  std::vector<int64_t> position(rank, 0);
  int64_t offset = 0;
  for (int64_t element_idx = 0; element_idx < out_count; ++element_idx) {
    indices[static_cast<size_t>(element_idx)] = offset;
    for (size_t dim = rank; dim-- > 0;) {
      ++position[dim];
      offset += strides[dim];
      if (position[dim] < out_shape[dim]) break;
      offset -= strides[dim] * position[dim];
      position[dim] = 0;
    }
  }
  return indices;
}

class AddKernel final : public OnnxKernel {
 public:
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& a = *inputs[0];
    const OnnxTensor& b = *inputs[1];
    if (a.type != b.type || a.type == OnnxElementType::kString) {
      return Invalid("Add", "cannot add " + a.Describe() + " and " + b.Describe());
    }
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> shape, BroadcastShape("Add", a.shape, b.shape));
    AMP_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(shape));
    const std::vector<int64_t> a_idx = BroadcastIndices(a.shape, shape, count);
    const std::vector<int64_t> b_idx = BroadcastIndices(b.shape, shape, count);
    OnnxTensor& out = outputs[0];
    out = OnnxTensor{};
    out.type = a.type;
    out.shape = std::move(shape);
    for (int64_t element_idx = 0; element_idx < count; ++element_idx) {
      const auto i = static_cast<size_t>(element_idx);
      if (a.type == OnnxElementType::kFloat) {
        out.floats.push_back(a.floats[static_cast<size_t>(a_idx[i])] + b.floats[static_cast<size_t>(b_idx[i])]);
      } else {  // wraps around like the two's complement hardware ONNX Runtime runs on
        out.ints.push_back(static_cast<int64_t>(static_cast<uint64_t>(a.ints[static_cast<size_t>(a_idx[i])]) +
                                                static_cast<uint64_t>(b.ints[static_cast<size_t>(b_idx[i])])));
      }
    }
    return core::Status::Ok();
  }
};

class ElementwiseKernel final : public OnnxKernel {
 public:
  enum class Function { kRelu, kSigmoid };
  explicit ElementwiseKernel(Function function) : function_(function) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    const char* op = function_ == Function::kRelu ? "Relu" : "Sigmoid";
    if (input.type != OnnxElementType::kFloat) return Invalid(op, "takes float tensors, not " + input.Describe());
    OnnxTensor& out = outputs[0];
    out = input;
    for (float& value : out.floats) {
      if (function_ == Function::kRelu) {
        value = value < 0.0f ? 0.0f : value;
      } else {
        value = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(value))));
      }
    }
    return core::Status::Ok();
  }

 private:
  Function function_;
};

class SoftmaxKernel final : public OnnxKernel {
 public:
  // Opset 13 on: along `axis` only. Before: the input coerced to 2-D at `axis`, softmax over the second dimension.
  SoftmaxKernel(int64_t axis, bool coerce_2d) : axis_(axis), coerce_2d_(coerce_2d) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (input.type != OnnxElementType::kFloat)
      return Invalid("Softmax", "takes float tensors, not " + input.Describe());
    const auto rank = static_cast<int64_t>(input.shape.size());
    if (rank == 0) return Invalid("Softmax", "takes a tensor of rank 1 or more");
    AMP_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis("Softmax", axis_, rank));
    int64_t outer = 1;
    int64_t length = 1;
    int64_t inner = 1;
    for (int64_t dim_idx = 0; dim_idx < rank; ++dim_idx) {
      const int64_t dim = input.shape[static_cast<size_t>(dim_idx)];
      if (dim_idx < axis) {
        outer *= dim;
      } else if (dim_idx == axis || coerce_2d_) {
        length *= dim;
      } else {
        inner *= dim;
      }
    }
    OnnxTensor& out = outputs[0];
    out = input;
    if (out.floats.empty()) return core::Status::Ok();  // an empty tensor (some dimension is 0): nothing to do
    for (int64_t outer_idx = 0; outer_idx < outer; ++outer_idx) {
      for (int64_t inner_idx = 0; inner_idx < inner; ++inner_idx) {
        float* first = out.floats.data() + outer_idx * length * inner + inner_idx;
        float max = -std::numeric_limits<float>::infinity();
        for (int64_t idx = 0; idx < length; ++idx) max = std::max(max, first[idx * inner]);
        double sum = 0.0;
        for (int64_t idx = 0; idx < length; ++idx) sum += std::exp(static_cast<double>(first[idx * inner] - max));
        for (int64_t idx = 0; idx < length; ++idx) {
          first[idx * inner] = static_cast<float>(std::exp(static_cast<double>(first[idx * inner] - max)) / sum);
        }
      }
    }
    return core::Status::Ok();
  }

 private:
  int64_t axis_;
  bool coerce_2d_;
};

// out[M, N] = a[M, K] x b[K, N] for row-major float matrices (with transposition flags), accumulated in double.
void MultiplyMatrices(const float* a, const float* b, int64_t m, int64_t k, int64_t n, bool trans_a, bool trans_b,
                      double* out) {
  for (int64_t row = 0; row < m; ++row) {
    for (int64_t col = 0; col < n; ++col) {
      double sum = 0.0;
      for (int64_t idx = 0; idx < k; ++idx) {
        const float a_value = trans_a ? a[idx * m + row] : a[row * k + idx];
        const float b_value = trans_b ? b[col * k + idx] : b[idx * n + col];
        sum += static_cast<double>(a_value) * static_cast<double>(b_value);
      }
      out[row * n + col] = sum;
    }
  }
}

class MatMulKernel final : public OnnxKernel {
 public:
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& a = *inputs[0];
    const OnnxTensor& b = *inputs[1];
    if (a.type != OnnxElementType::kFloat || b.type != OnnxElementType::kFloat || a.shape.empty() || b.shape.empty()) {
      return Invalid("MatMul", "takes float tensors of rank 1 or more, not " + a.Describe() + " and " + b.Describe());
    }
    // numpy.matmul: a 1-D operand is a row (a) or a column (b) vector, its added dimension dropped afterwards.
    std::vector<int64_t> a_shape = a.shape;
    std::vector<int64_t> b_shape = b.shape;
    if (a_shape.size() == 1) a_shape.insert(a_shape.begin(), 1);
    if (b_shape.size() == 1) b_shape.push_back(1);
    const int64_t m = a_shape[a_shape.size() - 2];
    const int64_t k = a_shape.back();
    const int64_t n = b_shape.back();
    if (b_shape[b_shape.size() - 2] != k) {
      return Invalid("MatMul", "inner dimensions of " + a.Describe() + " and " + b.Describe() + " differ");
    }
    const std::span<const int64_t> a_batch(a_shape.data(), a_shape.size() - 2);
    const std::span<const int64_t> b_batch(b_shape.data(), b_shape.size() - 2);
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> batch, BroadcastShape("MatMul", a_batch, b_batch));
    AMP_ASSIGN_OR_RETURN(int64_t batch_count, CheckedElementCount(batch));
    std::vector<int64_t> shape = batch;
    if (a.shape.size() > 1) shape.push_back(m);
    if (b.shape.size() > 1) shape.push_back(n);
    AMP_RETURN_IF_ERROR(CheckedElementCount(shape).status());
    std::vector<int64_t> full = batch;
    full.push_back(m);
    full.push_back(n);
    AMP_RETURN_IF_ERROR(CheckedElementCount(full).status());
    if (m > 0 && n > 0 && k > kMaxElements / (m * n) / std::max<int64_t>(batch_count, 1)) {
      return Invalid("MatMul", "too much work for " + a.Describe() + " x " + b.Describe());
    }
    const std::vector<int64_t> a_idx = BroadcastIndices(a_batch, batch, batch_count);
    const std::vector<int64_t> b_idx = BroadcastIndices(b_batch, batch, batch_count);
    OnnxTensor& out = outputs[0];
    out = OnnxTensor{};
    out.shape = std::move(shape);
    out.floats.resize(static_cast<size_t>(batch_count * m * n));
    std::vector<double> product(static_cast<size_t>(m * n));
    for (int64_t batch_idx = 0; batch_idx < batch_count; ++batch_idx) {
      const auto i = static_cast<size_t>(batch_idx);
      MultiplyMatrices(a.floats.data() + a_idx[i] * m * k, b.floats.data() + b_idx[i] * k * n, m, k, n, false, false,
                       product.data());
      for (size_t value_idx = 0; value_idx < product.size(); ++value_idx) {
        out.floats[i * product.size() + value_idx] = static_cast<float>(product[value_idx]);
      }
    }
    return core::Status::Ok();
  }
};

class GemmKernel final : public OnnxKernel {
 public:
  GemmKernel(float alpha, float beta, bool trans_a, bool trans_b)
      : alpha_(alpha), beta_(beta), trans_a_(trans_a), trans_b_(trans_b) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& a = *inputs[0];
    const OnnxTensor& b = *inputs[1];
    const OnnxTensor* c = inputs.size() > 2 ? inputs[2] : nullptr;
    if (a.type != OnnxElementType::kFloat || b.type != OnnxElementType::kFloat || a.shape.size() != 2 ||
        b.shape.size() != 2 || (c != nullptr && c->type != OnnxElementType::kFloat)) {
      return Invalid("Gemm", "takes 2-D float matrices, not " + a.Describe() + " and " + b.Describe());
    }
    const int64_t m = trans_a_ ? a.shape[1] : a.shape[0];
    const int64_t k = trans_a_ ? a.shape[0] : a.shape[1];
    const int64_t n = trans_b_ ? b.shape[0] : b.shape[1];
    if ((trans_b_ ? b.shape[1] : b.shape[0]) != k) {
      return Invalid("Gemm", "inner dimensions of " + a.Describe() + " and " + b.Describe() + " differ");
    }
    const std::vector<int64_t> shape = {m, n};
    AMP_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(shape));
    if (count > 0 && k > kMaxElements / count) {
      return Invalid("Gemm", "too much work for " + a.Describe() + " x " + b.Describe());
    }
    std::vector<int64_t> c_idx;
    if (c != nullptr) {
      AMP_ASSIGN_OR_RETURN(std::vector<int64_t> broadcast, BroadcastShape("Gemm", c->shape, shape));
      if (broadcast != shape) return Invalid("Gemm", "C " + c->Describe() + " does not broadcast to [M, N]");
      c_idx = BroadcastIndices(c->shape, shape, count);
    }
    std::vector<double> product(static_cast<size_t>(count));
    MultiplyMatrices(a.floats.data(), b.floats.data(), m, k, n, trans_a_, trans_b_, product.data());
    OnnxTensor& out = outputs[0];
    out = OnnxTensor{};
    out.shape = shape;
    out.floats.resize(product.size());
    for (size_t idx = 0; idx < product.size(); ++idx) {
      double value = static_cast<double>(alpha_) * product[idx];
      if (c != nullptr) value += static_cast<double>(beta_) * c->floats[static_cast<size_t>(c_idx[idx])];
      out.floats[idx] = static_cast<float>(value);
    }
    return core::Status::Ok();
  }

 private:
  float alpha_;
  float beta_;
  bool trans_a_;
  bool trans_b_;
};

core::Status ExpectCounts(const OnnxNodeSpec& node, size_t min_inputs, size_t max_inputs, size_t outputs) {
  if (node.input_count < min_inputs || node.input_count > max_inputs || node.output_count != outputs) {
    return Invalid(node.op_type, "takes " + std::to_string(min_inputs) +
                                     (max_inputs != min_inputs ? "-" + std::to_string(max_inputs) : "") +
                                     " inputs and " + std::to_string(outputs) + " output(s), not " +
                                     std::to_string(node.input_count) + " and " + std::to_string(node.output_count));
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<std::unique_ptr<OnnxKernel>> CreateDenseKernel(const OnnxNodeSpec& node,
                                                            const OnnxAttributes& attributes) {
  const std::string& op = node.op_type;
  std::unique_ptr<OnnxKernel> kernel;
  if (op == "Identity") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1, 1));
    kernel = std::make_unique<IdentityKernel>();
  } else if (op == "Flatten") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1, 1));
    AMP_ASSIGN_OR_RETURN(int64_t axis, attributes.Int("axis", 1));
    kernel = std::make_unique<FlattenKernel>(axis);
  } else if (op == "Reshape") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 2, 2, 1));
    AMP_ASSIGN_OR_RETURN(int64_t allow_zero, attributes.Int("allowzero", 0));
    kernel = std::make_unique<ReshapeKernel>(allow_zero != 0);
  } else if (op == "Concat") {
    if (node.input_count == 0) return Invalid(op, "takes at least one input");
    AMP_RETURN_IF_ERROR(ExpectCounts(node, node.input_count, node.input_count, 1));
    if (!attributes.Has("axis")) return Invalid(op, "the axis attribute is required");
    AMP_ASSIGN_OR_RETURN(int64_t axis, attributes.Int("axis", 0));
    kernel = std::make_unique<ConcatKernel>(axis);
  } else if (op == "Cast") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1, 1));
    AMP_ASSIGN_OR_RETURN(int64_t to, attributes.Int("to", 0));
    if (to != kOnnxFloat && to != kOnnxInt64) {
      return Invalid(op, "casts to float (1) and int64 (7) only, not to type " + std::to_string(to));
    }
    kernel = std::make_unique<CastKernel>(to == kOnnxFloat ? OnnxElementType::kFloat : OnnxElementType::kInt64);
  } else if (op == "MatMul") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 2, 2, 1));
    kernel = std::make_unique<MatMulKernel>();
  } else if (op == "Gemm") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 2, 3, 1));
    AMP_ASSIGN_OR_RETURN(float alpha, attributes.Float("alpha", 1.0f));
    AMP_ASSIGN_OR_RETURN(float beta, attributes.Float("beta", 1.0f));
    AMP_ASSIGN_OR_RETURN(int64_t trans_a, attributes.Int("transA", 0));
    AMP_ASSIGN_OR_RETURN(int64_t trans_b, attributes.Int("transB", 0));
    kernel = std::make_unique<GemmKernel>(alpha, beta, trans_a != 0, trans_b != 0);
  } else if (op == "Add") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 2, 2, 1));
    kernel = std::make_unique<AddKernel>();
  } else if (op == "Relu" || op == "Sigmoid") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1, 1));
    kernel = std::make_unique<ElementwiseKernel>(op == "Relu" ? ElementwiseKernel::Function::kRelu
                                                              : ElementwiseKernel::Function::kSigmoid);
  } else if (op == "Softmax") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1, 1));
    const bool coerce_2d = node.opset < 13;
    AMP_ASSIGN_OR_RETURN(int64_t axis, attributes.Int("axis", coerce_2d ? 1 : -1));
    kernel = std::make_unique<SoftmaxKernel>(axis, coerce_2d);
  }
  return kernel;
}

}  // namespace amp::ml::onnx_kernels
