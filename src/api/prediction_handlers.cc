#include "api/prediction_handlers.h"

#include <charconv>

#include "api/access_guard.h"
#include "api/batch_decoder.h"
#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/record_json.h"
#include "api/row_decoder.h"
#include "api/scored_batch.h"

namespace amp::api {
namespace {

Response ModelError(const core::Status& status) {
  if (status.code() == core::StatusCode::kNotFound) return ErrorResponse(status, "model_not_found");
  return ErrorResponse(status);
}

// Decodes `rows` (one object, or an array of objects) and scores them on `servable` into `scored`; returns an
// error response on failure.
std::optional<Response> Score(const serving::Servable& servable, simdjson::dom::element rows,
                              std::string_view request_id, bool* is_batch, ScoredBatch* scored) {
  const ml::ModelSignature& signature = servable.predictor->signature();
  RowDecoder& decoder = ThreadRowDecoder();
  simdjson::dom::array array;
  *is_batch = rows.get_array().get(array) == simdjson::SUCCESS;
  if (*is_batch) {
    if (array.size() > kMaxRowsPerRequest) {
      return ErrorResponse(413, "too_many_rows", "at most " + std::to_string(kMaxRowsPerRequest) + " rows per request");
    }
    decoder.Reset(signature, array.size());
    size_t row_idx = 0;
    for (simdjson::dom::element row : array) {
      core::Status status = decoder.DecodeRow(row, row_idx++);
      if (!status.ok()) return ErrorResponse(status, "invalid_input");
    }
  } else {
    decoder.Reset(signature, 1);
    core::Status status = decoder.DecodeRow(rows, 0);
    if (!status.ok()) return ErrorResponse(status, "invalid_input");
  }
  const size_t row_count =
      signature.features.empty() ? (*is_batch ? array.size() : 1) : decoder.values().size() / signature.features.size();
  core::Status status = scored->Score(*servable.predictor, decoder.values(), row_count, false);
  if (!status.ok()) return ErrorResponse(status);
  ObserveScored(servable, decoder.values(), row_count, request_id, scored);
  return std::nullopt;
}

// ?explain=true (or 1, or a bare ?explain) asks for explanations; false or 0 does not. 400 for anything else.
std::optional<Response> ParseExplainParam(const Request& request, bool* explain) {
  std::optional<std::string> value = request.QueryParam("explain");
  if (!value) return std::nullopt;
  if (value->empty() || *value == "true" || *value == "1") {
    *explain = true;
  } else if (*value == "false" || *value == "0") {
    *explain = false;
  } else {
    return ErrorResponse(400, "invalid_argument", "explain must be true or false, got '" + value->substr(0, 100) + "'");
  }
  return std::nullopt;
}

void WriteWarnings(JsonWriter& writer, const ml::PredictionNotes& notes) {
  WriteWarnings(writer, notes.warnings, notes.more_warnings);
}

}  // namespace

void PredictionHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/api/model", OnServer(auth::Action::kListModels),
             [this](const Request& request, const PathParams&) { return ListModelsClassic(request); });
  router.Add(Method::kPost, "/api/predict", OnBodyModel(auth::Action::kPredict),
             [this](const Request& request, const PathParams&) { return PredictClassic(request); });
  router.Add(Method::kPost, "/v1/models/{name}/predict", OnPathModel(auth::Action::kPredict),
             [this](const Request& request, const PathParams& params) { return PredictV1(request, params); });
  router.Add(Method::kPost, "/v1/models/{name}/versions/{version}/predict", OnPathModel(auth::Action::kPredict),
             [this](const Request& request, const PathParams& params) { return PredictV1(request, params); });
}

Response PredictionHandlers::ListModelsClassic(const Request& request) {
  auto models = registry_.ListModels();
  if (!models.ok()) return ErrorResponse(models.status());
  JsonOut out;
  out.writer.StartArray();
  for (const registry::ModelSummary& summary : *models) {
    if (!summary.served) continue;  // nothing to call yet
    if (!MayListModel(request, summary.model.id, summary.model.is_public)) continue;
    out.writer.StartObject();
    out.writer.Key("id");
    WriteString(out.writer, summary.model.id);
    out.writer.Key("name");
    WriteString(out.writer, summary.model.name);
    WriteVersionFields(out.writer, *summary.served);
    out.writer.EndObject();
  }
  out.writer.EndArray();
  return Response::Json(200, out.Take());
}

