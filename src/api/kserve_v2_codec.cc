#include "api/kserve_v2_codec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "api/json_body.h"
#include "api/json_out.h"
#include "core/text.h"

namespace amp::api {
namespace {

using ElementType = simdjson::dom::element_type;

constexpr std::string_view kDatatypeNames[] = {"BOOL",  "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
                                               "INT32", "INT64", "FP16",   "FP32",   "FP64",   "BYTES"};

bool IsSigned(V2Datatype datatype) {
  return datatype >= V2Datatype::kInt8 && datatype <= V2Datatype::kInt64;
}
bool IsUnsigned(V2Datatype datatype) {
  return datatype >= V2Datatype::kUint8 && datatype <= V2Datatype::kUint64;
}
bool IsInteger(V2Datatype datatype) {
  return IsSigned(datatype) || IsUnsigned(datatype);
}
bool IsFloat(V2Datatype datatype) {
  return datatype >= V2Datatype::kFp16 && datatype <= V2Datatype::kFp64;
}
bool IsNumber(V2Datatype datatype) {
  return IsInteger(datatype) || IsFloat(datatype);
}

// The shape as sent, e.g. "[2, 2]", for messages.
std::string FormatShape(simdjson::dom::array shape) {
  std::string text = "[";
  for (simdjson::dom::element dim : shape) {
    if (text.size() > 1) text += ", ";
    if (text.size() > 60) {
      text += "...";
      break;
    }
    uint64_t value = 0;
    text += dim.get_uint64().get(value) == simdjson::SUCCESS ? std::to_string(value) : "?";
  }
  return text + "]";
}

std::string FeatureList(const ml::ModelSignature& signature) {
  std::string names;
  for (const ml::FeatureSpec& feature : signature.features) {
    if (!names.empty()) names += ", ";
    names += feature.name;
  }
  return names;
}

// What elements of `datatype` look like in JSON, for messages.
std::string_view ExpectedElement(V2Datatype datatype) {
  if (datatype == V2Datatype::kBool) return "true, false or null";
  if (datatype == V2Datatype::kBytes) return "a string or null";
  if (IsInteger(datatype)) return "an integer or null";
  return "a number or null";
}

// The datatypes a feature of `type` takes, for messages.
std::string_view AcceptedDatatypes(data::ColumnType type) {
  switch (type) {
    case data::ColumnType::kCategorical:
      return "BYTES (or an integer type)";
    case data::ColumnType::kBoolean:
      return "BOOL (or a number type with values 0 and 1)";
    case data::ColumnType::kNumeric:
    case data::ColumnType::kInteger:
      break;
  }
  return "FP64, FP32, FP16 or an integer type";
}

// Whether an integer element fits the integer datatype's range.
bool FitsInteger(V2Datatype datatype, int64_t value) {
  switch (datatype) {
    case V2Datatype::kInt8:
      return value >= std::numeric_limits<int8_t>::min() && value <= 127;
    case V2Datatype::kInt16:
      return value >= std::numeric_limits<int16_t>::min() && value <= 32767;
    case V2Datatype::kInt32:
      return value >= std::numeric_limits<int32_t>::min() && value <= std::numeric_limits<int32_t>::max();
    case V2Datatype::kInt64:
      return true;
    case V2Datatype::kUint8:
      return value >= 0 && value <= 255;
    case V2Datatype::kUint16:
      return value >= 0 && value <= 65535;
    case V2Datatype::kUint32:
      return value >= 0 && value <= std::numeric_limits<uint32_t>::max();
    case V2Datatype::kUint64:
      return value >= 0;
    default:
      return false;
  }
}

std::string Describe(simdjson::dom::element element) {
  switch (element.type()) {
    case ElementType::INT64:
      return std::to_string(element.get_int64().value_unsafe());
    case ElementType::UINT64:
      return std::to_string(element.get_uint64().value_unsafe());
    case ElementType::DOUBLE: {
      char buffer[32];
      auto printed = std::to_chars(buffer, buffer + sizeof(buffer), element.get_double().value_unsafe());
      return std::string(buffer, printed.ec == std::errc() ? printed.ptr : buffer);
    }
    default:
      return std::string(JsonTypeName(element.type()));
  }
}

}  // namespace

std::optional<V2Datatype> ParseV2Datatype(std::string_view name) {
  for (size_t idx = 0; idx < std::size(kDatatypeNames); ++idx) {
    if (kDatatypeNames[idx] == name) return static_cast<V2Datatype>(idx);
  }
  return std::nullopt;
}

std::string_view V2DatatypeName(V2Datatype datatype) {
  return kDatatypeNames[static_cast<size_t>(datatype)];
}

V2Datatype AdvertisedV2Datatype(data::ColumnType type) {
  switch (type) {
    case data::ColumnType::kNumeric:
      return V2Datatype::kFp64;
    case data::ColumnType::kInteger:
      return V2Datatype::kInt64;
    case data::ColumnType::kBoolean:
      return V2Datatype::kBool;
    case data::ColumnType::kCategorical:
      return V2Datatype::kBytes;
  }
  return V2Datatype::kFp64;
}

bool V2DatatypeFeeds(V2Datatype datatype, data::ColumnType type) {
  switch (type) {
    case data::ColumnType::kNumeric:
    case data::ColumnType::kInteger:
      return IsNumber(datatype);
    case data::ColumnType::kBoolean:
      return datatype == V2Datatype::kBool || IsNumber(datatype);
    case data::ColumnType::kCategorical:
      return datatype == V2Datatype::kBytes || IsInteger(datatype);
  }
  return false;
}

core::Status ParseV2InferRequest(simdjson::dom::element root, V2InferRequest* request) {
  *request = V2InferRequest{};
  simdjson::dom::object body;
  if (root.get_object().get(body) != simdjson::SUCCESS) {
    return core::InvalidArgument("the body must be a JSON object with \"inputs\", got " +
                                 std::string(JsonTypeName(root.type())));
  }
  simdjson::dom::element field;
  if (body["id"].get(field) == simdjson::SUCCESS) {
    std::string_view id;
    if (field.get_string().get(id) != simdjson::SUCCESS) {
      return core::InvalidArgument("'id' must be a string, got " + std::string(JsonTypeName(field.type())));
    }
    request->id = id;
  }
  if (body["parameters"].get(field) == simdjson::SUCCESS && !field.is_object()) {
    return core::InvalidArgument("'parameters' must be an object, got " + std::string(JsonTypeName(field.type())));
  }
  if (body["inputs"].get(field) != simdjson::SUCCESS) return core::InvalidArgument("missing field 'inputs'");
  if (field.get_array().get(request->inputs) != simdjson::SUCCESS) {
    return core::InvalidArgument("'inputs' must be an array of tensors, got " +
                                 std::string(JsonTypeName(field.type())));
  }
  if (request->inputs.size() == 0) return core::InvalidArgument("'inputs' is empty");
  if (body["outputs"].get(field) == simdjson::SUCCESS) {
    simdjson::dom::array outputs;
    if (field.get_array().get(outputs) != simdjson::SUCCESS) {
      return core::InvalidArgument("'outputs' must be an array of {\"name\": ...} objects, got " +
                                   std::string(JsonTypeName(field.type())));
    }
    request->outputs = outputs;
  }
  return core::Status::Ok();
}

std::string V2ProbabilityOutputName(std::string_view target) {
  return std::string(target) + "_probabilities";
}

core::Status CheckV2RequestedOutputs(const V2InferRequest& request, std::string_view target,
                                     std::string_view probability_output) {
  if (!request.outputs) return core::Status::Ok();
  size_t output_idx = 0;
  for (simdjson::dom::element output : *request.outputs) {
    std::string_view name;
    if (output["name"].get_string().get(name) != simdjson::SUCCESS) {
      return core::InvalidArgument("outputs[" + std::to_string(output_idx) +
                                   "] must be an object with a string 'name'");
    }
    if (name != target && (probability_output.empty() || name != probability_output)) {
      return core::InvalidArgument("unknown output '" + core::ShortenForMessage(name) + "'; " +
                                   (probability_output.empty()
                                        ? "the model has one output, '" + std::string(target) + "'"
                                        : "the model's outputs are '" + std::string(target) + "' and '" +
                                              std::string(probability_output) + "'"));
    }
    ++output_idx;
  }
  return core::Status::Ok();
}

KServeV2Codec& ThreadKServeV2Codec() {
  thread_local KServeV2Codec codec;
  return codec;
}

core::Status KServeV2Codec::ParseTensor(simdjson::dom::element input, size_t input_idx, Tensor* tensor) const {
  // Messages are built only on failure, so a valid request allocates nothing here.
  auto where = [&] { return "inputs[" + std::to_string(input_idx) + "]"; };
  simdjson::dom::object object;
  if (input.get_object().get(object) != simdjson::SUCCESS) {
    return core::InvalidArgument(where() + " must be a tensor object, got " + std::string(JsonTypeName(input.type())));
  }
  if (object["name"].get_string().get(tensor->name) != simdjson::SUCCESS) {
    return core::InvalidArgument(where() + " needs a string 'name'");
  }
  auto in = [&] { return "input '" + core::ShortenForMessage(tensor->name) + "'"; };
  std::string_view datatype_name;
  if (object["datatype"].get_string().get(datatype_name) != simdjson::SUCCESS) {
    return core::InvalidArgument(in() + " needs a string 'datatype'");
  }
  std::optional<V2Datatype> datatype = ParseV2Datatype(datatype_name);
  if (!datatype) {
    return core::InvalidArgument(in() + " has an unknown datatype '" + core::ShortenForMessage(datatype_name) +
                                 "'; expected BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, "
                                 "FP32, FP64 or BYTES");
  }
  tensor->datatype = *datatype;
  if (object["shape"].get_array().get(tensor->shape) != simdjson::SUCCESS) {
    return core::InvalidArgument(in() + " needs a 'shape' array");
  }
  tensor->rank = 0;
  for (simdjson::dom::element dim : tensor->shape) {
    uint64_t value = 0;
    if (dim.get_uint64().get(value) != simdjson::SUCCESS) {
      return core::InvalidArgument(in() + ": 'shape' must hold non-negative integers, got " + Describe(dim));
    }
    if (tensor->rank < 2) tensor->dims[tensor->rank] = value;
    ++tensor->rank;
  }
  simdjson::dom::element parameters_field;
  simdjson::dom::object parameters;
  const bool has_parameters = object["parameters"].get(parameters_field) == simdjson::SUCCESS;
  if (has_parameters && parameters_field.get_object().get(parameters) != simdjson::SUCCESS) {
    return core::InvalidArgument(in() + ": 'parameters' must be an object");
  }
  simdjson::dom::element data;
  if (object["data"].get(data) != simdjson::SUCCESS) {
    if (has_parameters && parameters["binary_data_size"].error() == simdjson::SUCCESS) {
      return core::InvalidArgument(in() +
                                   " uses the binary tensor data extension, which AMP does not support; send "
                                   "the values in 'data'");
    }
    return core::InvalidArgument(in() + " needs a 'data' array");
  }
  if (data.get_array().get(tensor->data) != simdjson::SUCCESS) {
    return core::InvalidArgument(in() + ": 'data' must be an array, got " + std::string(JsonTypeName(data.type())));
  }
  return core::Status::Ok();
}

core::Status KServeV2Codec::CheckMatrix(const ml::ModelSignature& signature) {
  Tensor& tensor = tensors_.front();
  const size_t width = signature.features.size();
  auto in = [&] { return "input '" + core::ShortenForMessage(tensor.name) + "'"; };
  for (const ml::FeatureSpec& feature : signature.features) {
    if (!data::IsNumberLike(feature.type)) {
      return core::InvalidArgument(in() + " is not a feature of the model; send one tensor per feature (" +
                                   FeatureList(signature) + "). A single [N, " + std::to_string(width) +
                                   "] tensor is only accepted when every feature is a number, and '" + feature.name +
                                   "' is categorical");
    }
  }
  if (!IsNumber(tensor.datatype)) {
    return core::InvalidArgument(in() +
                                 " is a single tensor of all features, so its datatype must be a number type "
                                 "(FP64, FP32, INT64, ...), got " +
                                 std::string(V2DatatypeName(tensor.datatype)));
  }
  const bool fits = (tensor.rank == 2 && tensor.dims[1] == width) || (tensor.rank == 1 && width == 1);
  if (!fits) {
    return core::InvalidArgument(in() + " has shape " + FormatShape(tensor.shape) +
                                 "; as a single tensor of all features it needs shape [N, " + std::to_string(width) +
                                 "] (columns " + FeatureList(signature) + "), or else one tensor per feature");
  }
  tensor.feature_idx = -1;
  row_count_ = tensor.dims[0];
  return core::Status::Ok();
}

core::Status KServeV2Codec::CheckColumns(const ml::ModelSignature& signature) {
  const size_t width = signature.features.size();
  tensor_for_feature_.assign(width, -1);
  const Tensor* first = nullptr;
  for (size_t tensor_idx = 0; tensor_idx < tensors_.size(); ++tensor_idx) {
    Tensor& tensor = tensors_[tensor_idx];
    auto in = [&] { return "input '" + core::ShortenForMessage(tensor.name) + "'"; };
    tensor.feature_idx = signature.FindFeature(tensor.name);
    if (tensor.feature_idx < 0) {
      return core::InvalidArgument("unknown " + in() +
                                   "; the model takes one tensor per feature: " + FeatureList(signature));
    }
    const ml::FeatureSpec& feature = signature.features[static_cast<size_t>(tensor.feature_idx)];
    int& seen = tensor_for_feature_[static_cast<size_t>(tensor.feature_idx)];
    if (seen >= 0) return core::InvalidArgument(in() + " is given more than once");
    seen = static_cast<int>(tensor_idx);
    if (!V2DatatypeFeeds(tensor.datatype, feature.type)) {
      return core::InvalidArgument(in() + " has datatype " + std::string(V2DatatypeName(tensor.datatype)) +
                                   ", but feature '" + feature.name + "' is " +
                                   std::string(data::ColumnTypeName(feature.type)) + " and takes " +
                                   std::string(AcceptedDatatypes(feature.type)));
    }
    if (!(tensor.rank == 1 || (tensor.rank == 2 && tensor.dims[1] == 1))) {
      return core::InvalidArgument(in() + " has shape " + FormatShape(tensor.shape) +
                                   "; a feature tensor has shape [N] or [N, 1]");
    }
    if (first == nullptr) {
      first = &tensor;
    } else if (tensor.dims[0] != first->dims[0]) {
      return core::InvalidArgument(in() + " has " + std::to_string(tensor.dims[0]) + " rows but input '" +
                                   core::ShortenForMessage(first->name) + "' has " + std::to_string(first->dims[0]) +
                                   "; every input needs the same number of rows");
    }
  }
  std::string missing;
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    if (tensor_for_feature_[feature_idx] >= 0) continue;
    if (!missing.empty()) missing += ", ";
    missing += signature.features[feature_idx].name;
  }
  if (!missing.empty()) {
    return core::InvalidArgument("missing input tensor for feature(s) " + missing +
                                 " (send null values to have them imputed)");
  }
  row_count_ = first != nullptr ? first->dims[0] : 0;
  return core::Status::Ok();
}

