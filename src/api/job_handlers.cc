#include "api/job_handlers.h"

#include <algorithm>
#include <charconv>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "api/record_json.h"
#include "auth/policy.h"

namespace amp::api {
namespace {

// A training job takes seconds to minutes; there is no telling when one of the caller's ends.
constexpr int kTrainingRetryAfterSeconds = 30;

Response JobResponse(int status, const storage::JobRecord& job, bool as_submission = false) {
  JsonOut out;
  WriteJob(out.writer, job, as_submission);
  Response response = Response::Json(status, out.Take());
  response.headers.emplace_back("Location", "/v1/jobs/" + job.id);
  return response;
}

// Reads a train body's "search" object: {"method": "grid"|"random", "space": {name: [numbers]}, "trials": n,
// "folds": k, "repeats": r}. Whether the names and values fit the algorithm is the planner's call (one table of
// parameters).
std::optional<Response> DecodeSearch(simdjson::dom::element value, storage::TrainRequest::Search* search) {
  auto field_error = [](std::string_view field, std::string_view expected) {
    return ErrorResponse(422, "invalid_input", "'search." + std::string(field) + "' must be " + std::string(expected));
  };
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "'search' must be an object");
  }
  for (auto field : object) {
    std::string_view key = field.key;
    if (key == "method") {
      std::string_view text;
      if (field.value.get_string().get(text) != simdjson::SUCCESS) return field_error(key, "\"grid\" or \"random\"");
      search->method = std::string(text);
    } else if (key == "trials" || key == "folds" || key == "repeats") {
      int64_t number = 0;
      if (field.value.get_int64().get(number) != simdjson::SUCCESS || number < 1 || number > 100000) {
        return field_error(key, "a whole number from 1");
      }
      (key == "trials" ? search->trials : key == "folds" ? search->folds : search->repeats) = static_cast<int>(number);
    } else if (key == "space") {
      simdjson::dom::object space;
      if (field.value.get_object().get(space) != simdjson::SUCCESS) {
        return field_error(key, "an object of parameter name -> list of numbers");
      }
      for (auto param : space) {
        std::string name(param.key);
        simdjson::dom::array values;
        if (param.value.get_array().get(values) != simdjson::SUCCESS) {
          return field_error("space." + name.substr(0, 100), "a list of numbers");
        }
        std::vector<double>& out = search->space[name];
        for (simdjson::dom::element item : values) {
          double number = 0.0;
          if (item.get_double().get(number) != simdjson::SUCCESS) {
            return field_error("space." + name.substr(0, 100), "a list of numbers");
          }
          out.push_back(number);
        }
      }
    } else {
      return ErrorResponse(422, "invalid_input",
                           "unknown field 'search." + std::string(key.substr(0, 100)) +
                               "'; expected method, space, trials, folds, repeats");
    }
  }
  return std::nullopt;
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
    } else if (key == "search") {
      if (value.is_null()) continue;
      if (auto error = DecodeSearch(value, &request->search)) return error;
    } else if (key == "cpu_budget") {
      int64_t number = 0;
      if (value.get_int64().get(number) != simdjson::SUCCESS || number < 1 || number > 1024) {
        return field_error(key, "a whole number of threads from 1");
      }
      request->cpu_budget = static_cast<int>(number);
    } else if (key == "workers") {
      int64_t number = 0;
      if (value.get_int64().get(number) != simdjson::SUCCESS || number < 1 || number > 64) {
        return field_error(key, "a whole number of worker processes from 1 to 64");
      }
      request->workers = static_cast<int>(number);
    } else if (key == "time_budget_seconds") {
      double number = 0.0;
      if (value.get_double().get(number) != simdjson::SUCCESS || !(number >= 0)) {
        return field_error(key, "a number of seconds >= 0");
      }
      request->time_budget_seconds = number;
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
    } else if (key == "callback_url" || key == "description" || key == "owner") {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return field_error(key, "a string");
      std::string& dest = key == "callback_url" ? request->callback_url
                          : key == "owner"      ? request->model_owner
                                                : request->model_description;
      dest = std::string(text);
    } else if (key == "tags") {
      simdjson::dom::array tags;
      if (value.get_array().get(tags) != simdjson::SUCCESS) return field_error(key, "an array of strings");
      request->model_tags.emplace();
      for (simdjson::dom::element tag : tags) {
        std::string_view text;
        if (tag.get_string().get(text) != simdjson::SUCCESS) return field_error(key, "an array of strings");
        request->model_tags->emplace_back(text);
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
                               "'; expected dataset_id, target, algorithm, task, features, params, search, cpu_budget, "
                               "workers, time_budget_seconds, callback_url, description, owner, tags, "
                               "allow_personal_data");
    }
  }
  if (request->dataset_id.empty()) return ErrorResponse(422, "invalid_input", "'dataset_id' is required");
  // 'target' is checked by the training plan: every task but clustering requires it.
  if (!request->callback_url.empty() &&
      (request->callback_url.rfind("http://", 0) != 0 || request->callback_url.size() > 2048)) {
    return field_error("callback_url", "an http:// URL of at most 2048 characters");
  }
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
  router.Add(Method::kGet, "/v1/jobs/{id}/logs", OnServer(auth::Action::kReadJob),
             [this](const Request& request, const PathParams& params) { return Logs(request, params); });
  router.Add(Method::kPost, "/v1/jobs/{id}/resubmit", OnServer(auth::Action::kTrain),
             [this](const Request& request, const PathParams& params) { return Resubmit(request, params); });
}

