// The preprocessing operators (ai.onnx.ml) of AMP's ONNX executor: Imputer, Scaler, LabelEncoder and OneHotEncoder,
// the steps an exported pipeline puts before its model.
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "ml/onnx/onnx_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

// Values given once for all columns or once per column.
core::Status CheckPerColumn(std::string_view op, std::string_view what, size_t given, int64_t cols) {
  if (given != 1 && static_cast<int64_t>(given) != cols) {
    return Invalid(
        op, std::string(what) + " has " + std::to_string(given) + " values for " + std::to_string(cols) + " columns");
  }
  return core::Status::Ok();
}

class ImputerKernel final : public OnnxKernel {
 public:
  ImputerKernel(std::vector<float> values, float replaced) : values_(std::move(values)), replaced_(replaced) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (input.type != OnnxElementType::kFloat) return Invalid("Imputer", "takes floats, not " + input.Describe());
    int64_t rows = 0;
    int64_t cols = 0;
    AMP_RETURN_IF_ERROR(MatrixShape(input, "Imputer", &rows, &cols));
    AMP_RETURN_IF_ERROR(CheckPerColumn("Imputer", "imputed_value_floats", values_.size(), cols));
    OnnxTensor& out = outputs[0];
    out = input;
    const bool replace_nan = std::isnan(replaced_);
    for (size_t idx = 0; idx < out.floats.size(); ++idx) {
      float& value = out.floats[idx];
      if (replace_nan ? std::isnan(value) : value == replaced_) {
        value = values_.size() == 1 ? values_[0] : values_[idx % static_cast<size_t>(cols)];
      }
    }
    return core::Status::Ok();
  }

 private:
  std::vector<float> values_;
  float replaced_;
};

class ScalerKernel final : public OnnxKernel {
 public:
  ScalerKernel(std::vector<float> offset, std::vector<float> scale)
      : offset_(std::move(offset)), scale_(std::move(scale)) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    int64_t rows = 0;
    int64_t cols = 0;
    AMP_RETURN_IF_ERROR(MatrixShape(input, "Scaler", &rows, &cols));
    AMP_RETURN_IF_ERROR(CheckPerColumn("Scaler", "offset", offset_.size(), cols));
    AMP_RETURN_IF_ERROR(CheckPerColumn("Scaler", "scale", scale_.size(), cols));
    AMP_ASSIGN_OR_RETURN(std::vector<float> values, AsFloats(input, "Scaler"));
    for (size_t idx = 0; idx < values.size(); ++idx) {
      const size_t col = idx % static_cast<size_t>(cols);
      values[idx] = (values[idx] - offset_[offset_.size() == 1 ? 0 : col]) * scale_[scale_.size() == 1 ? 0 : col];
    }
    outputs[0] = OnnxTensor::Floats(input.shape, std::move(values));
    return core::Status::Ok();
  }

 private:
  std::vector<float> offset_;
  std::vector<float> scale_;
};