core::Status KServeV2Codec::DecodeInputs(const ml::ModelSignature& signature, simdjson::dom::array inputs) {
  tensors_.clear();
  values_.clear();
  text_storage_.clear();
  row_count_ = 0;
  size_t input_idx = 0;
  for (simdjson::dom::element input : inputs) {
    Tensor& tensor = tensors_.emplace_back();
    AMP_RETURN_IF_ERROR(ParseTensor(input, input_idx++, &tensor));
    if (tensor.rank == 0 || tensor.rank > 2) {
      return core::InvalidArgument("input '" + core::ShortenForMessage(tensor.name) + "' has shape " +
                                   FormatShape(tensor.shape) +
                                   "; expected [N] or [N, 1] for a feature tensor, [N, F] for all features at once");
    }
    if (tensor.dims[0] > kMaxV2Rows) {
      return core::ResourceExhausted("input '" + core::ShortenForMessage(tensor.name) + "' has " +
                                     std::to_string(tensor.dims[0]) + " rows; at most " + std::to_string(kMaxV2Rows) +
                                     " rows per request");
    }
  }
  if (tensors_.empty()) return core::InvalidArgument("'inputs' is empty");
  const bool matrix = tensors_.size() == 1 && signature.FindFeature(tensors_.front().name) < 0;
  AMP_RETURN_IF_ERROR(matrix ? CheckMatrix(signature) : CheckColumns(signature));
  values_.assign(row_count_ * signature.features.size(), ml::FeatureValue::Missing());
  for (const Tensor& tensor : tensors_) AMP_RETURN_IF_ERROR(DecodeData(signature, tensor));
  return core::Status::Ok();
}

