#include "ml/onnx/onnx_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/base64.h"

namespace amp::ml {
namespace {

// The shape of an input of one value per row: [N] if the model declares rank 1, else [N, 1].
std::vector<int64_t> ColumnShape(const OnnxValueInfo& info, int64_t rows) {
  if (info.has_shape && info.dims.size() == 1) return {rows};
  return {rows, 1};
}

// Builds the graph's input tensors for `row_count` rows (row-major, one value per feature).
std::vector<OnnxTensor> BuildInputs(const ModelSignature& signature, const OnnxGraph& graph, bool matrix_input,
                                    std::span<const FeatureValue> rows, size_t row_count) {
  const size_t feature_count = signature.features.size();
  const auto n = static_cast<int64_t>(row_count);
  std::vector<OnnxTensor> inputs;
  if (matrix_input) {
    std::vector<float> values(row_count * feature_count);
    for (size_t idx = 0; idx < values.size(); ++idx) {
      const FeatureValue& value = rows[idx];
      values[idx] = value.kind == FeatureValue::Kind::kNumber ? static_cast<float>(value.number)
                                                              : std::numeric_limits<float>::quiet_NaN();
    }
    inputs.push_back(OnnxTensor::Floats({n, static_cast<int64_t>(feature_count)}, std::move(values)));
    return inputs;
  }
  for (const OnnxValueInfo& info : graph.inputs()) {
    const auto feature_idx = static_cast<size_t>(signature.FindFeature(info.name));
    if (info.type == OnnxElementType::kString) {
      std::vector<std::string> values;
      values.reserve(row_count);
      for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
        const FeatureValue& value = rows[row_idx * feature_count + feature_idx];
        values.emplace_back(value.kind == FeatureValue::Kind::kText ? value.text : std::string_view());
      }
      inputs.push_back(OnnxTensor::Strings(ColumnShape(info, n), std::move(values)));
    } else {
      std::vector<float> values(row_count);
      for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
        const FeatureValue& value = rows[row_idx * feature_count + feature_idx];
        values[row_idx] = value.kind == FeatureValue::Kind::kNumber ? static_cast<float>(value.number)
                                                                    : std::numeric_limits<float>::quiet_NaN();
      }
      inputs.push_back(OnnxTensor::Floats(ColumnShape(info, n), std::move(values)));
    }
  }
  return inputs;
}

// Checks that the graph takes the signature's features in one of the two layouts; sets `matrix_input`.
core::Status BindInputs(const ModelSignature& signature, const OnnxGraph& graph, bool* matrix_input) {
  const std::vector<OnnxValueInfo>& inputs = graph.inputs();
  const size_t feature_count = signature.features.size();
  if (feature_count == 0) return core::InvalidArgument("an imported model needs at least one feature");
  const bool per_feature =
      inputs.size() == feature_count && std::all_of(inputs.begin(), inputs.end(), [&](const OnnxValueInfo& info) {
        return signature.FindFeature(info.name) >= 0;
      });
  if (per_feature) {
    for (const OnnxValueInfo& info : inputs) {
      const FeatureSpec& feature = signature.features[static_cast<size_t>(signature.FindFeature(info.name))];
      const bool text = feature.type == data::ColumnType::kCategorical;
      if (info.type != (text ? OnnxElementType::kString : OnnxElementType::kFloat)) {
        return core::InvalidArgument("ONNX input '" + info.name + "' is " +
                                     std::string(OnnxElementTypeName(info.type)) + "; feature '" + feature.name +
                                     "' needs " + (text ? "string" : "float"));
      }
      const bool column_shaped = !info.has_shape || (info.dims.size() == 1 && info.dims[0] < 0) ||
                                 (info.dims.size() == 2 && info.dims[0] < 0 && info.dims[1] == 1);
      if (!column_shaped) {
        return core::InvalidArgument("ONNX input '" + info.name + "' must be [N, 1] or [N] with N dynamic");
      }
    }
    *matrix_input = false;
    return core::Status::Ok();
  }
  if (inputs.size() == 1 && inputs[0].type == OnnxElementType::kFloat) {
    const OnnxValueInfo& info = inputs[0];
    if (info.has_shape && (info.dims.size() != 2 || info.dims[0] >= 0 ||
                           (info.dims[1] >= 0 && info.dims[1] != static_cast<int64_t>(feature_count)))) {
      return core::InvalidArgument("ONNX input '" + info.name + "' must be [N, " + std::to_string(feature_count) +
                                   "] with N dynamic, one column per feature");
    }
    for (const FeatureSpec& feature : signature.features) {
      if (feature.type == data::ColumnType::kCategorical) {
        return core::InvalidArgument("feature '" + feature.name +
                                     "' is categorical; a single matrix input takes numbers only");
      }
    }
    *matrix_input = true;
    return core::Status::Ok();
  }
  std::string names;
  for (const OnnxValueInfo& info : inputs) names += (names.empty() ? "" : ", ") + info.name;
  return core::InvalidArgument("the ONNX inputs (" + names + ") are neither one per feature (" +
                               signature.FeatureList() + ") nor a single float [N, " + std::to_string(feature_count) +
                               "] matrix");
}

