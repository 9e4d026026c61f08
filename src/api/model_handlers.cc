#include "api/model_handlers.h"

#include <cctype>
#include <charconv>
#include <optional>

#include "api/access_guard.h"
#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/record_json.h"
#include "ml/onnx/onnx_export.h"
#include "ml/xgboost/xgboost_json_export.h"
#include "registry/model_bundle.h"
#include "storage/sha256.h"

namespace amp::api {
namespace {

Response ModelError(const core::Status& status) {
  return ErrorResponse(status, status.code() == core::StatusCode::kNotFound ? "model_not_found" : "");
}

void WriteModelHeader(JsonWriter& writer, const storage::ModelRecord& model) {
  writer.Key("id");
  WriteString(writer, model.id);
  writer.Key("name");
  WriteString(writer, model.name);
  writer.Key("description");
  WriteString(writer, model.description);
  writer.Key("created_at");
  WriteTime(writer, model.created_at_micros);
  writer.Key("public");
  writer.Bool(model.is_public);
  writer.Key("owner");
  WriteString(writer, model.owner);
  writer.Key("tags");
  writer.StartArray();
  for (const std::string& tag : model.tags) WriteString(writer, tag);
  writer.EndArray();
  writer.Key("retention");
  if (model.retention_keep_last > 0) {
    writer.StartObject();
    writer.Key("keep_last");
    writer.Int64(model.retention_keep_last);
    writer.EndObject();
  } else {
    writer.Null();
  }
}

void WriteAlias(JsonWriter& writer, const storage::AliasRecord& alias) {
  writer.StartObject();
  writer.Key("alias");
  WriteString(writer, alias.alias);
  writer.Key("version");
  writer.Int64(alias.version);
  writer.Key("updated_at");
  WriteTime(writer, alias.updated_at_micros);
  writer.Key("updated_by");
  WriteString(writer, alias.updated_by);
  writer.EndObject();
}

// The {version} path segment: a positive whole number, or a 400.
std::optional<Response> ParseVersionParam(std::string_view text, int64_t* number) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *number);
  if (ec != std::errc() || end != text.data() + text.size() || *number <= 0) {
    return ErrorResponse(400, "invalid_argument", "version must be a positive whole number");
  }
  return std::nullopt;
}

// The model and version that the {name} and {version} path segments name, or the error to answer.
std::optional<Response> FindVersion(registry::ModelRegistry& registry, const PathParams& params,
                                    storage::ModelRecord* model, storage::VersionRecord* version) {
  auto found_model = registry.FindModel(params[0]);
  if (!found_model.ok()) return ModelError(found_model.status());
  int64_t number = 0;
  if (auto error = ParseVersionParam(params[1], &number)) return error;
  auto found_version = registry.GetVersion(found_model->id, number);
  if (!found_version.ok()) return ErrorResponse(found_version.status(), "version_not_found");
  *model = std::move(found_model).value();
  *version = std::move(found_version).value();
  return std::nullopt;
}

// Content-Disposition for a download of version `number`, with a file name safe in any shell: the model name's
// letters, digits, '-', '_' and '.', others as '_'.
std::string AttachmentHeader(std::string_view model_name, int64_t number, std::string_view extension) {
  std::string file_name;
  for (char c : model_name) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    file_name += plain ? c : '_';
  }
  return "attachment; filename=\"" + file_name + "-v" + std::to_string(number) + std::string(extension) + "\"";
}

}  // namespace

void ModelHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/v1/models", OnServer(auth::Action::kListModels),
             [this](const Request& request, const PathParams&) { return List(request); });
  router.Add(Method::kGet, "/v1/models/{name}", OnPathModel(auth::Action::kReadModel),
             [this](const Request& request, const PathParams& params) { return Get(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/versions/{version}", OnPathModel(auth::Action::kReadModel),
             [this](const Request& request, const PathParams& params) { return GetVersion(request, params); });
  router.Add(Method::kDelete, "/v1/models/{name}/versions/{version}", OnPathModel(auth::Action::kDeleteVersion),
             [this](const Request& request, const PathParams& params) { return DeleteVersion(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/versions/{version}/artifact", OnPathModel(auth::Action::kDownloadModel),
             [this](const Request& request, const PathParams& params) { return GetArtifact(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/versions/{version}/export", OnPathModel(auth::Action::kDownloadModel),
             [this](const Request& request, const PathParams& params) { return GetExport(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/aliases", OnPathModel(auth::Action::kReadModel),
             [this](const Request& request, const PathParams& params) { return ListAliases(request, params); });
  router.Add(Method::kPut, "/v1/models/{name}/aliases/{alias}", OnPathModel(auth::Action::kMoveAlias),
             [this](const Request& request, const PathParams& params) { return SetAlias(request, params); });
  router.Add(Method::kDelete, "/v1/models/{name}/aliases/{alias}", OnPathModel(auth::Action::kMoveAlias),
             [this](const Request& request, const PathParams& params) { return DeleteAlias(request, params); });
}

Response ModelHandlers::List(const Request& request) {
  registry::ModelFilter filter;
  filter.tag = request.QueryParam("tag").value_or("");
  filter.owner = request.QueryParam("owner").value_or("");
  filter.search = request.QueryParam("q").value_or("");
  auto models = registry_.ListModels(filter);
  if (!models.ok()) return ErrorResponse(models.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("models");
  out.writer.StartArray();
  for (const registry::ModelSummary& summary : *models) {
    if (!MayListModel(request, summary.model.id, summary.model.is_public)) continue;
    out.writer.StartObject();
    WriteModelHeader(out.writer, summary.model);
    out.writer.Key("latest_version");
    if (summary.latest) {
      WriteVersion(out.writer, *summary.latest);
    } else {
      out.writer.Null();
    }
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response ModelHandlers::Get(const Request&, const PathParams& params) {
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return ModelError(model.status());
  auto versions = registry_.ListVersions(model->id);
  if (!versions.ok()) return ErrorResponse(versions.status());
  JsonOut out;
  out.writer.StartObject();
  WriteModelHeader(out.writer, *model);
  out.writer.Key("latest_version");
  if (versions->empty()) {
    out.writer.Null();
  } else {
    out.writer.Int64(versions->back().version);
  }
  auto aliases = registry_.ListAliases(model->id);
  if (!aliases.ok()) return ErrorResponse(aliases.status());
  out.writer.Key("aliases");
  out.writer.StartObject();
  for (const storage::AliasRecord& alias : *aliases) {
    WriteString(out.writer, alias.alias);
    out.writer.Int64(alias.version);
  }
  out.writer.EndObject();
  out.writer.Key("served_version");
  auto served = registry_.GetServedVersion(model->id);
  if (served.ok()) {
    out.writer.Int64(served->version);
  } else {
    out.writer.Null();
  }
  out.writer.Key("versions");
  out.writer.StartArray();
  for (const storage::VersionRecord& version : *versions) WriteVersion(out.writer, version);
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response ModelHandlers::GetVersion(const Request&, const PathParams& params) {
  storage::ModelRecord model;
  storage::VersionRecord version;
  if (auto error = FindVersion(registry_, params, &model, &version)) return std::move(*error);
  JsonOut out;
  WriteVersionDetail(out.writer, version);
  return Response::Json(200, out.Take());
}

Response ModelHandlers::DeleteVersion(const Request&, const PathParams& params) {
  int64_t number = 0;
  if (auto error = ParseVersionParam(params[1], &number)) return std::move(*error);
  auto removed = registry_.DeleteVersion(params[0], number);
  if (!removed.ok()) {
    switch (removed.status().code()) {
      case core::StatusCode::kNotFound:
        return ErrorResponse(removed.status(), "not_found");
      case core::StatusCode::kFailedPrecondition:  // an alias points to it, or calls by name serve it
        return ErrorResponse(409, "version_in_use", removed.status().message());
      default:
        return ErrorResponse(removed.status());
    }
  }
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("model_id");
  WriteString(out.writer, removed->model_id);
  out.writer.Key("version");
  out.writer.Int64(removed->version);
  out.writer.Key("deleted");
  out.writer.Bool(true);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response ModelHandlers::GetArtifact(const Request&, const PathParams& params) {
  storage::ModelRecord model;
  storage::VersionRecord version;
  if (auto error = FindVersion(registry_, params, &model, &version)) return std::move(*error);
  auto artifact = registry_.ReadArtifact(version);
  if (!artifact.ok()) return ErrorResponse(artifact.status());
  Response response = Response::Json(200, registry::EncodeBundle(model, version, *artifact));
  response.headers.emplace_back("X-Amp-Bundle-Sha256", storage::Sha256Hex(response.body));
  response.headers.emplace_back("Content-Disposition", AttachmentHeader(model.name, version.version, ".ampbundle"));
  return response;
}

Response ModelHandlers::GetExport(const Request& request, const PathParams& params) {
  std::optional<std::string> format = request.QueryParam("format");
  if (!format || (*format != "onnx" && *format != "xgboost-json")) {
    return ErrorResponse(400, "invalid_argument", "format must be onnx or xgboost-json");
  }
  storage::ModelRecord model;
  storage::VersionRecord version;
  if (auto error = FindVersion(registry_, params, &model, &version)) return std::move(*error);
  auto loaded = registry_.LoadModel(version);
  if (!loaded.ok()) return ErrorResponse(loaded.status());
  if (*format == "xgboost-json") {
    auto exported = ml::ExportXgboostJson(**loaded);
    if (!exported.ok()) return ErrorResponse(exported.status());
    Response response = Response::Json(200, std::move(exported).value());
    response.headers.emplace_back("Content-Disposition",
                                  AttachmentHeader(model.name, version.version, ".xgboost.json"));
    return response;
  }
  auto onnx = ml::ExportOnnx(**loaded);
  if (!onnx.ok()) return ErrorResponse(onnx.status());
  Response response = Response::Json(200, std::move(onnx).value());
  response.content_type = "application/octet-stream";
  response.headers.emplace_back("Content-Disposition", AttachmentHeader(model.name, version.version, ".onnx"));
  return response;
}

}  // namespace amp::api

namespace amp::api {

Response ModelHandlers::ListAliases(const Request&, const PathParams& params) {
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return ModelError(model.status());
  auto aliases = registry_.ListAliases(model->id);
  if (!aliases.ok()) return ErrorResponse(aliases.status());
  auto events = registry_.ListAliasEvents(model->id);
  if (!events.ok()) return ErrorResponse(events.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("aliases");
  out.writer.StartArray();
  for (const storage::AliasRecord& alias : *aliases) WriteAlias(out.writer, alias);
  out.writer.EndArray();
  out.writer.Key("history");
  out.writer.StartArray();
  for (const storage::AliasEvent& event : *events) {
    out.writer.StartObject();
    out.writer.Key("alias");
    WriteString(out.writer, event.alias);
    out.writer.Key("version");
    if (event.version > 0) {
      out.writer.Int64(event.version);
    } else {
      out.writer.Null();  // deleted
    }
    out.writer.Key("previous_version");
    if (event.previous_version > 0) {
      out.writer.Int64(event.previous_version);
    } else {
      out.writer.Null();
    }
    out.writer.Key("at");
    WriteTime(out.writer, event.at_micros);
    out.writer.Key("by");
    WriteString(out.writer, event.by);
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response ModelHandlers::SetAlias(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  int64_t version = 0;
  if (root["version"].get_int64().get(version) != simdjson::SUCCESS || version <= 0) {
    return ErrorResponse(422, "invalid_input", "expected {\"version\": <a version number>}");
  }
  auto alias = registry_.SetAlias(params[0], params[1], version, ActorOf(request));
  if (!alias.ok()) {
    bool unknown = alias.status().code() == core::StatusCode::kNotFound;
    return ErrorResponse(alias.status(), unknown ? "not_found" : "");
  }
  JsonOut out;
  WriteAlias(out.writer, *alias);
  return Response::Json(200, out.Take());
}

Response ModelHandlers::DeleteAlias(const Request& request, const PathParams& params) {
  auto previous = registry_.DeleteAlias(params[0], params[1], ActorOf(request));
  if (!previous.ok()) return ErrorResponse(previous.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("alias");
  WriteString(out.writer, params[1]);
  out.writer.Key("deleted");
  out.writer.Bool(true);
  out.writer.Key("previous_version");
  out.writer.Int64(*previous);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

}  // namespace amp::api