core::Status KServeV2Codec::DecodeData(const ml::ModelSignature& signature, const Tensor& tensor) {
  const size_t width = signature.features.size();
  const uint64_t outer = tensor.dims[0];
  const uint64_t inner = tensor.rank == 2 ? tensor.dims[1] : 1;
  const uint64_t expected = outer * inner;  // no overflow: outer <= kMaxV2Rows and inner is 1 or the width
  auto decode = [&](simdjson::dom::element element, size_t element_idx) {
    if (tensor.feature_idx >= 0) {
      const size_t feature_idx = static_cast<size_t>(tensor.feature_idx);
      return DecodeElement(tensor, signature.features[feature_idx], element, element_idx,
                           &values_[element_idx * width + feature_idx]);
    }
    return DecodeElement(tensor, signature.features[element_idx % width], element, element_idx, &values_[element_idx]);
  };
  auto nesting_error = [&] {
    return core::InvalidArgument("input '" + core::ShortenForMessage(tensor.name) +
                                 "': 'data' must be flat or nested exactly as " + "the shape " +
                                 FormatShape(tensor.shape) + " says");
  };
  simdjson::dom::element first;
  const bool nested = tensor.rank == 2 && tensor.data.at(0).get(first) == simdjson::SUCCESS && first.is_array();
  size_t element_idx = 0;
  if (!nested) {
    const size_t count = tensor.data.size();
    if (count != expected) {
      return core::InvalidArgument("input '" + core::ShortenForMessage(tensor.name) + "' has " + std::to_string(count) +
                                   " values in 'data' but its shape " + FormatShape(tensor.shape) + " needs " +
                                   std::to_string(expected));
    }
    for (simdjson::dom::element element : tensor.data) {
      if (element.is_array()) return nesting_error();
      AMP_RETURN_IF_ERROR(decode(element, element_idx++));
    }
    return core::Status::Ok();
  }
  if (tensor.data.size() != outer) return nesting_error();
  for (simdjson::dom::element row : tensor.data) {
    simdjson::dom::array row_values;
    if (row.get_array().get(row_values) != simdjson::SUCCESS || row_values.size() != inner) return nesting_error();
    for (simdjson::dom::element element : row_values) {
      if (element.is_array()) return nesting_error();
      AMP_RETURN_IF_ERROR(decode(element, element_idx++));
    }
  }
  return core::Status::Ok();
}