// The index of the output to read: `name`, or the first float output that fits the task.
core::Result<size_t> BindOutput(const ModelSignature& signature, const OnnxGraph& graph, const std::string& name) {
  const std::vector<OnnxValueInfo>& outputs = graph.outputs();
  const bool classifier = IsClassification(signature.task);
  const auto class_count = static_cast<int64_t>(signature.classes.size());
  auto fits = [&](const OnnxValueInfo& info) {
    if (info.type != OnnxElementType::kFloat) return false;
    if (!info.has_shape) return true;
    if (classifier) return info.dims.size() == 2 && (info.dims[1] < 0 || info.dims[1] == class_count);
    return info.dims.size() == 1 || (info.dims.size() == 2 && (info.dims[1] < 0 || info.dims[1] == 1));
  };
  const std::string wanted = classifier ? "a float [N, " + std::to_string(class_count) + "] output of probabilities"
                                        : "a float [N, 1] or [N] output";
  for (size_t output_idx = 0; output_idx < outputs.size(); ++output_idx) {
    if (!name.empty() && outputs[output_idx].name != name) continue;
    if (fits(outputs[output_idx])) return output_idx;
    return core::InvalidArgument("ONNX output '" + outputs[output_idx].name + "' is not " + wanted);
  }
  if (!name.empty()) return core::InvalidArgument("the ONNX model has no output '" + name + "'");
  return core::InvalidArgument("the ONNX model has no " + wanted);
}

}  // namespace

core::Result<std::shared_ptr<const OnnxModel>> OnnxModel::Create(ModelSignature signature, std::string onnx_bytes,
                                                                 std::string output) {
  if (IsClassification(signature.task) && signature.classes.size() < 2) {
    return core::InvalidArgument("a classifier needs at least two classes");
  }
  if (!IsClassification(signature.task) && !signature.classes.empty()) {
    return core::InvalidArgument("a regression model has no classes");
  }
  AMP_ASSIGN_OR_RETURN(std::shared_ptr<const OnnxGraph> graph, OnnxGraph::Load(onnx_bytes));
  bool matrix_input = false;
  AMP_RETURN_IF_ERROR(BindInputs(signature, *graph, &matrix_input));
  AMP_ASSIGN_OR_RETURN(size_t output_idx, BindOutput(signature, *graph, output));
  std::shared_ptr<const OnnxModel> model(
      new OnnxModel(std::move(signature), std::move(onnx_bytes), std::move(graph), matrix_input, output_idx));
  // A trial row (zeros and empty categories) catches graphs that load but cannot run on these inputs.
  std::vector<FeatureValue> trial;
  for (const FeatureSpec& feature : model->signature().features) {
    trial.push_back(feature.type == data::ColumnType::kCategorical ? FeatureValue::Text("")
                                                                   : FeatureValue::Number(0.0));
  }
  std::vector<float> values;
  if (auto status = model->Evaluate(trial, 1, &values); !status.ok()) {
    return core::InvalidArgument("the ONNX model does not run on a row of the given features: " +
                                 std::string(status.message()));
  }
  return model;
}

OnnxModel::OnnxModel(ModelSignature signature, std::string onnx_bytes, std::shared_ptr<const OnnxGraph> graph,
                     bool matrix_input, size_t output_idx)
    : signature_(std::move(signature)),
      onnx_bytes_(std::move(onnx_bytes)),
      graph_(std::move(graph)),
      matrix_input_(matrix_input),
      output_idx_(output_idx) {}