// LabelEncoder (ai.onnx.ml 2): maps string or int64 keys to string, int64 or float values, others to the default.
class LabelEncoderKernel final : public OnnxKernel {
 public:
  LabelEncoderKernel(OnnxTensor keys, OnnxTensor values, OnnxTensor fallback)
      : keys_(std::move(keys)), values_(std::move(values)), default_(std::move(fallback)) {
    for (size_t idx = 0; idx < keys_.ValueCount(); ++idx) {
      if (keys_.type == OnnxElementType::kString) {
        string_index_.emplace(keys_.strings[idx], idx);  // the first of duplicate keys wins
      } else {
        int_index_.emplace(keys_.ints[idx], idx);
      }
    }
  }
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (input.type != keys_.type) {
      return Invalid("LabelEncoder",
                     "keys are " + std::string(OnnxElementTypeName(keys_.type)) + ", input is " + input.Describe());
    }
    OnnxTensor& out = outputs[0];
    out = OnnxTensor{};
    out.type = values_.type;
    out.shape = input.shape;
    for (size_t idx = 0; idx < input.ValueCount(); ++idx) {
      size_t found = SIZE_MAX;
      if (input.type == OnnxElementType::kString) {
        if (auto it = string_index_.find(input.strings[idx]); it != string_index_.end()) found = it->second;
      } else if (auto it = int_index_.find(input.ints[idx]); it != int_index_.end()) {
        found = it->second;
      }
      const OnnxTensor& source = found == SIZE_MAX ? default_ : values_;
      const size_t at = found == SIZE_MAX ? 0 : found;
      switch (values_.type) {
        case OnnxElementType::kFloat:
          out.floats.push_back(source.floats[at]);
          break;
        case OnnxElementType::kInt64:
          out.ints.push_back(source.ints[at]);
          break;
        case OnnxElementType::kString:
          out.strings.push_back(source.strings[at]);
          break;
      }
    }
    return core::Status::Ok();
  }

 private:
  OnnxTensor keys_;
  OnnxTensor values_;
  OnnxTensor default_;
  std::unordered_map<std::string, size_t> string_index_;
  std::unordered_map<int64_t, size_t> int_index_;
};

class OneHotEncoderKernel final : public OnnxKernel {
 public:
  OneHotEncoderKernel(std::vector<int64_t> int_categories, std::vector<std::string> string_categories, bool zeros)
      : zeros_(zeros), by_strings_(!string_categories.empty()) {
    category_count_ = static_cast<int64_t>(by_strings_ ? string_categories.size() : int_categories.size());
    for (size_t idx = 0; idx < int_categories.size(); ++idx) int_index_.emplace(int_categories[idx], idx);
    for (size_t idx = 0; idx < string_categories.size(); ++idx) string_index_.emplace(string_categories[idx], idx);
  }
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (by_strings_ != (input.type == OnnxElementType::kString)) {
      return Invalid("OneHotEncoder", std::string("categories are ") + (by_strings_ ? "strings" : "int64") +
                                          ", input is " + input.Describe());
    }
    if (input.shape.size() >= kMaxRank) return Invalid("OneHotEncoder", "input rank too high");
    std::vector<int64_t> shape = input.shape;
    shape.push_back(category_count_);
    AMP_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(shape));
    std::vector<float> values(static_cast<size_t>(count), 0.0f);
    for (size_t idx = 0; idx < input.ValueCount(); ++idx) {
      size_t found = SIZE_MAX;
      if (by_strings_) {
        if (auto it = string_index_.find(input.strings[idx]); it != string_index_.end()) found = it->second;
      } else {
        // Floats count as the int64 they hold, as ONNX Runtime casts them.
        const int64_t key = input.type == OnnxElementType::kInt64 ? input.ints[idx]
                            : std::isfinite(input.floats[idx])    ? static_cast<int64_t>(input.floats[idx])
                                                                  : std::numeric_limits<int64_t>::min();
        if (auto it = int_index_.find(key); it != int_index_.end()) found = it->second;
      }
      if (found == SIZE_MAX) {
        if (!zeros_) return Invalid("OneHotEncoder", "unknown category and zeros=0");
        continue;
      }
      values[idx * static_cast<size_t>(category_count_) + found] = 1.0f;
    }
    outputs[0] = OnnxTensor::Floats(std::move(shape), std::move(values));
    return core::Status::Ok();
  }

 private:
  bool zeros_;
  bool by_strings_;
  int64_t category_count_ = 0;
  std::unordered_map<int64_t, size_t> int_index_;
  std::unordered_map<std::string, size_t> string_index_;
};