core::Status KServeV2Codec::DecodeElement(const Tensor& tensor, const ml::FeatureSpec& feature,
                                          simdjson::dom::element element, size_t element_idx, ml::FeatureValue* slot) {
  // Messages are built only on failure: the success path allocates nothing (but for integer categories).
  auto where = [&] {
    std::string text = "input '" + core::ShortenForMessage(tensor.name) + "' (" +
                       std::string(V2DatatypeName(tensor.datatype)) + "), element " + std::to_string(element_idx);
    if (tensor.feature_idx < 0) text += " (feature '" + feature.name + "')";
    return text;
  };
  auto wrong_type = [&] {
    return core::InvalidArgument(where() + " is " + Describe(element) + "; expected " +
                                 std::string(ExpectedElement(tensor.datatype)));
  };
  const V2Datatype datatype = tensor.datatype;
  switch (element.type()) {
    case ElementType::NULL_VALUE:
      *slot = ml::FeatureValue::Missing();
      return core::Status::Ok();
    case ElementType::BOOL:
      if (datatype != V2Datatype::kBool) return wrong_type();
      *slot = ml::FeatureValue::Number(element.get_bool().value_unsafe() ? 1.0 : 0.0);
      return core::Status::Ok();
    case ElementType::STRING:
      if (datatype != V2Datatype::kBytes) return wrong_type();
      *slot = ml::FeatureValue::Text(element.get_string().value_unsafe());
      return core::Status::Ok();
    case ElementType::INT64:
    case ElementType::UINT64:
    case ElementType::DOUBLE:
      break;
    default:
      return wrong_type();
  }
  if (!IsNumber(datatype)) return wrong_type();
  double number = 0.0;
  if (IsInteger(datatype)) {
    const bool fits = element.type() == ElementType::INT64
                          ? FitsInteger(datatype, element.get_int64().value_unsafe())
                          : element.type() == ElementType::UINT64 && datatype == V2Datatype::kUint64;
    if (!fits) {
      if (element.type() == ElementType::DOUBLE) return wrong_type();
      return core::InvalidArgument(where() + " is " + Describe(element) + ", out of the range of " +
                                   std::string(V2DatatypeName(datatype)));
    }
    if (feature.type == data::ColumnType::kCategorical) {
      // A category sent as an integer code is matched by its exact decimal text (as the v1 API does).
      char buffer[24];
      std::to_chars_result printed =
          element.type() == ElementType::INT64
              ? std::to_chars(buffer, buffer + sizeof(buffer), element.get_int64().value_unsafe())
              : std::to_chars(buffer, buffer + sizeof(buffer), element.get_uint64().value_unsafe());
      text_storage_.emplace_back(buffer, printed.ptr);
      *slot = ml::FeatureValue::Text(text_storage_.back());
      return core::Status::Ok();
    }
    number = element.type() == ElementType::INT64 ? static_cast<double>(element.get_int64().value_unsafe())
                                                  : static_cast<double>(element.get_uint64().value_unsafe());
  } else {
    number = element.get_double().value_unsafe();  // an int64 or uint64 element converts too
    const double limit = datatype == V2Datatype::kFp16   ? 65504.0
                         : datatype == V2Datatype::kFp32 ? static_cast<double>(std::numeric_limits<float>::max())
                                                         : std::numeric_limits<double>::max();
    if (!std::isfinite(number) || std::fabs(number) > limit) {
      return core::InvalidArgument(where() + " is " + Describe(element) + ", out of the range of " +
                                   std::string(V2DatatypeName(datatype)));
    }
  }
  if (feature.type == data::ColumnType::kBoolean && number != 0.0 && number != 1.0) {
    return core::InvalidArgument(where() + " is " + Describe(element) + ", but feature '" + feature.name +
                                 "' is boolean: send BOOL values or the numbers 0 and 1");
  }
  *slot = ml::FeatureValue::Number(number);
  return core::Status::Ok();
}

