#include "registry/model_bundle.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ml/model_codec.h"
#include "storage/sha256.h"

namespace amp::registry {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void WriteNumberMap(Writer& writer, const std::map<std::string, double>& values) {
  writer.StartObject();
  for (const auto& [key, value] : values) {
    WriteString(writer, key);
    writer.Double(value);
  }
  writer.EndObject();
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

core::Status Missing(const char* name) {
  return core::InvalidArgument(std::string("not an AMP model bundle: the manifest has no valid '") + name + "'");
}

core::Status ReadString(const rapidjson::Value& object, const char* name, std::string* out) {
  const rapidjson::Value* value = Member(object, name);
  if (value == nullptr || !value->IsString()) return Missing(name);
  out->assign(value->GetString(), value->GetStringLength());
  return core::Status::Ok();
}

core::Status ReadInt(const rapidjson::Value& object, const char* name, int64_t* out) {
  const rapidjson::Value* value = Member(object, name);
  if (value == nullptr || !value->IsInt64()) return Missing(name);
  *out = value->GetInt64();
  return core::Status::Ok();
}

core::Status ReadNumberMap(const rapidjson::Value& object, const char* name, std::map<std::string, double>* out) {
  const rapidjson::Value* value = Member(object, name);
  if (value == nullptr || !value->IsObject()) return Missing(name);
  for (const auto& entry : value->GetObject()) {
    if (!entry.value.IsNumber()) return Missing(name);
    (*out)[entry.name.GetString()] = entry.value.GetDouble();
  }
  return core::Status::Ok();
}

}  // namespace

std::string EncodeBundle(const storage::ModelRecord& model, const storage::VersionRecord& version,
                         std::string_view artifact) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("format");
  WriteString(writer, kBundleFormat);
  writer.Key("format_version");
  writer.Int(kBundleFormatVersion);
  writer.Key("manifest");
  writer.StartObject();
  writer.Key("model_id");
  WriteString(writer, model.id);
  writer.Key("model_name");
  WriteString(writer, model.name);
  writer.Key("version");
  writer.Int64(version.version);
  writer.Key("created_at_micros");
  writer.Int64(version.created_at_micros);
  writer.Key("algorithm");
  WriteString(writer, version.algorithm);
  writer.Key("task");
  WriteString(writer, version.task);
  writer.Key("target");
  WriteString(writer, version.target);
  writer.Key("features");
  writer.StartArray();
  for (const storage::FeatureField& feature : version.features) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, feature.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(feature.type));
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("metrics");
  WriteNumberMap(writer, version.metrics);
  writer.Key("params");
  WriteNumberMap(writer, version.params);
  writer.Key("lineage");
  writer.StartObject();
  writer.Key("dataset_id");
  WriteString(writer, version.dataset_id);
  writer.Key("dataset_sha256");
  WriteString(writer, version.dataset_sha256);
  writer.Key("job_id");
  WriteString(writer, version.job_id);
  writer.Key("code_version");
  WriteString(writer, version.code_version);
  writer.EndObject();
  if (!version.cleaning_report_json.empty()) {  // a JSON object text written by data::CleaningReportToJson
    writer.Key("cleaning_report");
    writer.RawValue(version.cleaning_report_json.data(), version.cleaning_report_json.size(), rapidjson::kObjectType);
  }
  if (!version.evaluation_curves_json.empty()) {  // a JSON object text written by training::EvaluationCurvesToJson
    writer.Key("evaluation_curves");
    writer.RawValue(version.evaluation_curves_json.data(), version.evaluation_curves_json.size(),
                    rapidjson::kObjectType);
  }
  writer.Key("model_sha256");
  WriteString(writer, storage::Sha256Hex(artifact));
  writer.Key("model_size_bytes");
  writer.Int64(static_cast<int64_t>(artifact.size()));
  writer.EndObject();
  writer.Key("model");
  WriteString(writer, artifact);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