namespace {

// Whose job it is, for the per-key cap on concurrent training jobs.
training::JobSubmitter SubmitterOf(const Request& request) {
  training::JobSubmitter submitter;
  if (request.principal != nullptr) {
    submitter.id = request.principal->key_id;
    submitter.max_active_jobs = request.principal->limits.max_training_jobs;
  }
  return submitter;
}

Response TooManyJobs(const core::Status& status) {
  Response response = ErrorResponse(status, "too_many_training_jobs");
  response.headers.emplace_back("Retry-After", std::to_string(kTrainingRetryAfterSeconds));
  return response;
}

}  // namespace

core::Result<storage::TrainRequest> ParseTrainRequest(std::string_view json, std::string_view dataset_id) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.allocate(std::max<size_t>(json.size(), 64), kMaxJsonDepth) != simdjson::SUCCESS ||
      parser.parse(simdjson::padded_string(json)).get(root) != simdjson::SUCCESS) {
    return core::InvalidArgument("the train request is not valid JSON");
  }
  storage::TrainRequest train;
  train.dataset_id = std::string(dataset_id);
  if (auto error = DecodeTrainRequest(root, &train)) {
    simdjson::dom::parser error_parser;
    std::string_view message;
    simdjson::padded_string body(error->body);
    if (error_parser.parse(body)["error"].get_string().get(message) != simdjson::SUCCESS) message = error->body;
    return core::InvalidArgument(std::string(message));
  }
  return train;
}

std::string TrainRequestJson(const storage::TrainRequest& request) {
  JsonOut out;
  JsonWriter& writer = out.writer;
  writer.StartObject();
  for (auto [key, value] : {std::pair<std::string_view, const std::string*>{"dataset_id", &request.dataset_id},
                            {"target", &request.target},
                            {"algorithm", &request.algorithm},
                            {"task", &request.task}}) {
    if (value->empty()) continue;
    writer.Key(key);
    writer.String(*value);
  }
  writer.Key("features");
  writer.StartArray();
  for (const std::string& feature : request.features) writer.String(feature);
  writer.EndArray();
  writer.Key("params");
  writer.StartObject();
  for (const auto& [name, value] : request.params) {
    writer.Key(name);
    writer.Double(value);
  }
  writer.EndObject();
  if (request.cpu_budget != 0) {
    writer.Key("cpu_budget");
    writer.Int(request.cpu_budget);
  }
  writer.Key("workers");
  writer.Int(request.workers);
  writer.Key("allow_personal_data");
  if (request.allow_personal_data_all) {
    writer.Bool(true);
  } else {
    writer.StartArray();
    for (const std::string& column : request.allow_personal_data) writer.String(column);
    writer.EndArray();
  }
  writer.EndObject();
  return out.Take();
}

Response JobHandlers::Train(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  storage::TrainRequest train;
  train.model_name = params[0];
  if (auto error = DecodeTrainRequest(root, &train)) return std::move(*error);
  auto job = jobs_.Submit(train, SubmitterOf(request));
  if (!job.ok()) {
    if (job.status().code() == core::StatusCode::kResourceExhausted) return TooManyJobs(job.status());
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

Response JobHandlers::Logs(const Request& request, const PathParams& params) {
  int64_t after = 0;
  if (auto text = request.QueryParam("after")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), after);
    if (ec != std::errc() || end != text->data() + text->size() || after < 0) {
      return ErrorResponse(400, "invalid_argument", "after must be a whole number >= 0 (a log line's seq)");
    }
  }
  auto lines = jobs_.Logs(params[0], after, 10000);
  if (!lines.ok()) return ErrorResponse(lines.status(), "job_not_found");
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("job_id");
  WriteString(out.writer, params[0]);
  out.writer.Key("lines");
  out.writer.StartArray();
  for (const storage::JobLogLine& line : *lines) {
    out.writer.StartObject();
    out.writer.Key("seq");
    out.writer.Int64(line.seq);
    out.writer.Key("at");
    WriteTime(out.writer, line.at_micros);
    out.writer.Key("message");
    WriteString(out.writer, line.message);
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response JobHandlers::Resubmit(const Request& request, const PathParams& params) {
  auto job = jobs_.Resubmit(params[0], SubmitterOf(request));
  if (!job.ok()) {
    if (job.status().code() == core::StatusCode::kResourceExhausted) return TooManyJobs(job.status());
    return ErrorResponse(job.status(), job.status().code() == core::StatusCode::kNotFound ? "job_not_found" : "");
  }
  return JobResponse(202, *job, true);
}

}  // namespace amp::api
