#include "api/kserve_v2_handlers.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "api/access_guard.h"
#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/kserve_v2_codec.h"
#include "api/scored_batch.h"

namespace amp::api {
namespace {

constexpr std::string_view kServerName = "amp";
constexpr std::string_view kServerVersion = "0.1.0";
// GET /v2/models is not in the core protocol; servers name their extensions in the server metadata.
constexpr std::string_view kModelListExtension = "amp_model_list";

Response ModelError(const core::Status& status) {
  if (status.code() == core::StatusCode::kNotFound) return ErrorResponse(status, "model_not_found");
  return ErrorResponse(status);
}

// Versions are opaque strings in the protocol; AMP's are whole numbers 1, 2, 3..., so other text names no version.
std::optional<int64_t> ParseVersionNumber(std::string_view text) {
  int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version <= 0) return std::nullopt;
  return version;
}

core::Status NoSuchVersion(std::string_view model, std::string_view version) {
  return core::NotFound("model '" + std::string(model.substr(0, 100)) + "' has no version '" +
                        std::string(version.substr(0, 100)) + "'");
}

// "amp_<algorithm>", following the protocol's "<project>_<format>" platform names.
std::string Platform(std::string_view algorithm) {
  return "amp_" + std::string(algorithm);
}

void WriteVersionNames(JsonWriter& writer, const std::vector<storage::VersionRecord>& versions) {
  writer.StartArray();
  for (const storage::VersionRecord& version : versions) WriteString(writer, std::to_string(version.version));
  writer.EndArray();
}

// {"name", "datatype", "shape": [-1, 1]}: a column of any number of rows.
// `columns` is the second dimension: 1, or -1 for a classifier's probabilities (one per class).
void WriteTensorMetadata(JsonWriter& writer, std::string_view name, V2Datatype datatype, int columns = 1) {
  writer.StartObject();
  writer.Key("name");
  WriteString(writer, name);
  writer.Key("datatype");
  WriteString(writer, V2DatatypeName(datatype));
  writer.Key("shape");
  writer.StartArray();
  writer.Int(-1);
  writer.Int(columns);
  writer.EndArray();
  writer.EndObject();
}

}  // namespace

void KServeV2Handlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/v2/health/live", OnServer(auth::Action::kHealth),
             [this](const Request& request, const PathParams&) { return Live(request); });
  router.Add(Method::kGet, "/v2/health/ready", OnServer(auth::Action::kHealth),
             [this](const Request& request, const PathParams&) { return Ready(request); });
  router.Add(Method::kGet, "/v2", OnServer(auth::Action::kHealth),
             [this](const Request& request, const PathParams&) { return ServerMetadata(request); });
  router.Add(Method::kGet, "/v2/models", OnServer(auth::Action::kListModels),
             [this](const Request& request, const PathParams&) { return ListModels(request); });
  auto metadata = [this](const Request& request, const PathParams& params) { return ModelMetadata(request, params); };
  auto ready = [this](const Request& request, const PathParams& params) { return ModelReady(request, params); };
  auto infer = [this](const Request& request, const PathParams& params) { return Infer(request, params); };
  router.Add(Method::kGet, "/v2/models/{model}", OnPathModel(auth::Action::kReadModel), metadata);
  router.Add(Method::kGet, "/v2/models/{model}/versions/{version}", OnPathModel(auth::Action::kReadModel), metadata);
  router.Add(Method::kGet, "/v2/models/{model}/ready", OnPathModel(auth::Action::kReadModel), ready);
  router.Add(Method::kGet, "/v2/models/{model}/versions/{version}/ready", OnPathModel(auth::Action::kReadModel), ready);
  router.Add(Method::kPost, "/v2/models/{model}/infer", OnPathModel(auth::Action::kPredict), infer);
  router.Add(Method::kPost, "/v2/models/{model}/versions/{version}/infer", OnPathModel(auth::Action::kPredict), infer);
}

Response KServeV2Handlers::Live(const Request&) {
  return Response::Json(200, R"({"live":true})");
}

Response KServeV2Handlers::Ready(const Request&) {
  if (!is_ready_()) return ErrorResponse(503, "not_ready", "the server is not ready");
  return Response::Json(200, R"({"ready":true})");
}

