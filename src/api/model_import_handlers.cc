#include "api/model_import_handlers.h"

#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/record_json.h"
#include "core/base64.h"
#include "ml/model_import.h"

namespace amp::api {
namespace {

Response Invalid(std::string_view message) {
  return ErrorResponse(422, "invalid_input", message);
}

// Reads the streamed body; removes the file whatever happens.
core::Result<std::string> TakeBodyFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::string bytes;
  if (!ec && size <= kMaxImportBodyBytes) {
    std::ifstream file(path, std::ios::binary);
    bytes.resize(size);
    file.read(bytes.data(), static_cast<std::streamsize>(size));
    if (!file) ec = std::make_error_code(std::errc::io_error);
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  if (ec) return core::Internal("could not read the request body: " + ec.message());
  if (size > kMaxImportBodyBytes) {
    return core::InvalidArgument("the body exceeds " + std::to_string(kMaxImportBodyBytes >> 20) + " MiB");
  }
  return bytes;
}

std::optional<Response> ReadString(simdjson::dom::element value, std::string_view key, std::string* out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return Invalid("'" + std::string(key) + "' must be a string, not " + std::string(JsonTypeName(value.type())));
  }
  *out = std::string(text);
  return std::nullopt;
}

// Decodes the body into `spec`, or returns the error to answer.
std::optional<Response> DecodeImport(simdjson::dom::element root, ml::ImportSpec* spec) {
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return Invalid("the body must be a JSON object");
  std::string format = "onnx";
  std::string task;
  std::string encoded;
  bool have_model = false;
  bool have_classes = false;
  spec->signature.target = "prediction";
  for (auto [key, value] : object) {
    if (key == "format") {
      if (auto error = ReadString(value, key, &format)) return error;
    } else if (key == "model_base64") {
      if (auto error = ReadString(value, key, &encoded)) return error;
      have_model = true;
    } else if (key == "task") {
      if (auto error = ReadString(value, key, &task)) return error;
    } else if (key == "target") {
      if (auto error = ReadString(value, key, &spec->signature.target)) return error;
      if (spec->signature.target.empty()) return Invalid("'target' must not be empty");
    } else if (key == "output") {
      if (auto error = ReadString(value, key, &spec->output)) return error;
    } else if (key == "features") {
      simdjson::dom::array features;
      if (value.get_array().get(features) != simdjson::SUCCESS) return Invalid("'features' must be an array");
      for (simdjson::dom::element item : features) {
        ml::FeatureSpec feature;
        std::string_view name;
        if (item.get_string().get(name) == simdjson::SUCCESS) {
          feature.name = std::string(name);
        } else {
          simdjson::dom::object entry;
          if (item.get_object().get(entry) != simdjson::SUCCESS || entry["name"].get_string().get(name)) {
            return Invalid("each feature must be a name or {\"name\": ..., \"type\": ...}");
          }
          feature.name = std::string(name);
          std::string_view type_name;
          if (entry["type"].get_string().get(type_name) == simdjson::SUCCESS) {
            auto type = data::ParseColumnType(type_name);
            if (!type.ok()) {
              return Invalid("feature '" + feature.name + "': type must be numeric, integer, boolean or categorical");
            }
            feature.type = *type;
          }
        }
        spec->signature.features.push_back(std::move(feature));
      }
    } else if (key == "classes") {
      simdjson::dom::array classes;
      if (value.get_array().get(classes) != simdjson::SUCCESS) return Invalid("'classes' must be an array");
      for (simdjson::dom::element item : classes) {
        std::string_view label;
        if (item.get_string().get(label) != simdjson::SUCCESS) return Invalid("each class must be a string");
        spec->signature.classes.emplace_back(label);
      }
      have_classes = true;
    } else {
      return Invalid("unknown field '" + std::string(key.substr(0, 100)) +
                     "'; expected format, model_base64, features, task, classes, target, output");
    }
  }
  auto parsed_format = ml::ParseImportFormat(format);
  if (!parsed_format.ok()) return Invalid(parsed_format.status().message());
  spec->format = *parsed_format;
  if (!have_model) return Invalid("'model_base64' is required");
  auto bytes = core::Base64Decode(encoded);
  if (!bytes.ok()) return Invalid("'model_base64': " + std::string(bytes.status().message()));
  spec->bytes = std::move(*bytes);
  if (spec->signature.features.empty()) return Invalid("'features' is required (the model's inputs, in order)");
  if (task == "regression") {
    spec->signature.task = ml::Task::kRegression;
    if (have_classes) return Invalid("a regression has no 'classes'");
  } else if (task == "classification" || task == "binary_classification" || task == "multiclass_classification") {
    if (spec->signature.classes.size() < 2) return Invalid("a classification needs 'classes' (at least two)");
    spec->signature.task =
        spec->signature.classes.size() == 2 ? ml::Task::kBinaryClassification : ml::Task::kMulticlassClassification;
  } else {
    return Invalid("'task' must be regression or classification");
  }
  if (spec->signature.FindFeature(spec->signature.target) >= 0) {
    return Invalid("'target' '" + spec->signature.target + "' is also a feature");
  }
  return std::nullopt;
}

}  // namespace

void ModelImportHandlers::AddRoutes(Router& router) {
  router.Add(
      Method::kPost, "/v1/models/{name}/import", OnPathModel(auth::Action::kImportModel),
      [this](const Request& request, const PathParams& params) { return Import(request, params); },
      BodyMode::kStreamToFile);
}

Response ModelImportHandlers::Import(const Request& request, const PathParams& params) {
  if (!request.body_file) return ErrorResponse(500, "internal", "the import body was not streamed to a file");
  auto body = TakeBodyFile(*request.body_file);
  if (!body.ok()) return ErrorResponse(body.status());
  if (!request.content_type.empty() && request.content_type.find("json") == std::string_view::npos) {
    return ErrorResponse(415, "unsupported_media_type", "expected Content-Type: application/json");
  }
  if (auto valid = registry::ValidateModelName(params[0]); !valid.ok()) return ErrorResponse(valid);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.allocate(body->size(), kMaxJsonDepth) != simdjson::SUCCESS) {
    return ErrorResponse(500, "internal", "could not allocate the JSON parser");
  }
  if (parser.parse(simdjson::padded_string(*body)).get(root) != simdjson::SUCCESS) {
    return ErrorResponse(400, "invalid_json", "the body is not valid JSON");
  }
  ml::ImportSpec spec;
  if (auto error = DecodeImport(root, &spec)) return std::move(*error);
  auto model = ml::ImportModel(std::move(spec));
  if (!model.ok()) return ErrorResponse(422, "invalid_model", model.status().message());
  registry::VersionDraft draft;
  draft.algorithm = std::string((*model)->algorithm());
  draft.params["imported"] = 1.0;
  auto version = registry_.PublishVersion(params[0], **model, draft);
  if (!version.ok()) return ErrorResponse(version.status());
  JsonOut out;
  WriteVersion(out.writer, *version);
  return Response::Json(201, out.Take());
}

}  // namespace amp::api