core::Result<std::unique_ptr<OnnxKernel>> CreateLabelEncoder(const OnnxNodeSpec& node,
                                                             const OnnxAttributes& attributes) {
  if (node.opset < 2) return Invalid(node.op_type, "needs ai.onnx.ml opset 2 or later (keys_* and values_*)");
  OnnxTensor keys;
  AMP_ASSIGN_OR_RETURN(keys.strings, attributes.Strings("keys_strings"));
  AMP_ASSIGN_OR_RETURN(keys.ints, attributes.Ints("keys_int64s"));
  keys.type = keys.strings.empty() ? OnnxElementType::kInt64 : OnnxElementType::kString;
  if (attributes.Has("keys_floats") || (keys.strings.empty() == keys.ints.empty())) {
    return Invalid(node.op_type, "needs keys_strings or keys_int64s");
  }
  OnnxTensor values;
  OnnxTensor fallback;
  AMP_ASSIGN_OR_RETURN(values.strings, attributes.Strings("values_strings"));
  AMP_ASSIGN_OR_RETURN(values.ints, attributes.Ints("values_int64s"));
  AMP_ASSIGN_OR_RETURN(values.floats, attributes.Floats("values_floats"));
  const int kinds = (values.strings.empty() ? 0 : 1) + (values.ints.empty() ? 0 : 1) + (values.floats.empty() ? 0 : 1);
  if (kinds != 1) return Invalid(node.op_type, "needs exactly one of values_strings, values_int64s, values_floats");
  if (!values.strings.empty()) {
    values.type = fallback.type = OnnxElementType::kString;
    AMP_ASSIGN_OR_RETURN(std::string text, attributes.String("default_string", "_Unused"));
    fallback.strings.push_back(std::move(text));
  } else if (!values.ints.empty()) {
    values.type = fallback.type = OnnxElementType::kInt64;
    AMP_ASSIGN_OR_RETURN(int64_t number, attributes.Int("default_int64", -1));
    fallback.ints.push_back(number);
  } else {
    values.type = fallback.type = OnnxElementType::kFloat;
    AMP_ASSIGN_OR_RETURN(float number, attributes.Float("default_float", -0.0f));
    fallback.floats.push_back(number);
  }
  if (values.ValueCount() != keys.ValueCount()) return Invalid(node.op_type, "keys and values differ in length");
  return std::unique_ptr<OnnxKernel>(new LabelEncoderKernel(std::move(keys), std::move(values), std::move(fallback)));
}

}  // namespace

core::Result<std::unique_ptr<OnnxKernel>> CreatePreprocessingKernel(const OnnxNodeSpec& node,
                                                                    const OnnxAttributes& attributes) {
  const std::string& op = node.op_type;
  if (op == "Imputer") {
    AMP_ASSIGN_OR_RETURN(std::vector<float> values, attributes.Floats("imputed_value_floats"));
    if (values.empty()) return Invalid(op, "needs imputed_value_floats (int64 imputation is not supported)");
    AMP_ASSIGN_OR_RETURN(float replaced, attributes.Float("replaced_value_float", 0.0f));
    return std::unique_ptr<OnnxKernel>(new ImputerKernel(std::move(values), replaced));
  }
  if (op == "Scaler") {
    AMP_ASSIGN_OR_RETURN(std::vector<float> offset, attributes.Floats("offset"));
    AMP_ASSIGN_OR_RETURN(std::vector<float> scale, attributes.Floats("scale"));
    if (offset.empty()) offset.push_back(0.0f);
    if (scale.empty()) scale.push_back(1.0f);
    return std::unique_ptr<OnnxKernel>(new ScalerKernel(std::move(offset), std::move(scale)));
  }
  if (op == "OneHotEncoder") {
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> ints, attributes.Ints("cats_int64s"));
    AMP_ASSIGN_OR_RETURN(std::vector<std::string> strings, attributes.Strings("cats_strings"));
    if (ints.empty() == strings.empty()) return Invalid(op, "needs one of cats_int64s and cats_strings");
    AMP_ASSIGN_OR_RETURN(int64_t zeros, attributes.Int("zeros", 1));
    return std::unique_ptr<OnnxKernel>(new OneHotEncoderKernel(std::move(ints), std::move(strings), zeros != 0));
  }
  if (op == "LabelEncoder") return CreateLabelEncoder(node, attributes);
  return std::unique_ptr<OnnxKernel>();
}

}  // namespace amp::ml::onnx_kernels
