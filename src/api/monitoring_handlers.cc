#include "api/monitoring_handlers.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "api/access_guard.h"
#include "api/batch_decoder.h"
#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/row_decoder.h"
#include "api/scored_batch.h"
#include "monitoring/version_monitor.h"

namespace amp::api {
namespace {

Response ModelError(const core::Status& status) {
  if (status.code() == core::StatusCode::kNotFound) return ErrorResponse(status, "model_not_found");
  return ErrorResponse(status);
}

std::optional<int64_t> ParseVersion(std::string_view text) {
  int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version <= 0) return std::nullopt;
  return version;
}

void WriteThresholds(JsonWriter& writer, const monitoring::Thresholds& thresholds) {
  const std::string encoded = monitoring::EncodeThresholds(thresholds);
  writer.RawValue(encoded.c_str(), encoded.size(), rapidjson::kObjectType);
}

void WriteFeedback(JsonWriter& writer, const monitoring::FeedbackMetrics& metrics, bool classifier) {
  writer.StartObject();
  writer.Key("rows");
  writer.Int64(metrics.rows);
  if (metrics.rows > 0) {
    if (classifier) {
      writer.Key("accuracy");
      WriteNumber(writer, metrics.accuracy);
      if (metrics.roc_auc) {
        writer.Key("roc_auc");
        WriteNumber(writer, *metrics.roc_auc);
      }
    } else {
      writer.Key("rmse");
      WriteNumber(writer, metrics.rmse);
      writer.Key("mae");
      WriteNumber(writer, metrics.mae);
    }
  }
  writer.EndObject();
}

void WriteDrift(JsonWriter& writer, const monitoring::FeatureDrift& drift, const monitoring::FeatureProfile& training,
                const monitoring::TrainingProfile&) {
  writer.StartObject();
  writer.Key("name");
  WriteString(writer, drift.name);
  writer.Key("type");
  WriteString(writer, drift.numeric ? "number" : "category");
  writer.Key("state");
  WriteString(writer, monitoring::MonitorStateName(drift.state));
  writer.Key("reasons");
  writer.StartArray();
  for (const std::string& reason : drift.reasons) WriteString(writer, reason);
  writer.EndArray();
  writer.Key("live_rows");
  writer.Int64(drift.live_rows);
  writer.Key("psi");
  WriteNumber(writer, drift.psi);
  writer.Key("ks");
  if (drift.ks) {
    WriteNumber(writer, *drift.ks);
  } else {
    writer.Null();
  }
  writer.Key("missing_rate");
  writer.StartObject();
  writer.Key("training");
  WriteNumber(writer, drift.training_missing_rate);
  writer.Key("live");
  WriteNumber(writer, drift.live_missing_rate);
  writer.EndObject();
  if (drift.numeric) {
    writer.Key("out_of_range_rate");
    WriteNumber(writer, drift.out_of_range_rate);
    writer.Key("training_range");
    writer.StartArray();
    WriteNumber(writer, training.numbers.min);
    WriteNumber(writer, training.numbers.max);
    writer.EndArray();
  } else {
    writer.Key("unseen_rate");
    WriteNumber(writer, drift.unseen_rate);
  }
  // The histogram behind PSI and KS: training and live shares per bin (numbers: "edges" split the bins;
  // categories: one bin per "categories" entry, then every other category).
  writer.Key("bins");
  writer.StartObject();
  if (drift.numeric) {
    writer.Key("edges");
    writer.StartArray();
    for (double edge : training.numbers.edges) WriteNumber(writer, edge);
    writer.EndArray();
  } else {
    writer.Key("categories");
    writer.StartArray();
    for (const std::string& category : training.categories.categories) WriteString(writer, category);
    writer.EndArray();
  }
  writer.Key("training");
  writer.StartArray();
  if (drift.numeric) {
    for (double fraction : training.numbers.fractions) WriteNumber(writer, fraction);
  } else {
    for (double fraction : training.categories.fractions) WriteNumber(writer, fraction);
    WriteNumber(writer, training.categories.other_fraction);
  }
  writer.EndArray();
  writer.Key("live");
  writer.StartArray();
  for (double fraction : drift.live_fractions) WriteNumber(writer, fraction);
  writer.EndArray();
  writer.EndObject();
  writer.EndObject();
}

}  // namespace

void MonitoringHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/v1/models/{name}/monitoring", OnPathModel(auth::Action::kReadModel),
             [this](const Request& request, const PathParams& params) { return GetMonitoring(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/monitoring/settings", OnPathModel(auth::Action::kReadModel),
             [this](const Request& request, const PathParams& params) { return GetSettings(request, params); });
  router.Add(Method::kPut, "/v1/models/{name}/monitoring/settings", OnPathModel(auth::Action::kMoveAlias),
             [this](const Request& request, const PathParams& params) { return PutSettings(request, params); });
  router.Add(Method::kPost, "/v1/models/{name}/feedback", OnPathModel(auth::Action::kPredict),
             [this](const Request& request, const PathParams& params) { return PostFeedback(request, params); });
  router.Add(Method::kGet, "/v1/models/{name}/versions/{version}/profile", OnPathModel(auth::Action::kReadModel),
             [this](const Request& request, const PathParams& params) { return GetProfile(request, params); });
}

core::Result<serving::ServableHandle> MonitoringHandlers::ResolveServable(const Request& request,
                                                                          const PathParams& params) {
  if (std::optional<std::string> text = request.QueryParam("version")) {
    std::optional<int64_t> version = ParseVersion(*text);
    if (!version) return core::InvalidArgument("version must be a positive whole number");
    return manager_.ResolveVersion(params[0], *version);
  }
  return manager_.Resolve(params[0]);
}

Response MonitoringHandlers::GetMonitoring(const Request& request, const PathParams& params) {
  auto servable = ResolveServable(request, params);
  if (!servable.ok()) return ModelError(servable.status());
  const serving::Servable& served = **servable;
  if (!served.monitor) {
    return ErrorResponse(409, "monitoring_off", "monitoring is off on this server (started with --no-monitoring)");
  }
  monitoring::VersionMonitor& monitor = *served.monitor;
  monitoring::MonitorReport report = monitoring_.Evaluate(monitor);
  const monitoring::Thresholds thresholds = monitoring_.GetThresholds(served.model.id);

  JsonOut out;
  JsonWriter& writer = out.writer;
  writer.StartObject();
  writer.Key("model_id");
  WriteString(writer, served.model.id);
  writer.Key("model");
  WriteString(writer, served.model.name);
  writer.Key("version");
  writer.Int64(served.version.version);
  writer.Key("task");
  WriteString(writer, served.version.task);
  writer.Key("state");
  WriteString(writer, monitoring::MonitorStateName(report.judgement.state));
  writer.Key("causes");
  writer.StartArray();
  for (const std::string& cause : report.judgement.causes) WriteString(writer, cause);
  writer.EndArray();
  writer.Key("has_training_profile");
  writer.Bool(monitor.has_profile());
  writer.Key("window_seconds");
  writer.Int64(report.window_seconds);
  writer.Key("rows");
  writer.Int64(report.rows);
  writer.Key("memory_bytes");
  writer.Int64(monitor.MemoryBytes());
  writer.Key("thresholds");
  WriteThresholds(writer, thresholds);
  writer.Key("features");
  writer.StartArray();
  if (monitor.has_profile()) {
    for (size_t feature_idx = 0; feature_idx < report.features.size(); ++feature_idx) {
      WriteDrift(writer, report.features[feature_idx], monitor.profile()->features[feature_idx], *monitor.profile());
    }
  }
  writer.EndArray();
  writer.Key("prediction");
  if (monitor.has_profile()) {
    WriteDrift(writer, report.prediction, monitor.profile()->prediction, *monitor.profile());
  } else {
    writer.Null();
  }
  writer.Key("feedback");
  WriteFeedback(writer, report.feedback, monitor.is_classifier());
  writer.Key("holdout_metrics");
  WriteNumberMap(writer, served.version.metrics);
  writer.Key("series");
  writer.StartArray();
  for (const monitoring::SeriesPoint& point : report.series) {
    writer.StartObject();
    writer.Key("start");
    WriteTime(writer, point.start_micros);
    writer.Key("rows");
    writer.Int64(point.rows);
    writer.Key("missing");
    writer.Int64(point.missing);
    writer.Key("out_of_range");
    writer.Int64(point.out_of_range);
    writer.Key("unseen");
    writer.Int64(point.unseen);
    writer.Key("max_feature_psi");
    WriteNumber(writer, point.max_feature_psi);
    writer.Key("prediction_psi");
    WriteNumber(writer, point.prediction_psi);
    writer.Key("feedback");
    WriteFeedback(writer, point.feedback, monitor.is_classifier());
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return Response::Json(200, out.Take());
}

Response MonitoringHandlers::GetSettings(const Request&, const PathParams& params) {
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return ModelError(model.status());
  return Response::Json(200, monitoring::EncodeThresholds(monitoring_.GetThresholds(model->id)));
}

Response MonitoringHandlers::PutSettings(const Request& request, const PathParams& params) {
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return ModelError(model.status());
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);  // checks content type and syntax
  auto thresholds = monitoring::DecodeThresholds(request.body, monitoring_.GetThresholds(model->id));
  if (!thresholds.ok()) return ErrorResponse(thresholds.status(), "invalid_settings");
  core::Status status = monitoring_.SetThresholds(model->id, *thresholds);
  if (!status.ok()) return ErrorResponse(status, "invalid_settings");
  return Response::Json(200, monitoring::EncodeThresholds(*thresholds));
}

