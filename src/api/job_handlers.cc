#include "api/job_handlers.h"

#include <charconv>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/record_json.h"

namespace amp::api {
namespace {

Response JobResponse(int status, const storage::JobRecord& job, bool as_submission = false) {
  JsonOut out;
  WriteJob(out.writer, job, as_submission);
  Response response = Response::Json(status, out.Take());
  response.headers.emplace_back("Location", "/v1/jobs/" + job.id);
  return response;
}

// Reads the train body into `request`; returns an error response for a malformed one.
std::optional<Response> DecodeTrainRequest(simdjson::dom::element root, storage::TrainRequest* request) {
  simdjson::dom::object body;
  if (root.get_object().get(body) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "the body must be a JSON object");
  }
  auto field_error = [](std::string_view field, std::string_view expected) {
    return ErrorResponse(422, "invalid_input", "'" + std::string(field) + "' must be " + std::string(expected));
  };
  for (auto field : body) {
    std::string_view key = field.key;
    simdjson::dom::element value = field.value;
    if (key == "dataset_id" || key == "target" || key == "algorithm" || key == "task") {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return field_error(key, "a string");
      std::string& dest = key == "dataset_id" ? request->dataset_id
                          : key == "target"   ? request->target
                          : key == "task"     ? request->task
                                              : request->algorithm;
      dest = std::string(text);
    } else if (key == "features") {
      simdjson::dom::array features;
      if (value.is_null()) continue;
      if (value.get_array().get(features) != simdjson::SUCCESS) return field_error(key, "an array of column names");
      for (simdjson::dom::element feature : features) {
        std::string_view name;
        if (feature.get_string().get(name) != simdjson::SUCCESS) return field_error(key, "an array of column names");
        request->features.emplace_back(name);
      }
    } else if (key == "params") {
      simdjson::dom::object params;
      if (value.is_null()) continue;
      if (value.get_object().get(params) != simdjson::SUCCESS) return field_error(key, "an object");
      for (auto param : params) {
        double number = 0.0;
        if (param.value.get_double().get(number) != simdjson::SUCCESS) {
          return field_error("params." + std::string(param.key), "a number");
        }
        request->params[std::string(param.key)] = number;
      }
    } else if (key == "allow_personal_data") {
      // true (every column flagged as personal data), false, or the names of the flagged columns to allow.
      bool all = false;
      simdjson::dom::array columns;
      if (value.get_bool().get(all) == simdjson::SUCCESS) {
        request->allow_personal_data_all = all;
        continue;
      }
      if (value.get_array().get(columns) != simdjson::SUCCESS) {
        return field_error(key, "true, false or an array of column names");
      }
      for (simdjson::dom::element column : columns) {
        std::string_view name;
        if (column.get_string().get(name) != simdjson::SUCCESS) {
          return field_error(key, "true, false or an array of column names");
        }
        request->allow_personal_data.emplace_back(name);
      }
    } else {
      return ErrorResponse(422, "invalid_input",
                           "unknown field '" + std::string(key.substr(0, 100)) +
                               "'; expected dataset_id, target, algorithm, task, features, params, "
                               "allow_personal_data");
    }
  }
  if (request->dataset_id.empty()) return ErrorResponse(422, "invalid_input", "'dataset_id' is required");
  if (request->target.empty()) return ErrorResponse(422, "invalid_input", "'target' is required");
  return std::nullopt;
}

}  // namespace

void JobHandlers::AddRoutes(Router& router) {
  router.Add(Method::kPost, "/v1/models/{name}/train", OnPathModel(auth::Action::kTrain),
             [this](const Request& request, const PathParams& params) { return Train(request, params); });
  router.Add(Method::kGet, "/v1/jobs", OnServer(auth::Action::kReadJob),
             [this](const Request& request, const PathParams&) { return List(request); });
  router.Add(Method::kGet, "/v1/jobs/{id}", OnServer(auth::Action::kReadJob),
             [this](const Request& request, const PathParams& params) { return Get(request, params); });
  router.Add(Method::kDelete, "/v1/jobs/{id}", OnServer(auth::Action::kCancelJob),
             [this](const Request& request, const PathParams& params) { return Cancel(request, params); });
}

Response JobHandlers::Train(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  storage::TrainRequest train;
  train.model_name = params[0];
  if (auto error = DecodeTrainRequest(root, &train)) return std::move(*error);
  auto job = jobs_.Submit(train);
  if (!job.ok()) {
    bool unknown_dataset = job.status().code() == core::StatusCode::kNotFound;
    return ErrorResponse(job.status(), unknown_dataset ? "dataset_not_found" : "");
  }
  return JobResponse(202, *job, true);
}

Response JobHandlers::List(const Request& request) {
  int limit = 100;
  if (auto text = request.QueryParam("limit")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit <= 0 || limit > 10000) {
      return ErrorResponse(400, "invalid_argument", "limit must be a whole number from 1 to 10000");
    }
  }
  auto jobs = jobs_.List(limit);
  if (!jobs.ok()) return ErrorResponse(jobs.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("jobs");
  out.writer.StartArray();
  for (const storage::JobRecord& job : *jobs) WriteJob(out.writer, job);
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response JobHandlers::Get(const Request&, const PathParams& params) {
  auto job = jobs_.Get(params[0]);
  if (!job.ok()) return ErrorResponse(job.status(), "job_not_found");
  return JobResponse(200, *job);
}

Response JobHandlers::Cancel(const Request&, const PathParams& params) {
  auto job = jobs_.Cancel(params[0]);
  if (!job.ok()) {
    return ErrorResponse(job.status(), job.status().code() == core::StatusCode::kNotFound ? "job_not_found" : "");
  }
  return JobResponse(202, *job);
}

}  // namespace amp::api