core::Status OnnxModel::Evaluate(std::span<const FeatureValue> rows, size_t row_count,
                                 std::vector<float>* values) const {
  if (rows.size() != row_count * signature_.features.size()) {
    return core::InvalidArgument("expected " + std::to_string(signature_.features.size()) + " values per row");
  }
  AMP_ASSIGN_OR_RETURN(std::vector<OnnxTensor> outputs,
                       graph_->Run(BuildInputs(signature_, *graph_, matrix_input_, rows, row_count)));
  OnnxTensor& output = outputs[output_idx_];
  const size_t per_row = IsClassification(signature_.task) ? signature_.classes.size() : 1;
  if (output.type != OnnxElementType::kFloat || output.floats.size() != row_count * per_row ||
      (row_count > 0 && output.shape.empty())) {
    return core::InvalidArgument("ONNX output '" + graph_->outputs()[output_idx_].name + "' is " + output.Describe() +
                                 " for " + std::to_string(row_count) + " rows; expected " + std::to_string(per_row) +
                                 " float(s) per row");
  }
  *values = std::move(output.floats);
  return core::Status::Ok();
}

core::Status OnnxModel::Predict(std::span<const FeatureValue> rows, std::span<double> out,
                                PredictionNotes* notes) const {
  if (!IsClassification(signature_.task)) {
    std::vector<float> values;
    AMP_RETURN_IF_ERROR(Evaluate(rows, out.size(), &values));
    for (size_t row_idx = 0; row_idx < out.size(); ++row_idx) out[row_idx] = values[row_idx];
    return core::Status::Ok();
  }
  std::vector<double> probabilities(out.size() * signature_.classes.size());
  AMP_RETURN_IF_ERROR(PredictProba(rows, probabilities, notes));
  MostProbableClasses(probabilities, signature_.classes.size(), out);
  return core::Status::Ok();
}

core::Status OnnxModel::PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                                     PredictionNotes* notes) const {
  const size_t class_count = signature_.classes.size();
  if (class_count == 0) return Model::PredictProba(rows, probabilities, notes);
  if (probabilities.size() % class_count != 0) {
    return core::InvalidArgument("expected " + std::to_string(class_count) + " probabilities per row");
  }
  std::vector<float> values;
  AMP_RETURN_IF_ERROR(Evaluate(rows, probabilities.size() / class_count, &values));
  for (size_t idx = 0; idx < values.size(); ++idx) probabilities[idx] = values[idx];
  return core::Status::Ok();
}

std::vector<std::pair<std::string, double>> OnnxModel::Parameters() const {
  return {{"onnx_operators", static_cast<double>(graph_->operators().size())},
          {"onnx_opset", static_cast<double>(graph_->opset())},
          {"onnx_ml_opset", static_cast<double>(graph_->ml_opset())},
          {"onnx_bytes", static_cast<double>(onnx_bytes_.size())}};
}

std::string OnnxModel::SerializePayload() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("onnx");
  const std::string encoded = core::Base64Encode(onnx_bytes_);
  writer.String(encoded.data(), static_cast<rapidjson::SizeType>(encoded.size()));
  writer.Key("output");
  const std::string& output = graph_->outputs()[output_idx_].name;
  writer.String(output.data(), static_cast<rapidjson::SizeType>(output.size()));
  writer.EndObject();
  return buffer.GetString();
}

core::Result<std::shared_ptr<const OnnxModel>> OnnxModel::FromPayload(ModelSignature signature,
                                                                      std::string_view payload) {
  rapidjson::Document doc;
  doc.Parse(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("onnx") || !doc["onnx"].IsString() ||
      !doc.HasMember("output") || !doc["output"].IsString()) {
    return core::DataLoss("malformed ONNX model payload");
  }
  auto bytes = core::Base64Decode(std::string_view(doc["onnx"].GetString(), doc["onnx"].GetStringLength()));
  if (!bytes.ok()) return core::DataLoss("malformed ONNX model payload: " + std::string(bytes.status().message()));
  auto model = Create(std::move(signature), std::move(*bytes),
                      std::string(doc["output"].GetString(), doc["output"].GetStringLength()));
  if (!model.ok()) return core::DataLoss("stored ONNX model no longer loads: " + std::string(model.status().message()));
  return model;
}

int64_t OnnxModel::MemoryBytes() const {
  // The serialized bytes plus the parsed graph, estimated at three times their size (attributes and initializers
  // copied into the kernels).
  return static_cast<int64_t>(sizeof(*this) + 4 * onnx_bytes_.capacity());
}

}  // namespace amp::ml