Response KServeV2Handlers::ServerMetadata(const Request&) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("name");
  WriteString(out.writer, kServerName);
  out.writer.Key("version");
  WriteString(out.writer, kServerVersion);
  out.writer.Key("extensions");
  out.writer.StartArray();
  WriteString(out.writer, kModelListExtension);
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KServeV2Handlers::ListModels(const Request& request) {
  auto models = registry_.ListModels();
  if (!models.ok()) return ErrorResponse(models.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("models");
  out.writer.StartArray();
  for (const registry::ModelSummary& summary : *models) {
    if (!summary.latest) continue;  // nothing to call yet
    if (!MayListModel(request, summary.model.id, summary.model.is_public)) continue;
    auto versions = registry_.ListVersions(summary.model.id);
    if (!versions.ok()) return ErrorResponse(versions.status());
    out.writer.StartObject();
    out.writer.Key("name");
    WriteString(out.writer, summary.model.name);
    out.writer.Key("versions");
    WriteVersionNames(out.writer, *versions);
    out.writer.Key("platform");
    WriteString(out.writer, Platform(summary.latest->algorithm));
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

core::Result<serving::ServableHandle> KServeV2Handlers::Resolve(const PathParams& params) {
  if (params.size() < 2) return manager_.Resolve(params[0]);
  std::optional<int64_t> version = ParseVersionNumber(params[1]);
  if (!version) return NoSuchVersion(params[0], params[1]);
  return manager_.ResolveVersion(params[0], *version);
}

Response KServeV2Handlers::ModelMetadata(const Request&, const PathParams& params) {
  // Without a version: the version inference would use now. With one: its record (no need to load it).
  storage::ModelRecord model;
  storage::VersionRecord version;
  if (params.size() < 2) {
    auto servable = manager_.Resolve(params[0]);
    if (!servable.ok()) return ModelError(servable.status());
    model = (*servable)->model;
    version = (*servable)->version;
  } else {
    auto found = registry_.FindModel(params[0]);
    if (!found.ok()) return ModelError(found.status());
    model = std::move(found).value();
    std::optional<int64_t> number = ParseVersionNumber(params[1]);
    if (!number) return ModelError(NoSuchVersion(model.name, params[1]));
    auto record = registry_.GetVersion(model.id, *number);
    if (!record.ok()) {
      if (record.status().code() != core::StatusCode::kNotFound) return ErrorResponse(record.status());
      return ModelError(NoSuchVersion(model.name, params[1]));
    }
    version = std::move(record).value();
  }
  auto versions = registry_.ListVersions(model.id);
  if (!versions.ok()) return ErrorResponse(versions.status());

  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("name");
  WriteString(out.writer, model.name);
  out.writer.Key("versions");
  WriteVersionNames(out.writer, *versions);
  out.writer.Key("platform");
  WriteString(out.writer, Platform(version.algorithm));
  out.writer.Key("inputs");
  out.writer.StartArray();
  for (const storage::FeatureField& feature : version.features) {
    WriteTensorMetadata(out.writer, feature.name, AdvertisedV2Datatype(feature.type));
  }
  out.writer.EndArray();
  out.writer.Key("outputs");
  out.writer.StartArray();
  const bool classifier = version.task == ml::TaskName(ml::Task::kBinaryClassification) ||
                          version.task == ml::TaskName(ml::Task::kMulticlassClassification);
  WriteTensorMetadata(out.writer, version.target, classifier ? V2Datatype::kBytes : V2Datatype::kFp64);
  if (classifier) WriteTensorMetadata(out.writer, V2ProbabilityOutputName(version.target), V2Datatype::kFp64, -1);
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KServeV2Handlers::ModelReady(const Request&, const PathParams& params) {
  auto servable = Resolve(params);
  if (!servable.ok()) {
    if (servable.status().code() == core::StatusCode::kNotFound) return ModelError(servable.status());
    // Known but not loadable (a corrupt artifact, say): not ready.
    return ErrorResponse(503, "model_not_ready", servable.status().message());
  }
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("name");
  WriteString(out.writer, (*servable)->model.name);
  out.writer.Key("ready");
  out.writer.Bool(true);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KServeV2Handlers::Infer(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  auto servable = Resolve(params);
  if (!servable.ok()) return ModelError(servable.status());
  const serving::Servable& served = **servable;
  const ml::ModelSignature& signature = served.predictor->signature();

  V2InferRequest infer_request;
  if (core::Status parsed = ParseV2InferRequest(root, &infer_request); !parsed.ok()) {
    return ErrorResponse(parsed, "invalid_input");
  }
  const bool classifier = !signature.classes.empty();
  thread_local std::string probability_output;
  probability_output = classifier ? V2ProbabilityOutputName(signature.target) : std::string();
  if (core::Status checked = CheckV2RequestedOutputs(infer_request, signature.target, probability_output);
      !checked.ok()) {
    return ErrorResponse(checked, "invalid_input");
  }
  KServeV2Codec& codec = ThreadKServeV2Codec();
  if (core::Status decoded = codec.DecodeInputs(signature, infer_request.inputs); !decoded.ok()) {
    if (decoded.code() == core::StatusCode::kResourceExhausted) {
      return ErrorResponse(413, "too_many_rows", decoded.message());
    }
    return ErrorResponse(decoded, "invalid_input");
  }

  thread_local ScoredBatch scored;
  if (core::Status status = scored.Score(*served.predictor, codec.values(), codec.row_count(), false); !status.ok()) {
    return ErrorResponse(status);
  }
  ObserveScored(served, codec.values(), codec.row_count(), request.request_id, &scored);
  V2InferResult result;
  result.id = infer_request.id;
  result.model_name = served.model.name;
  result.model_version = served.version.version;
  result.output_name = signature.target;
  result.predictions = scored.predictions;
  result.warnings = scored.notes.warnings;
  result.more_warnings = scored.notes.more_warnings;
  if (classifier) {
    result.classes = signature.classes;
    result.probabilities = scored.probabilities;
    result.probability_output_name = probability_output;
  }
  Response response = Response::Json(200, EncodeV2InferResponse(result));
  response.served = *servable;  // for metrics and the access log
  response.rows_scored = static_cast<int64_t>(codec.row_count());
  return response;
}

}  // namespace amp::api