Response MonitoringHandlers::PostFeedback(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  simdjson::dom::array outcomes;
  if (root["outcomes"].get_array().get(outcomes) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input",
                         "the body must be {\"outcomes\": [{\"request_id\": ..., \"actual\": ...}"
                         " or {\"input\": {...}, \"actual\": ...}, ...]}");
  }
  if (outcomes.size() > kMaxRowsPerRequest) {
    return ErrorResponse(413, "too_many_rows", "at most " + std::to_string(kMaxRowsPerRequest) + " outcomes");
  }
  auto servable = ResolveServable(request, params);
  if (!servable.ok()) return ModelError(servable.status());
  const serving::Servable& served = **servable;
  if (!served.monitor) {
    return ErrorResponse(409, "monitoring_off", "monitoring is off on this server (started with --no-monitoring)");
  }
  const ml::ModelSignature& signature = served.predictor->signature();
  const bool classifier = !signature.classes.empty();

  // Checks everything first, so a bad item records nothing.
  struct Item {
    monitoring::VersionMonitor* monitor;
    double prediction;
    double score;
    double actual;
  };
  std::vector<Item> items;
  std::vector<std::string> unknown_ids;
  int64_t unknown_count = 0;
  thread_local ScoredBatch scored;
  size_t item_idx = 0;
  for (simdjson::dom::element outcome : outcomes) {
    const std::string where = "outcomes[" + std::to_string(item_idx++) + "]";
    simdjson::dom::element actual_field;
    if (outcome["actual"].get(actual_field) != simdjson::SUCCESS) {
      return ErrorResponse(422, "invalid_input", where + ": missing field 'actual'");
    }
    double actual = 0;
    if (classifier) {
      std::string label;
      std::string_view text;
      double number = 0;
      bool flag = false;
      if (actual_field.get_string().get(text) == simdjson::SUCCESS) {
        label = std::string(text);
      } else if (actual_field.get_double().get(number) == simdjson::SUCCESS) {
        char buffer[32];
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), number);
        label.assign(buffer, end);
      } else if (actual_field.get_bool().get(flag) == simdjson::SUCCESS) {
        label = flag ? "true" : "false";
      }
      auto found = std::find(signature.classes.begin(), signature.classes.end(), label);
      if (found == signature.classes.end()) {
        return ErrorResponse(422, "invalid_input",
                             where + ": 'actual' is not one of the model's classes: '" + label.substr(0, 100) + "'");
      }
      actual = static_cast<double>(found - signature.classes.begin());
    } else if (actual_field.get_double().get(actual) != simdjson::SUCCESS || !std::isfinite(actual)) {
      return ErrorResponse(422, "invalid_input", where + ": 'actual' must be a number");
    }

    std::string_view request_id;
    simdjson::dom::element input;
    if (outcome["request_id"].get_string().get(request_id) == simdjson::SUCCESS) {
      int64_t row = 0;
      simdjson::dom::element row_field;
      if (outcome["row"].get(row_field) == simdjson::SUCCESS &&
          (row_field.get_int64().get(row) != simdjson::SUCCESS || row < 0 || row > UINT32_MAX)) {
        return ErrorResponse(422, "invalid_input", where + ": 'row' must be a whole number >= 0");
      }
      auto remembered = monitoring_.memory().Find(request_id, static_cast<uint32_t>(row));
      if (!remembered) {
        if (unknown_ids.size() < 100) unknown_ids.emplace_back(request_id.substr(0, 128));
        ++unknown_count;
        continue;
      }
      if (remembered->monitor->model_id() != served.model.id) {
        return ErrorResponse(
            422, "invalid_input",
            where + ": request '" + std::string(request_id.substr(0, 128)) + "' was answered by another model");
      }
      items.push_back({remembered->monitor, remembered->prediction, remembered->score, actual});
    } else if (outcome["input"].get(input) == simdjson::SUCCESS) {
      RowDecoder& decoder = ThreadRowDecoder();
      decoder.Reset(signature, 1);
      core::Status decoded = decoder.DecodeRow(input, 0);
      if (!decoded.ok()) return ErrorResponse(decoded.WithContext(where), "invalid_input");
      core::Status status = scored.Score(*served.predictor, decoder.values(), 1, false);
      if (!status.ok()) return ErrorResponse(status);
      const double score = scored.class_count == 2 ? scored.probabilities[1] : 0.0;
      items.push_back({served.monitor.get(), scored.predictions[0], score, actual});
    } else {
      return ErrorResponse(422, "invalid_input", where + ": needs 'request_id' (a string) or 'input' (an object)");
    }
  }
  for (const Item& item : items) item.monitor->RecordOutcome(item.prediction, item.score, item.actual);

  monitoring::MonitorReport report = monitoring_.Evaluate(*served.monitor);
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("accepted");
  out.writer.Int64(static_cast<int64_t>(items.size()));
  out.writer.Key("unknown_request_ids");
  out.writer.StartArray();
  for (const std::string& id : unknown_ids) WriteString(out.writer, id);
  out.writer.EndArray();
  out.writer.Key("unknown_count");
  out.writer.Int64(unknown_count);
  out.writer.Key("version");
  out.writer.Int64(served.version.version);
  out.writer.Key("feedback");
  WriteFeedback(out.writer, report.feedback, classifier);
  out.writer.Key("holdout_metrics");
  WriteNumberMap(out.writer, served.version.metrics);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response MonitoringHandlers::GetProfile(const Request&, const PathParams& params) {
  std::optional<int64_t> number = ParseVersion(params[1]);
  if (!number) return ErrorResponse(400, "invalid_argument", "version must be a positive whole number");
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return ModelError(model.status());
  auto version = registry_.GetVersion(model->id, *number);
  if (!version.ok()) return ModelError(version.status());
  auto profile = registry_.ReadProfile(*version);
  if (!profile.ok()) {
    if (profile.status().code() == core::StatusCode::kNotFound) {
      return ErrorResponse(404, "profile_not_found",
                           "version " + std::to_string(*number) + " was published without a training profile");
    }
    return ErrorResponse(profile.status());
  }
  return Response::Json(200, std::move(profile).value());
}

}  // namespace amp::api