std::string EncodeV2InferResponse(const V2InferResult& result) {
  JsonOut out;
  JsonWriter& writer = out.writer;
  writer.StartObject();
  if (result.id) {
    writer.Key("id");
    WriteString(writer, *result.id);
  }
  writer.Key("model_name");
  WriteString(writer, result.model_name);
  writer.Key("model_version");
  WriteString(writer, std::to_string(result.model_version));
  if (!result.warnings.empty() || result.more_warnings > 0) {
    writer.Key("parameters");
    writer.StartObject();
    writer.Key("warnings");
    writer.StartArray();
    const size_t shown = std::min(result.warnings.size(), kMaxV2Warnings);
    for (size_t warning_idx = 0; warning_idx < shown; ++warning_idx) WriteString(writer, result.warnings[warning_idx]);
    const int64_t more = static_cast<int64_t>(result.warnings.size() - shown) + result.more_warnings;
    if (more > 0) WriteString(writer, "... and " + std::to_string(more) + " more warnings");
    writer.EndArray();
    writer.EndObject();
  }
  const bool classifier = !result.classes.empty();
  writer.Key("outputs");
  writer.StartArray();
  writer.StartObject();
  writer.Key("name");
  WriteString(writer, result.output_name);
  writer.Key("datatype");
  writer.String(classifier ? "BYTES" : "FP64");
  writer.Key("shape");
  writer.StartArray();
  writer.Uint64(result.predictions.size());
  writer.Uint64(1);
  writer.EndArray();
  writer.Key("data");
  writer.StartArray();
  for (double prediction : result.predictions) {
    if (classifier) {
      WriteString(writer, result.classes[static_cast<size_t>(prediction)]);
    } else {
      WriteNumber(writer, prediction);
    }
  }
  writer.EndArray();
  writer.EndObject();
  if (classifier) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, result.probability_output_name);
    writer.Key("datatype");
    writer.String("FP64");
    writer.Key("shape");
    writer.StartArray();
    writer.Uint64(result.predictions.size());
    writer.Uint64(result.classes.size());
    writer.EndArray();
    writer.Key("data");
    writer.StartArray();
    for (double probability : result.probabilities) WriteNumber(writer, probability);
    writer.EndArray();
    writer.Key("parameters");
    writer.StartObject();
    writer.Key("classes");
    writer.StartArray();
    for (const std::string& label : result.classes) WriteString(writer, label);
    writer.EndArray();
    writer.EndObject();
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return out.Take();
}

}  // namespace amp::api
