#include "api/dataset_handlers.h"

#include "api/error_response.h"
#include "api/json_out.h"
#include "api/record_json.h"
#include "auth/policy.h"
#include "registry/dataset_deletion.h"

namespace amp::api {
namespace {

bool IsCsvContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  return media.empty() || media == "text/csv" || media == "application/csv" || media == "text/plain" ||
         media == "application/octet-stream";
}

}  // namespace

void DatasetHandlers::AddRoutes(Router& router) {
  router.Add(
      Method::kPost, "/v1/datasets", OnServer(auth::Action::kUploadDataset),
      [this](const Request& request, const PathParams&) { return Upload(request); }, BodyMode::kStreamToFile);
  router.Add(Method::kGet, "/v1/datasets", OnServer(auth::Action::kReadDataset),
             [this](const Request& request, const PathParams&) { return List(request); });
  router.Add(Method::kGet, "/v1/datasets/{id}", OnServer(auth::Action::kReadDataset),
             [this](const Request& request, const PathParams& params) { return Get(request, params); });
  router.Add(Method::kDelete, "/v1/datasets/{id}", OnServer(auth::Action::kDeleteDataset),
             [this](const Request& request, const PathParams& params) { return Delete(request, params); });
}

Response DatasetHandlers::Upload(const Request& request) {
  if (!request.body_file) return ErrorResponse(500, "internal", "upload body was not streamed to a file");
  // From here the catalog owns the file (it removes it on every path), except when we refuse early.
  auto discard = [&] {
    std::error_code ec;
    std::filesystem::remove(*request.body_file, ec);
  };
  if (!IsCsvContentType(request.content_type)) {
    discard();
    return ErrorResponse(415, "unsupported_media_type",
                         "expected Content-Type: text/csv, got '" + std::string(request.content_type.substr(0, 100)) +
                             "'");
  }
  std::optional<std::string> name = request.QueryParam("name");
  if (!name || name->empty()) {
    discard();
    return ErrorResponse(400, "invalid_argument", "query parameter 'name' is required: POST /v1/datasets?name=...");
  }
  if (core::Status valid = registry::ValidateDatasetName(*name); !valid.ok()) {
    discard();
    return ErrorResponse(valid);
  }
  registry::IngestLimits limits;
  if (request.principal != nullptr) {
    limits.max_bytes = request.principal->limits.max_dataset_bytes;
    limits.max_rows = request.principal->limits.max_dataset_rows;
  }
  auto dataset = catalog_.Ingest(*name, *request.body_file, limits);
  if (!dataset.ok()) {
    if (dataset.status().code() == core::StatusCode::kResourceExhausted) {
      return ErrorResponse(413, "dataset_too_large", dataset.status().message());
    }
    // The name is valid, so a refused upload is the CSV's fault.
    bool bad_csv = dataset.status().code() == core::StatusCode::kInvalidArgument;
    return ErrorResponse(dataset.status(), bad_csv ? "invalid_csv" : "");
  }
  JsonOut out;
  WriteDataset(out.writer, *dataset);
  Response response = Response::Json(201, out.Take());
  response.headers.emplace_back("Location", "/v1/datasets/" + dataset->id);
  return response;
}

Response DatasetHandlers::List(const Request& request) {
  auto datasets = catalog_.List();
  if (!datasets.ok()) return ErrorResponse(datasets.status());
  const std::optional<std::string> name = request.QueryParam("name");  // only the datasets of that name
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("datasets");
  out.writer.StartArray();
  for (const storage::DatasetRecord& dataset : *datasets) {
    if (!name || dataset.name == *name) WriteDataset(out.writer, dataset);
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response DatasetHandlers::Get(const Request&, const PathParams& params) {
  auto dataset = catalog_.Get(params[0]);
  if (!dataset.ok()) return ErrorResponse(dataset.status());
  JsonOut out;
  WriteDataset(out.writer, *dataset);
  return Response::Json(200, out.Take());
}

Response DatasetHandlers::Delete(const Request& request, const PathParams& params) {
  bool cascade = false;
  if (std::optional<std::string> value = request.QueryParam("cascade")) {
    if (*value != "true" && *value != "false") {
      return ErrorResponse(400, "invalid_argument", "query parameter 'cascade' must be true or false");
    }
    cascade = *value == "true";
  }
  auto deleted = registry::DeleteDataset(catalog_, models_, params[0], cascade);
  if (!deleted.ok()) {
    bool unknown = deleted.status().code() == core::StatusCode::kNotFound;
    return ErrorResponse(deleted.status(), unknown ? "dataset_not_found" : "");
  }
  auto write_names = [](JsonWriter& writer, const std::vector<storage::ModelRecord>& models) {
    writer.StartArray();
    for (const storage::ModelRecord& model : models) WriteString(writer, model.name);
    writer.EndArray();
  };
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("deleted");
  WriteDataset(out.writer, deleted->dataset);
  out.writer.Key("deleted_models");
  write_names(out.writer, deleted->deleted_models);
  // Models trained on it that were kept (no cascade): their versions' dataset_id now names nothing.
  out.writer.Key("models_trained_on_it");
  write_names(out.writer, deleted->kept_models);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

}  // namespace amp::api