core::Result<DecodedBundle> DecodeBundle(std::string_view bytes) {
  rapidjson::Document document;
  // The whole file must be the one JSON document: bytes after it mean a damaged or concatenated file.
  document.Parse(bytes.data(), bytes.size());
  if (document.HasParseError() || !document.IsObject()) {
    return core::InvalidArgument("not an AMP model bundle: not a JSON object");
  }
  const rapidjson::Value* format = Member(document, "format");
  if (format == nullptr || !format->IsString() || std::string_view(format->GetString()) != kBundleFormat) {
    return core::InvalidArgument("not an AMP model bundle: 'format' is not \"amp.bundle\"");
  }
  const rapidjson::Value* format_version = Member(document, "format_version");
  if (format_version == nullptr || !format_version->IsInt()) return Missing("format_version");
  if (format_version->GetInt() > kBundleFormatVersion) {
    return core::InvalidArgument("the bundle has format version " + std::to_string(format_version->GetInt()) +
                                 "; this build reads up to " + std::to_string(kBundleFormatVersion));
  }
  const rapidjson::Value* manifest = Member(document, "manifest");
  const rapidjson::Value* model = Member(document, "model");
  if (manifest == nullptr || !manifest->IsObject()) return Missing("manifest");
  if (model == nullptr || !model->IsString()) return Missing("model");

  DecodedBundle bundle;
  storage::VersionRecord& version = bundle.version;
  AMP_RETURN_IF_ERROR(ReadString(*manifest, "model_id", &version.model_id));
  AMP_RETURN_IF_ERROR(ReadString(*manifest, "model_name", &bundle.model_name));
  AMP_RETURN_IF_ERROR(ReadInt(*manifest, "version", &version.version));
  AMP_RETURN_IF_ERROR(ReadInt(*manifest, "created_at_micros", &version.created_at_micros));
  AMP_RETURN_IF_ERROR(ReadString(*manifest, "algorithm", &version.algorithm));
  AMP_RETURN_IF_ERROR(ReadString(*manifest, "task", &version.task));
  AMP_RETURN_IF_ERROR(ReadString(*manifest, "target", &version.target));
  AMP_RETURN_IF_ERROR(ReadNumberMap(*manifest, "metrics", &version.metrics));
  AMP_RETURN_IF_ERROR(ReadNumberMap(*manifest, "params", &version.params));
  const rapidjson::Value* features = Member(*manifest, "features");
  if (features == nullptr || !features->IsArray()) return Missing("features");
  for (const auto& feature : features->GetArray()) {
    storage::FeatureField field;
    AMP_RETURN_IF_ERROR(ReadString(feature, "name", &field.name));
    std::string type;
    AMP_RETURN_IF_ERROR(ReadString(feature, "type", &type));
    auto parsed = data::ParseColumnType(type);
    if (!parsed.ok()) return Missing("features");
    field.type = *parsed;
    version.features.push_back(std::move(field));
  }
  const rapidjson::Value* lineage = Member(*manifest, "lineage");
  if (lineage == nullptr) return Missing("lineage");
  AMP_RETURN_IF_ERROR(ReadString(*lineage, "dataset_id", &version.dataset_id));
  AMP_RETURN_IF_ERROR(ReadString(*lineage, "dataset_sha256", &version.dataset_sha256));
  AMP_RETURN_IF_ERROR(ReadString(*lineage, "job_id", &version.job_id));
  if (Member(*lineage, "code_version") != nullptr) {  // absent from bundles written before it was recorded
    AMP_RETURN_IF_ERROR(ReadString(*lineage, "code_version", &version.code_version));
  }
  if (const rapidjson::Value* report = Member(*manifest, "cleaning_report"); report != nullptr) {
    if (!report->IsObject()) return Missing("cleaning_report");
    rapidjson::StringBuffer report_text;
    Writer report_writer(report_text);
    report->Accept(report_writer);
    version.cleaning_report_json.assign(report_text.GetString(), report_text.GetSize());
  }
  if (const rapidjson::Value* curves = Member(*manifest, "evaluation_curves"); curves != nullptr) {
    if (!curves->IsObject()) return Missing("evaluation_curves");
    rapidjson::StringBuffer curves_text;
    Writer curves_writer(curves_text);
    curves->Accept(curves_writer);
    version.evaluation_curves_json.assign(curves_text.GetString(), curves_text.GetSize());
  }
  AMP_RETURN_IF_ERROR(ReadString(*manifest, "model_sha256", &version.artifact_sha256));
  AMP_RETURN_IF_ERROR(ReadInt(*manifest, "model_size_bytes", &version.artifact_size_bytes));

  std::string_view artifact(model->GetString(), model->GetStringLength());
  if (static_cast<int64_t>(artifact.size()) != version.artifact_size_bytes ||
      storage::Sha256Hex(artifact) != version.artifact_sha256) {
    return core::DataLoss("the bundle's model does not match its manifest's SHA-256: the file was altered or is "
                          "damaged");
  }
  auto decoded = ml::DeserializeModel(artifact);
  if (!decoded.ok()) return core::DataLoss("the bundle's model does not decode: " + decoded.status().message());
  bundle.model = std::move(*decoded);
  return bundle;
}

}  // namespace amp::registry
