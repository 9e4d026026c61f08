#include "ml/model_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ml/ensemble/ensemble_model.h"
#include "ml/kmeans/kmeans_model.h"
#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/onnx/onnx_model.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

constexpr int kFormatVersion = 1;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

core::Result<ModelSignature> ReadSignature(const rapidjson::Value& value) {
  auto corrupt = [] { return core::DataLoss("malformed model signature"); };
  if (!value.IsObject() || !value.HasMember("task") || !value["task"].IsString() || !value.HasMember("target") ||
      !value["target"].IsString() || !value.HasMember("features") || !value["features"].IsArray()) {
    return corrupt();
  }
  ModelSignature signature;
  auto task = ParseTask(value["task"].GetString());
  if (!task.ok()) return corrupt();
  signature.task = *task;
  signature.target = value["target"].GetString();
  for (const auto& feature : value["features"].GetArray()) {
    if (!feature.IsObject() || !feature.HasMember("name") || !feature["name"].IsString() ||
        !feature.HasMember("type") || !feature["type"].IsString()) {
      return corrupt();
    }
    auto type = data::ParseColumnType(feature["type"].GetString());
    if (!type.ok()) return corrupt();
    signature.features.push_back({feature["name"].GetString(), *type});
  }
  if (value.HasMember("classes")) {
    if (!value["classes"].IsArray()) return corrupt();
    for (const auto& label : value["classes"].GetArray()) {
      if (!label.IsString()) return corrupt();
      signature.classes.emplace_back(label.GetString(), label.GetStringLength());
    }
  }
  // A classifier needs at least two classes and a regression model none, or Predict's answers mean nothing.
  if (IsClassification(signature.task) ? signature.classes.size() < 2 : !signature.classes.empty()) return corrupt();
  return signature;
}

}  // namespace

std::string SerializeModel(const Model& model) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("format");
  writer.String("amp.model");
  writer.Key("format_version");
  writer.Int(kFormatVersion);
  writer.Key("algorithm");
  WriteString(writer, model.algorithm());
  writer.Key("signature");
  writer.StartObject();
  writer.Key("task");
  WriteString(writer, TaskName(model.signature().task));
  writer.Key("target");
  WriteString(writer, model.signature().target);
  writer.Key("features");
  writer.StartArray();
  for (const FeatureSpec& feature : model.signature().features) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, feature.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(feature.type));
    writer.EndObject();
  }
  writer.EndArray();
  if (!model.signature().classes.empty()) {
    writer.Key("classes");
    writer.StartArray();
    for (const std::string& label : model.signature().classes) WriteString(writer, label);
    writer.EndArray();
  }
  writer.EndObject();
  writer.Key("payload");
  std::string payload = model.SerializePayload();
  writer.RawValue(payload.data(), payload.size(), rapidjson::kObjectType);
  writer.EndObject();
  return buffer.GetString();
}

core::Result<std::shared_ptr<const Model>> DeserializeModel(std::string_view bytes) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(bytes.data(), bytes.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("format") || !doc["format"].IsString() ||
      std::string_view(doc["format"].GetString()) != "amp.model") {
    return core::DataLoss("not an AMP model artifact");
  }
  if (!doc.HasMember("format_version") || !doc["format_version"].IsInt() || !doc.HasMember("algorithm") ||
      !doc["algorithm"].IsString() || !doc.HasMember("signature") || !doc.HasMember("payload") ||
      !doc["payload"].IsObject()) {
    return core::DataLoss("malformed model artifact");
  }
  if (doc["format_version"].GetInt() > kFormatVersion) {
    return core::FailedPrecondition("model artifact format version " + std::to_string(doc["format_version"].GetInt()) +
                                    " is newer than this server supports");
  }
  AMP_ASSIGN_OR_RETURN(ModelSignature signature, ReadSignature(doc["signature"]));
  rapidjson::StringBuffer payload;
  Writer writer(payload);
  doc["payload"].Accept(writer);
  std::string_view algorithm = doc["algorithm"].GetString();
  // One line per algorithm family.
  if (algorithm == kLinearRegressionAlgorithm) {
    AMP_ASSIGN_OR_RETURN(auto model, LinearModel::FromPayload(std::move(signature), payload.GetString()));
    return std::shared_ptr<const Model>(std::move(model));
  }
  if (algorithm == kLogisticRegressionAlgorithm) {
    AMP_ASSIGN_OR_RETURN(auto model, LogisticModel::FromPayload(std::move(signature), payload.GetString()));
    return std::shared_ptr<const Model>(std::move(model));
  }
  if (algorithm == kXgboostRegressorAlgorithm || algorithm == kXgboostClassifierAlgorithm ||
      algorithm == kRandomForestRegressorAlgorithm || algorithm == kRandomForestClassifierAlgorithm) {
    AMP_ASSIGN_OR_RETURN(auto model, XgboostModel::FromPayload(std::move(signature), payload.GetString()));
    if (model->algorithm() != algorithm) {
      return core::DataLoss("model artifact says '" + std::string(algorithm) + "' but its payload is a " +
                            std::string(model->algorithm()));
    }
    return std::shared_ptr<const Model>(std::move(model));
  }
  if (algorithm == kKMeansAlgorithm) {
    AMP_ASSIGN_OR_RETURN(auto model, KMeansModel::FromPayload(std::move(signature), payload.GetString()));
    return std::shared_ptr<const Model>(std::move(model));
  }
  if (algorithm == kOnnxAlgorithm) {
    AMP_ASSIGN_OR_RETURN(auto model, OnnxModel::FromPayload(std::move(signature), payload.GetString()));
    return std::shared_ptr<const Model>(std::move(model));
  }
  if (algorithm == kEnsembleAlgorithm) {
    AMP_ASSIGN_OR_RETURN(auto model, EnsembleModel::FromPayload(std::move(signature), payload.GetString()));
    return std::shared_ptr<const Model>(std::move(model));
  }
  return core::FailedPrecondition("unknown model algorithm '" + std::string(algorithm) + "'");
}

}  // namespace amp::ml
