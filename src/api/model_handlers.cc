#include "api/model_handlers.h"

#include <charconv>

#include "api/error_response.h"
#include "api/json_out.h"
#include "api/record_json.h"

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
}

}  // namespace

void ModelHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/v1/models", [this](const Request& request, const PathParams&) { return List(request); });
  router.Add(Method::kGet, "/v1/models/{name}",
             [this](const Request& request, const PathParams& params) { return Get(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/versions/{version}",
             [this](const Request& request, const PathParams& params) { return GetVersion(request, params); });
}

Response ModelHandlers::List(const Request&) {
  auto models = registry_.ListModels();
  if (!models.ok()) return ErrorResponse(models.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("models");
  out.writer.StartArray();
  for (const registry::ModelSummary& summary : *models) {
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
  return Response{200, "application/json", out.Take(), {}};
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
  out.writer.Key("versions");
  out.writer.StartArray();
  for (const storage::VersionRecord& version : *versions) WriteVersion(out.writer, version);
  out.writer.EndArray();
  out.writer.EndObject();
  return Response{200, "application/json", out.Take(), {}};
}

Response ModelHandlers::GetVersion(const Request&, const PathParams& params) {
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return ModelError(model.status());
  int64_t number = 0;
  auto [end, ec] = std::from_chars(params[1].data(), params[1].data() + params[1].size(), number);
  if (ec != std::errc() || end != params[1].data() + params[1].size() || number <= 0) {
    return ErrorResponse(400, "invalid_argument", "version must be a positive whole number");
  }
  auto version = registry_.GetVersion(model->id, number);
  if (!version.ok()) return ErrorResponse(version.status(), "version_not_found");
  JsonOut out;
  WriteVersion(out.writer, *version);
  return Response{200, "application/json", out.Take(), {}};
}

}  // namespace amp::api