Response PredictionHandlers::PredictClassic(const Request& request) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  simdjson::dom::object body;
  if (root.get_object().get(body) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "the body must be a JSON object with model_id and input_parameters");
  }
  std::string_view model_ref;
  simdjson::dom::element model_field;
  if (body["model_id"].get(model_field) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "missing field 'model_id'");
  }
  int64_t numeric_ref = 0;
  char numeric_buffer[24];
  if (model_field.get_string().get(model_ref) != simdjson::SUCCESS) {
    if (model_field.get_int64().get(numeric_ref) != simdjson::SUCCESS) {
      return ErrorResponse(422, "invalid_input", "'model_id' must be a string (a model id or name)");
    }
    auto [end, ec] = std::to_chars(numeric_buffer, numeric_buffer + sizeof(numeric_buffer), numeric_ref);
    model_ref = std::string_view(numeric_buffer, static_cast<size_t>(end - numeric_buffer));
  }
  simdjson::dom::element inputs;
  if (body["input_parameters"].get(inputs) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "missing field 'input_parameters'");
  }
  if (auto denied = AuthorizeModel(request, auth::Action::kPredict, model_ref)) return std::move(*denied);
  auto servable = manager_.Resolve(model_ref);
  if (!servable.ok()) return ModelError(servable.status());
  const serving::Servable& served = **servable;
  // From here on the answer, good or bad, is counted against the model that gave it.
  auto attributed = [&servable](Response response, int64_t rows) {
    response.served = *servable;
    response.rows_scored = rows;
    return response;
  };

  std::string_view output_target;
  simdjson::dom::element target_field;
  if (body["output_target"].get(target_field) == simdjson::SUCCESS && !target_field.is_null()) {
    if (target_field.get_string().get(output_target) != simdjson::SUCCESS) {
      return attributed(ErrorResponse(422, "invalid_input", "'output_target' must be a string"), 0);
    }
    if (output_target != served.version.target) {
      return attributed(
          ErrorResponse(422, "invalid_input",
                        "output_target '" + std::string(output_target.substr(0, 100)) + "' is not what model '" +
                            served.model.name + "' predicts; its target is '" + served.version.target + "'"),
          0);
    }
  }

  thread_local ScoredBatch scored;
  bool is_batch = false;
  if (auto error = Score(served, inputs, request.request_id, &is_batch, &scored)) return attributed(std::move(*error), 0);
  const std::vector<double>& predictions = scored.predictions;
  const ml::PredictionNotes& notes = scored.notes;
  const ml::ModelSignature& signature = served.predictor->signature();

  // A classifier answers its label as the prediction and each class's probability beside it.
  JsonOut out;
  out.writer.StartObject();
  for (bool probabilities : {false, true}) {
    if (probabilities && scored.class_count == 0) break;
    out.writer.Key(probabilities ? "probabilities" : "prediction");
    if (is_batch) out.writer.StartArray();
    for (size_t row_idx = 0; row_idx < predictions.size(); ++row_idx) {
      if (probabilities) {
        WriteProbabilities(out.writer, signature, scored, row_idx);
      } else {
        WritePrediction(out.writer, signature, scored, row_idx);
      }
    }
    if (is_batch) out.writer.EndArray();
  }
  out.writer.Key("model_id");
  WriteString(out.writer, served.model.id);
  out.writer.Key("model_version");
  out.writer.Int64(served.version.version);
  out.writer.Key("output_target");
  WriteString(out.writer, served.version.target);
  if (scored.cluster_count > 0) {  // a clustering model: the distance to every centre beside the cluster
    out.writer.Key("distances");
    if (is_batch) out.writer.StartArray();
    for (size_t row_idx = 0; row_idx < predictions.size(); ++row_idx) WriteDistances(out.writer, scored, row_idx);
    if (is_batch) out.writer.EndArray();
  }
  if (!notes.warnings.empty()) WriteWarnings(out.writer, notes);
  out.writer.EndObject();
  return attributed(Response::Json(200, out.Take()), static_cast<int64_t>(predictions.size()));
}

Response PredictionHandlers::PredictV1(const Request& request, const PathParams& params) {
  bool explain = false;
  if (auto error = ParseExplainParam(request, &explain)) return std::move(*error);
  BatchBody body;
  if (auto error = ReadBatchBody(request, &body)) return std::move(*error);

  core::Result<serving::ServableHandle> servable = core::NotFound("");
  if (params.size() == 2) {
    int64_t version = 0;
    auto [end, ec] = std::from_chars(params[1].data(), params[1].data() + params[1].size(), version);
    if (ec != std::errc() || end != params[1].data() + params[1].size() || version <= 0) {
      return ErrorResponse(400, "invalid_argument", "version must be a positive whole number");
    }
    servable = manager_.ResolveVersion(params[0], version);
  } else if (std::optional<std::string> alias = request.QueryParam("alias")) {
    servable = manager_.ResolveAlias(params[0], *alias);
  } else {
    servable = manager_.Resolve(params[0]);
  }
  if (!servable.ok()) return ModelError(servable.status());
  const serving::Servable& served = **servable;
  auto attributed = [&servable](Response response, int64_t rows) {
    response.served = *servable;
    response.rows_scored = rows;
    return response;
  };

  DecodedBatch batch;
  if (auto error = DecodeBatch(body, served.predictor->signature(), &batch)) {
    return attributed(std::move(*error), 0);
  }
  thread_local ScoredBatch scored;
  core::Status status = scored.Score(*served.predictor, batch.values, batch.row_count, explain);
  if (!status.ok()) {
    return attributed(ErrorResponse(status, status.code() == core::StatusCode::kFailedPrecondition
                                                 ? "explanations_unsupported"
                                                 : std::string_view()),
                      0);
  }
  ObserveScored(served, batch.values, batch.row_count, request.request_id, &scored);
  const auto rows = static_cast<int64_t>(batch.row_count);
  if (body.format == BatchFormat::kCsv) {
    Response response;
    response.content_type = "text/csv; charset=utf-8";
    response.body = RenderScoredBatchCsv(served.predictor->signature(), scored);
    // What the JSON answer says in its body.
    response.headers.emplace_back("X-Amp-Model-Id", served.model.id);
    response.headers.emplace_back("X-Amp-Model-Version", std::to_string(served.version.version));
    response.headers.emplace_back("X-Amp-Warning-Count", std::to_string(scored.notes.WarningCount()));
    return attributed(std::move(response), rows);
  }
  return attributed(Response::Json(200, RenderScoredBatchJson(served, scored)), rows);
}

}  // namespace amp::api
