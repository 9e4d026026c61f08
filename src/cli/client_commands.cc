#include "cli/client_commands.h"

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "core/base64.h"
#include "http/http_client.h"

namespace amp::cli {
namespace {

struct CommonOptions {
  std::string server;
  std::string api_key;
};

std::string DefaultServer() {
  const char* env = std::getenv("AMP_SERVER");
  return env != nullptr && *env != '\0' ? env : "http://127.0.0.1:8080";
}

int PrintError(std::string_view message) {
  std::cerr << "amp: " << message << "\n";
  return 1;
}

// Sends a request and parses the JSON answer. Prints the server's error message and returns false on failure.
class Call {
 public:
  explicit Call(const CommonOptions& options) : options_(options) {}

  bool Send(std::string_view method, const std::string& target, std::string_view body = {},
            std::string_view content_type = {}) {
    auto client = http::HttpClient::Create(options_.server);
    if (!client.ok()) {
      PrintError(client.status().message());
      return false;
    }
    if (!options_.api_key.empty()) client->SetHeader("Authorization", "Bearer " + options_.api_key);
    auto response = client->Send(method, target, body, content_type);
    if (!response.ok()) {
      PrintError(response.status().message());
      return false;
    }
    body_ = std::move(response->body);
    if (parser_.parse(body_).get(root_) != simdjson::SUCCESS) {
      PrintError("the server answered " + std::to_string(response->status) + " with a body that is not JSON");
      return false;
    }
    if (response->status >= 400) {
      std::string_view message = "unknown error";
      if (root_["error"].get(message) != simdjson::SUCCESS) message = "unknown error";
      PrintError(std::string(message) + " (HTTP " + std::to_string(response->status) + ")");
      return false;
    }
    return true;
  }

  simdjson::dom::element root() const { return root_; }
  const std::string& body() const { return body_; }

 private:
  const CommonOptions& options_;
  std::string body_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

std::string Text(simdjson::dom::element element, const char* key) {
  simdjson::dom::element value;
  if (element[key].get(value) != simdjson::SUCCESS || value.is_null()) return "";
  if (value.is_string()) return std::string(value.get_string().value_unsafe());
  return simdjson::minify(value);
}

std::string FormatMetrics(simdjson::dom::element version) {
  simdjson::dom::object metrics;
  if (version["metrics"].get(metrics) != simdjson::SUCCESS) return "";
  std::string text;
  for (const char* name : {"r2", "rmse", "mae", "accuracy", "roc_auc", "log_loss"}) {  // regressions, classifiers
    double value;
    if (metrics[name].get(value) != simdjson::SUCCESS) continue;
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%s%s=%.4g", text.empty() ? "" : " ", name, value);
    text += buffer;
  }
  return text;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t col = 0; col < row.size(); ++col) widths[col] = std::max(widths[col], row[col].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t col = 0; col < row.size(); ++col) {
      line += row[col];
      if (col + 1 < row.size()) line += std::string(widths[col] - row[col].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

int UploadDataset(const CommonOptions& common, const std::string& file, std::string name) {
  std::ifstream input(file, std::ios::binary);
  if (!input) return PrintError("cannot open " + file);
  std::ostringstream contents;
  contents << input.rdbuf();
  if (name.empty()) {
    name = std::filesystem::path(file).stem().string();
    for (char& c : name) {
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      if (!ok) c = '_';
    }
  }
  Call call(common);
  if (!call.Send("POST", "/v1/datasets?name=" + http::UrlEncode(name), contents.str(), "text/csv")) return 1;
  auto root = call.root();
  std::cout << "dataset " << Text(root, "id") << " (" << Text(root, "name") << "): " << Text(root, "row_count")
            << " rows, " << Text(root, "column_count") << " columns\n";
  std::vector<std::vector<std::string>> rows = {{"COLUMN", "TYPE", "MISSING", "DISTINCT"}};
  simdjson::dom::array columns;
  if (root["columns"].get(columns) == simdjson::SUCCESS) {
    for (auto column : columns) {
      rows.push_back({Text(column, "name"), Text(column, "type"), Text(column, "missing_count"),
                      Text(column, "distinct_count")});
    }
  }
  PrintTable(rows);
  return 0;
}

int ListDatasets(const CommonOptions& common) {
  Call call(common);
  if (!call.Send("GET", "/v1/datasets")) return 1;
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "ROWS", "COLUMNS", "CREATED"}};
  simdjson::dom::array datasets;
  if (call.root()["datasets"].get(datasets) == simdjson::SUCCESS) {
    for (auto dataset : datasets) {
      rows.push_back({Text(dataset, "id"), Text(dataset, "name"), Text(dataset, "row_count"),
                      Text(dataset, "column_count"), Text(dataset, "created_at")});
    }
  }
  PrintTable(rows);
  return 0;
}

// A search's leaderboard as a table, best first.
void PrintLeaderboard(simdjson::dom::element job) {
  simdjson::dom::array leaderboard;
  if (job["leaderboard"].get(leaderboard) != simdjson::SUCCESS || leaderboard.size() == 0) return;
  std::vector<std::vector<std::string>> rows = {
      {"RANK", "ALGORITHM", "METRIC", "CV_MEAN", "CV_STD", "SECONDS", "PARAMS"}};
  for (auto entry : leaderboard) {
    auto number = [&](const char* key) {
      double value = 0.0;
      if (entry[key].get(value) != simdjson::SUCCESS) return Text(entry, key);
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.4g", value);
      return std::string(buffer);
    };
    std::string params;
    simdjson::dom::object object;
    if (entry["params"].get(object) == simdjson::SUCCESS) {
      for (auto field : object) {
        params += (params.empty() ? "" : " ") + std::string(field.key) + "=" + simdjson::minify(field.value);
      }
    }
    rows.push_back({Text(entry, "rank"), Text(entry, "algorithm"), Text(entry, "metric"), number("cv_score"),
                    number("cv_std"), number("fit_seconds"), params});
  }
  std::cout << "leaderboard (cross-validated on the training part):\n";
  PrintTable(rows);
}

int PrintJob(simdjson::dom::element job) {
  std::string state = Text(job, "state");
  std::cout << "job " << Text(job, "id") << ": " << state;
  if (state == "succeeded") {
    simdjson::dom::element result;
    if (job["result"].get(result) == simdjson::SUCCESS) {
      std::cout << " -> model '" << Text(result, "model_name") << "' version " << Text(result, "version");
    }
  } else if (!Text(job, "error").empty()) {
    std::cout << ": " << Text(job, "error");
  } else if (!Text(job, "progress").empty()) {
    std::cout << " (" << Text(job, "progress") << ")";
  }
  std::cout << "\n";
  PrintLeaderboard(job);
  if (state == "succeeded") {
    simdjson::dom::element result;
    if (job["result"].get(result) == simdjson::SUCCESS && !FormatMetrics(result).empty()) {
      std::cout << "holdout: " << FormatMetrics(result) << "\n";
    }
  }
  if (state == "failed" || state == "cancelled" || state == "interrupted") return 2;
  return 0;
}

std::string JsonQuote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    quoted += c;
  }
  return quoted + "\"";
}

struct TrainOptions {
  std::string model;
  std::string dataset;
  std::string target;
  std::string algorithm;  // empty: the server's default for the task
  std::string task;       // empty: implied by the algorithm or detected
  std::vector<std::string> features;
  std::vector<std::string> params;
  std::string search_method;              // grid or random
  std::vector<std::string> search_space;  // name=v1,v2,...
  int trials = 0;
  int folds = 0;
  int cpu_budget = 0;
  int workers = 0;  // 0: not sent (one process)
  double time_budget_seconds = 0;
  std::string callback_url;
  std::string description;
  std::string owner;
  std::vector<std::string> tags;
  std::vector<std::string> allow_personal_data;  // column names, or "all"
  bool wait = false;
  int timeout_seconds = 3600;
};

bool IsNumber(const std::string& text) {
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0';
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  std::string text = "[";
  for (size_t idx = 0; idx < values.size(); ++idx) text += (idx ? "," : "") + JsonQuote(values[idx]);
  return text + "]";
}

int Train(const CommonOptions& common, const TrainOptions& options) {
  std::string body = "{\"dataset_id\":" + JsonQuote(options.dataset) + ",\"target\":" + JsonQuote(options.target);
  if (!options.algorithm.empty()) body += ",\"algorithm\":" + JsonQuote(options.algorithm);
  if (!options.task.empty()) body += ",\"task\":" + JsonQuote(options.task);
  if (!options.features.empty()) {
    body += ",\"features\":[";
    for (size_t idx = 0; idx < options.features.size(); ++idx)
      body += (idx ? "," : "") + JsonQuote(options.features[idx]);
    body += "]";
  }
  if (!options.params.empty()) {
    body += ",\"params\":{";
    for (size_t idx = 0; idx < options.params.size(); ++idx) {
      size_t eq = options.params[idx].find('=');
      if (eq == std::string::npos) return PrintError("--param takes name=number, got '" + options.params[idx] + "'");
      std::string value = options.params[idx].substr(eq + 1);
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') return PrintError("--param value must be a number: '" + value + "'");
      body += (idx ? "," : "") + JsonQuote(options.params[idx].substr(0, eq)) + ":" + value;
    }
    body += "}";
  }
  if (!options.search_method.empty() || !options.search_space.empty() || options.trials != 0 || options.folds != 0) {
    std::string search;
    if (!options.search_method.empty()) search += "\"method\":" + JsonQuote(options.search_method);
    if (!options.search_space.empty()) {
      search += std::string(search.empty() ? "" : ",") + "\"space\":{";
      for (size_t idx = 0; idx < options.search_space.size(); ++idx) {
        const std::string& entry = options.search_space[idx];
        size_t eq = entry.find('=');
        if (eq == std::string::npos) return PrintError("--search takes name=v1,v2,..., got '" + entry + "'");
        std::string values = entry.substr(eq + 1);
        std::string list;
        size_t start = 0;
        while (start <= values.size()) {
          size_t comma = values.find(',', start);
          std::string value = values.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          if (!IsNumber(value)) return PrintError("--search values must be numbers: '" + value + "'");
          list += (list.empty() ? "" : ",") + value;
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        search += (idx ? "," : "") + JsonQuote(entry.substr(0, eq)) + ":[" + list + "]";
      }
      search += "}";
    }
    if (options.trials != 0)
      search += std::string(search.empty() ? "" : ",") + "\"trials\":" + std::to_string(options.trials);
    if (options.folds != 0)
      search += std::string(search.empty() ? "" : ",") + "\"folds\":" + std::to_string(options.folds);
    body += ",\"search\":{" + search + "}";
  }
  if (options.cpu_budget != 0) body += ",\"cpu_budget\":" + std::to_string(options.cpu_budget);
  if (options.workers != 0) body += ",\"workers\":" + std::to_string(options.workers);
  if (options.time_budget_seconds != 0) {
    char number[32];
    std::snprintf(number, sizeof(number), "%.17g", options.time_budget_seconds);
    body += ",\"time_budget_seconds\":" + std::string(number);
  }
  if (!options.callback_url.empty()) body += ",\"callback_url\":" + JsonQuote(options.callback_url);
  if (!options.description.empty()) body += ",\"description\":" + JsonQuote(options.description);
  if (!options.owner.empty()) body += ",\"owner\":" + JsonQuote(options.owner);
  if (!options.tags.empty()) body += ",\"tags\":" + JsonStringArray(options.tags);
  if (!options.allow_personal_data.empty()) {
    const bool all = options.allow_personal_data.size() == 1 && options.allow_personal_data[0] == "all";
    body += ",\"allow_personal_data\":";
    if (all) {
      body += "true";
    } else {
      body += "[";
      for (size_t idx = 0; idx < options.allow_personal_data.size(); ++idx)
        body += (idx ? "," : "") + JsonQuote(options.allow_personal_data[idx]);
      body += "]";
    }
  }
  body += "}";
  // Without --model the model is named after the dataset.
  const std::string model = options.model.empty() ? options.dataset : options.model;
  Call call(common);
  if (!call.Send("POST", "/v1/models/" + http::UrlEncode(model) + "/train", body, "application/json")) {
    return 1;
  }
  std::string job_id = Text(call.root(), "id");
  // A search prints its leaderboard at the end, so it waits unless told otherwise.
  const bool searching = options.algorithm == "auto" || !options.search_method.empty();
  if (!options.wait && !searching) return PrintJob(call.root());
  std::cout << "job " << job_id << " queued; waiting for it to finish\n";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  std::string last_progress;
  while (true) {
    Call poll(common);
    if (!poll.Send("GET", "/v1/jobs/" + http::UrlEncode(job_id))) return 1;
    std::string state = Text(poll.root(), "state");
    if (state != "queued" && state != "running") return PrintJob(poll.root());
    std::string progress = Text(poll.root(), "progress");
    if (progress != last_progress) {
      std::cerr << "  " << state << ": " << progress << "\n";
      last_progress = progress;
    }
    if (std::chrono::steady_clock::now() > deadline) return PrintError("timed out waiting for job " + job_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int ShowJobLogs(const CommonOptions& common, const std::string& job_id) {
  Call call(common);
  if (!call.Send("GET", "/v1/jobs/" + http::UrlEncode(job_id) + "/logs")) return 1;
  simdjson::dom::array lines;
  if (call.root()["lines"].get(lines) == simdjson::SUCCESS) {
    for (auto line : lines) std::cout << Text(line, "at") << "  " << Text(line, "message") << "\n";
  }
  return 0;
}

int ResubmitJob(const CommonOptions& common, const std::string& job_id) {
  Call call(common);
  if (!call.Send("POST", "/v1/jobs/" + http::UrlEncode(job_id) + "/resubmit", "", "application/json")) return 1;
  return PrintJob(call.root());
}

int ShowJob(const CommonOptions& common, const std::string& job_id, bool cancel) {
  Call call(common);
  if (!call.Send(cancel ? "DELETE" : "GET", "/v1/jobs/" + http::UrlEncode(job_id))) return 1;
  return PrintJob(call.root());
}

int ListJobs(const CommonOptions& common) {
  Call call(common);
  if (!call.Send("GET", "/v1/jobs")) return 1;
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "MODEL", "CREATED", "PROGRESS"}};
  simdjson::dom::array jobs;
  if (call.root()["jobs"].get(jobs) == simdjson::SUCCESS) {
    for (auto job : jobs) {
      rows.push_back({Text(job, "id"), Text(job, "state"), Text(job, "model_name"), Text(job, "created_at"),
                      Text(job, "progress")});
    }
  }
  PrintTable(rows);
  return 0;
}

struct ModelFilterOptions {
  std::string tag;
  std::string owner;
  std::string search;
};

int ListModels(const CommonOptions& common, const ModelFilterOptions& filter) {
  std::string query;
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"tag", &filter.tag},
                                    {"owner", &filter.owner}, {"q", &filter.search}}) {
    if (!value->empty()) query += std::string(query.empty() ? "?" : "&") + name + "=" + http::UrlEncode(*value);
  }
  Call call(common);
  if (!call.Send("GET", "/v1/models" + query)) return 1;
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "VERSION", "ALGORITHM", "TARGET", "METRICS"}};
  simdjson::dom::array models;
  if (call.root()["models"].get(models) == simdjson::SUCCESS) {
    for (auto model : models) {
      simdjson::dom::element latest;
      bool has_version = model["latest_version"].get(latest) == simdjson::SUCCESS && latest.is_object();
      rows.push_back({Text(model, "id"), Text(model, "name"), has_version ? Text(latest, "version") : "-",
                      has_version ? Text(latest, "algorithm") : "-", has_version ? Text(latest, "target") : "-",
                      has_version ? FormatMetrics(latest) : ""});
    }
  }
  PrintTable(rows);
  return 0;
}

// Grants a key access to a model, or takes it away (admin).
int ChangeGrant(const CommonOptions& common, const std::string& model, const std::string& key_id, bool grant) {
  Call call(common);
  if (!call.Send(grant ? "PUT" : "DELETE",
                 "/v1/models/" + http::UrlEncode(model) + "/grants/" + http::UrlEncode(key_id))) {
    return 1;
  }
  std::cout << "key " << key_id << (grant ? " may now use" : " may no longer use") << " model '" << model << "'\n";
  return 0;
}

// Makes a model callable without a key, or not (admin, developer).
int SetModelPublic(const CommonOptions& common, const std::string& model, bool is_public) {
  Call call(common);
  const std::string body = is_public ? R"({"public":true})" : R"({"public":false})";
  if (!call.Send("PATCH", "/v1/models/" + http::UrlEncode(model), body, "application/json")) return 1;
  std::cout << "model '" << Text(call.root(), "name") << "' is now " << (is_public ? "public" : "private") << "\n";
  return 0;
}

struct UpdateOptions {
  std::string description;
  bool has_description = false;
  std::string owner;
  bool has_owner = false;
  std::vector<std::string> tags;
  bool clear_tags = false;
  int64_t keep_last = 0;
  bool no_retention = false;
};

// PATCH /v1/models/{model} with the fields given.
int UpdateModel(const CommonOptions& common, const std::string& model, const UpdateOptions& options) {
  std::string body;
  auto add = [&body](std::string_view key, const std::string& json) {
    body += (body.empty() ? "{" : ",") + JsonQuote(key) + ":" + json;
  };
  if (options.has_description) add("description", JsonQuote(options.description));
  if (options.has_owner) add("owner", JsonQuote(options.owner));
  if (!options.tags.empty() || options.clear_tags) add("tags", JsonStringArray(options.tags));
  if (options.no_retention) {
    add("retention", "null");
  } else if (options.keep_last > 0) {
    add("retention", "{\"keep_last\":" + std::to_string(options.keep_last) + "}");
  }
  if (body.empty()) return PrintError("nothing to change: give --description, --owner, --tag, --keep-last ...");
  body += "}";
  Call call(common);
  if (!call.Send("PATCH", "/v1/models/" + http::UrlEncode(model), body, "application/json")) return 1;
  std::cout << simdjson::minify(call.root()) << "\n";
  return 0;
}

int DeleteVersion(const CommonOptions& common, const std::string& model, int64_t version) {
  Call call(common);
  if (!call.Send("DELETE", "/v1/models/" + http::UrlEncode(model) + "/versions/" + std::to_string(version))) {
    return 1;
  }
  std::cout << "deleted version " << version << " of model '" << model << "'\n";
  return 0;
}

int ShowModel(const CommonOptions& common, const std::string& model) {
  Call call(common);
  if (!call.Send("GET", "/v1/models/" + http::UrlEncode(model))) return 1;
  std::cout << simdjson::minify(call.root()) << "\n";
  return 0;
}

// Saves GET /v1/models/{model}/versions/{version}/{resource} (the served version when `version` is 0) to `output`
// (default NAME-vN<extension>) and prints where, with the SHA-256 the server gave in X-Amp-Bundle-Sha256 if any.
int SaveVersionResource(const CommonOptions& common, const std::string& model, int64_t version,
                        const std::string& resource, std::string_view extension, std::string output) {
  if (version <= 0) {
    Call call(common);
    if (!call.Send("GET", "/v1/models/" + http::UrlEncode(model))) return 1;
    if (call.root()["served_version"].get_int64().get(version) != simdjson::SUCCESS) {
      return PrintError("model '" + model + "' has no version to download");
    }
  }
  auto client = http::HttpClient::Create(common.server);
  if (!client.ok()) return PrintError(client.status().message());
  if (!common.api_key.empty()) client->SetHeader("Authorization", "Bearer " + common.api_key);
  auto response = client->Send("GET", "/v1/models/" + http::UrlEncode(model) + "/versions/" +
                                          std::to_string(version) + "/" + resource);
  if (!response.ok()) return PrintError(response.status().message());
  if (response->status != 200) {
    simdjson::dom::parser parser;
    std::string_view message = "unknown error";
    simdjson::dom::element root;
    if (parser.parse(response->body).get(root) != simdjson::SUCCESS ||
        root["error"].get(message) != simdjson::SUCCESS) {
      message = "unknown error";
    }
    return PrintError(std::string(message) + " (HTTP " + std::to_string(response->status) + ")");
  }
  if (output.empty()) output = model + "-v" + std::to_string(version) + std::string(extension);
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  file << response->body;
  file.close();
  if (!file) return PrintError("cannot write " + output);
  std::cout << "saved " << model << " version " << version << " to " << output << " (" << response->body.size()
            << " bytes";
  std::string sha256 = response->Header("X-Amp-Bundle-Sha256");
  if (!sha256.empty()) std::cout << ", sha256 " << sha256;
  std::cout << ")\n";
  return 0;
}

// Saves a version's bundle. The bundle checks itself when loaded: `amp score` refuses one whose model bytes do not
// match its manifest's SHA-256.
int DownloadModel(const CommonOptions& common, const std::string& model, int64_t version, std::string output) {
  return SaveVersionResource(common, model, version, "artifact", ".ampbundle", std::move(output));
}

// Saves a version exported to `format` ("onnx" or "xgboost-json"), default file NAME-vN.onnx / NAME-vN.xgboost.json.
int ExportModel(const CommonOptions& common, const std::string& model, int64_t version, const std::string& format,
                std::string output) {
  const std::string extension = format == "xgboost-json" ? ".xgboost.json" : "." + format;
  return SaveVersionResource(common, model, version, "export?format=" + http::UrlEncode(format), extension,
                             std::move(output));
}

struct ImportOptions {
  std::string name;
  std::string file;
  std::string format;                 // empty: from the file's extension (.onnx, .json, .ubj)
  std::vector<std::string> features;  // NAME or NAME:TYPE
  std::string task = "regression";
  std::vector<std::string> classes;
  std::string target;
  std::string output;
};

// Registers a model file trained elsewhere as a new version: POST /v1/models/{name}/import.
int ImportModel(const CommonOptions& common, const ImportOptions& options) {
  std::ifstream file(options.file, std::ios::binary);
  if (!file) return PrintError("cannot open " + options.file);
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string format = options.format;
  if (format.empty()) {
    if (options.file.ends_with(".onnx")) {
      format = "onnx";
    } else if (options.file.ends_with(".json")) {
      format = "xgboost_json";
    } else if (options.file.ends_with(".ubj")) {
      format = "xgboost_ubj";
    } else {
      return PrintError("cannot tell the format from the file name; give --format onnx|xgboost_json|xgboost_ubj");
    }
  }
  std::string body = "{\"format\":" + JsonQuote(format) + ",\"task\":" + JsonQuote(options.task) + ",\"features\":[";
  for (size_t idx = 0; idx < options.features.size(); ++idx) {
    const std::string& feature = options.features[idx];
    const size_t colon = feature.rfind(':');
    body += idx ? "," : "";
    if (colon == std::string::npos) {
      body += "{\"name\":" + JsonQuote(feature) + "}";
    } else {
      body += "{\"name\":" + JsonQuote(feature.substr(0, colon)) + ",\"type\":" + JsonQuote(feature.substr(colon + 1)) +
              "}";
    }
  }
  body += "]";
  if (!options.classes.empty()) {
    body += ",\"classes\":[";
    for (size_t idx = 0; idx < options.classes.size(); ++idx) {
      body += (idx ? "," : "") + JsonQuote(options.classes[idx]);
    }
    body += "]";
  }
  if (!options.target.empty()) body += ",\"target\":" + JsonQuote(options.target);
  if (!options.output.empty()) body += ",\"output\":" + JsonQuote(options.output);
  body += ",\"model_base64\":\"" + core::Base64Encode(contents.str()) + "\"}";
  Call call(common);
  if (!call.Send("POST", "/v1/models/" + http::UrlEncode(options.name) + "/import", body, "application/json")) return 1;
  int64_t version = 0;
  if (call.root()["version"].get_int64().get(version) != simdjson::SUCCESS) version = 0;
  std::cout << "imported " << options.file << " as " << options.name << " version " << version << " ("
            << Text(call.root(), "algorithm") << ")\n";
  return 0;
}

int Predict(const CommonOptions& common, const std::string& model, std::string input, const std::string& input_file) {
  if (!input_file.empty()) {
    std::ifstream file(input_file);
    if (!file) return PrintError("cannot open " + input_file);
    std::ostringstream contents;
    contents << file.rdbuf();
    input = contents.str();
  }
  if (input.empty()) return PrintError("give the inputs with --input JSON or --input-file FILE");
  simdjson::dom::parser parser;
  simdjson::dom::element parsed;
  if (parser.parse(input).get(parsed) != simdjson::SUCCESS || !(parsed.is_object() || parsed.is_array())) {
    return PrintError("--input must be a JSON object of feature values (or an array of them)");
  }
  std::string model_json = "\"";
  for (char c : model) {
    if (c == '"' || c == '\\') model_json += '\\';
    model_json += c;
  }
  model_json += "\"";
  std::string body = "{\"model_id\":" + model_json + ",\"input_parameters\":" + input + "}";
  Call call(common);
  if (!call.Send("POST", "/api/predict", body, "application/json")) return 1;
  std::cout << Text(call.root(), "prediction") << "\n";
  simdjson::dom::array warnings;
  if (call.root()["warnings"].get(warnings) == simdjson::SUCCESS) {
    for (auto warning : warnings) std::cerr << "warning: " << std::string_view(warning.get_string().value_unsafe()) << "\n";
  }
  return 0;
}

void PrintKey(simdjson::dom::element key) {
  std::cout << "key " << Text(key, "id") << " (" << Text(key, "name") << ", " << Text(key, "role") << ")";
  if (!Text(key, "expires_at").empty()) std::cout << " expires " << Text(key, "expires_at");
  std::cout << "\n";
  std::string secret = Text(key, "secret");
  if (!secret.empty()) {
    std::cout << "secret (shown once; store it now): " << secret << "\n";
  }
}

constexpr int64_t kLimitNotGiven = -2;

struct KeyOptions {
  std::string name;
  std::string role;
  int64_t expires_in_seconds = 0;
  std::string id;
  // Per-key quotas: -1 for the server's default, 0 for unlimited; kLimitNotGiven when the flag is absent.
  int64_t max_dataset_bytes = kLimitNotGiven;
  int64_t max_dataset_rows = kLimitNotGiven;
  int64_t max_training_jobs = kLimitNotGiven;
};

// ,"limits":{...} with the limits given on the command line; empty when none was.
std::string LimitsJson(const KeyOptions& options) {
  std::string fields;
  auto add = [&fields](const char* name, int64_t value) {
    if (value == kLimitNotGiven) return;
    if (!fields.empty()) fields += ",";
    fields += std::string("\"") + name + "\":" + (value < 0 ? std::string("null") : std::to_string(value));
  };
  add("max_dataset_bytes", options.max_dataset_bytes);
  add("max_dataset_rows", options.max_dataset_rows);
  add("max_training_jobs", options.max_training_jobs);
  return fields.empty() ? "" : ",\"limits\":{" + fields + "}";
}

void AddLimitOptions(CLI::App* command, KeyOptions* options) {
  command->add_option("--max-dataset-bytes", options->max_dataset_bytes,
                      "Limit of one dataset upload's size (0: unlimited, -1: the server's default)");
  command->add_option("--max-dataset-rows", options->max_dataset_rows,
                      "Limit of one dataset upload's rows (0: unlimited, -1: the server's default)");
  command->add_option("--max-training-jobs", options->max_training_jobs,
                      "Training jobs queued or running at once (0: unlimited, -1: the server's default)");
}

int CreateKey(const CommonOptions& common, const KeyOptions& options) {
  std::string body = "{\"name\":" + JsonQuote(options.name) + ",\"role\":" + JsonQuote(options.role);
  if (options.expires_in_seconds > 0) body += ",\"expires_in_seconds\":" + std::to_string(options.expires_in_seconds);
  body += LimitsJson(options);
  body += "}";
  Call call(common);
  if (!call.Send("POST", "/v1/keys", body, "application/json")) return 1;
  PrintKey(call.root());
  return 0;
}

int ChangeKey(const CommonOptions& common, const KeyOptions& options, bool rotate) {
  Call call(common);
  const std::string target = "/v1/keys/" + http::UrlEncode(options.id);
  const std::string limits = rotate ? LimitsJson(options) : "";
  bool sent = false;
  if (!rotate) {
    sent = call.Send("DELETE", target);
  } else if (limits.empty()) {
    sent = call.Send("POST", target + "/rotate");
  } else {
    sent = call.Send("POST", target + "/rotate", "{" + limits.substr(1) + "}", "application/json");
  }
  if (!sent) return 1;
  PrintKey(call.root());
  if (!rotate) std::cout << "revoked\n";
  return 0;
}

int ListKeys(const CommonOptions& common) {
  Call call(common);
  if (!call.Send("GET", "/v1/keys")) return 1;
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "ROLE", "PREFIX", "CREATED", "EXPIRES", "REVOKED"}};
  simdjson::dom::array keys;
  if (call.root()["keys"].get(keys) == simdjson::SUCCESS) {
    for (auto key : keys) {
      std::string expires = Text(key, "expires_at");
      rows.push_back({Text(key, "id"), Text(key, "name"), Text(key, "role"), Text(key, "prefix"),
                      Text(key, "created_at"), expires.empty() ? "never" : expires, Text(key, "revoked")});
    }
  }
  PrintTable(rows);
  return 0;
}

}  // namespace

void AddClientCommands(CLI::App& app, std::function<int()>* action) {
  auto common = std::make_shared<CommonOptions>();
  common->server = DefaultServer();
  if (const char* key = std::getenv("AMP_API_KEY")) common->api_key = key;
  auto add_common = [common](CLI::App* command) {
    command->add_option("--server", common->server, "AMP server URL (default $AMP_SERVER or http://127.0.0.1:8080)");
    command->add_option("--api-key", common->api_key, "API key sent as 'Authorization: Bearer' (default $AMP_API_KEY)");
  };

  CLI::App* datasets = app.add_subcommand("datasets", "Upload and inspect datasets");
  datasets->require_subcommand(1);
  {
    auto file = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    CLI::App* upload = datasets->add_subcommand("upload", "Upload a CSV file (header row) as a dataset");
    upload->add_option("file", *file, "CSV file")->required()->check(CLI::ExistingFile);
    upload->add_option("--name", *name, "Dataset name (default: the file name)");
    add_common(upload);
    upload->callback([=] { *action = [=] { return UploadDataset(*common, *file, *name); }; });
    CLI::App* list = datasets->add_subcommand("list", "List datasets");
    add_common(list);
    list->callback([=] { *action = [=] { return ListDatasets(*common); }; });
  }

  {
    auto options = std::make_shared<TrainOptions>();
    CLI::App* train = app.add_subcommand("train", "Train a model version from a dataset (an asynchronous job)");
    train->add_option("--model", options->model, "Model name (created on first use; default: the dataset's name)");
    train->add_option("--dataset", options->dataset, "Dataset id or name (the newest dataset of that name)")
        ->required();
    train->add_option("--target", options->target, "Column to predict (none for clustering: --algorithm kmeans)");
    train->add_option("--algorithm", options->algorithm,
                      "auto (search the families by cross-validation), linear_regression, logistic_regression, "
                      "xgboost_regressor, xgboost_classifier, random_forest_regressor, random_forest_classifier or "
                      "kmeans (default: linear_regression for a regression, logistic_regression for a "
                      "classification)");
    train->add_option("--task", options->task,
                      "regression, classification, binary_classification or multiclass_classification (default: "
                      "implied by the algorithm, else detected from the target)");
    train->add_option("--features", options->features, "Feature columns (default: all but the target)")
        ->delimiter(',');
    train->add_option("--param", options->params, "Training parameter name=value, e.g. --param l2=1.0");
    train->add_option("--search-method", options->search_method, "Hyperparameter search: grid or random");
    train->add_option("--search", options->search_space,
                      "A searched parameter and its values, e.g. --search max_depth=3,6 (repeatable)");
    train->add_option("--trials", options->trials, "Random search draws, or auto's trial cap");
    train->add_option("--folds", options->folds, "Cross-validation folds of a search (default 5)");
    train->add_option("--cpu-budget", options->cpu_budget, "Threads the job may use (default 2)");
    train->add_option("--workers", options->workers,
                      "Train one XGBoost model on this many worker processes (distributed; default 1)");
    train->add_option("--time-budget", options->time_budget_seconds,
                      "Seconds after which a search stops and keeps the best so far");
    train->add_option("--callback-url", options->callback_url,
                      "POST the outcome here when the job ends (signed; see docs/models.md)");
    train->add_option("--description", options->description, "Set the model's description");
    train->add_option("--owner", options->owner, "Set the model's owner");
    train->add_option("--tag", options->tags, "Set the model's tags (repeat for several)");
    train->add_option("--allow-personal-data", options->allow_personal_data,
                      "Columns flagged as personal or payment data that training may use (comma-separated), or "
                      "'all' (default: none; they are excluded)")
        ->delimiter(',');
    train->add_flag("--wait", options->wait,
                    "Wait for the job to finish and print its outcome (a search always waits)");
    train->add_option("--timeout", options->timeout_seconds, "Seconds to wait with --wait (default 3600)");
    add_common(train);
    train->callback([=] { *action = [=] { return Train(*common, *options); }; });
  }

  {
    CLI::App* jobs = app.add_subcommand("jobs", "Inspect or cancel training jobs");
    jobs->require_subcommand(1);
    auto job_id = std::make_shared<std::string>();
    CLI::App* list = jobs->add_subcommand("list", "List recent jobs");
    add_common(list);
    list->callback([=] { *action = [=] { return ListJobs(*common); }; });
    CLI::App* show = jobs->add_subcommand("show", "Show a job");
    show->add_option("id", *job_id, "Job id")->required();
    add_common(show);
    show->callback([=] { *action = [=] { return ShowJob(*common, *job_id, false); }; });
    CLI::App* cancel = jobs->add_subcommand("cancel", "Cancel a queued or running job");
    cancel->add_option("id", *job_id, "Job id")->required();
    add_common(cancel);
    cancel->callback([=] { *action = [=] { return ShowJob(*common, *job_id, true); }; });
    CLI::App* logs = jobs->add_subcommand("logs", "Print a job's log");
    logs->add_option("id", *job_id, "Job id")->required();
    add_common(logs);
    logs->callback([=] { *action = [=] { return ShowJobLogs(*common, *job_id); }; });
    CLI::App* resubmit = jobs->add_subcommand("resubmit", "Submit an ended (e.g. interrupted) job's request again");
    resubmit->add_option("id", *job_id, "Job id")->required();
    add_common(resubmit);
    resubmit->callback([=] { *action = [=] { return ResubmitJob(*common, *job_id); }; });
  }

  {
    CLI::App* models = app.add_subcommand("models", "List models, or show one with `models show NAME`");
    add_common(models);
    auto name = std::make_shared<std::string>();
    CLI::App* show = models->add_subcommand("show", "Show a model and its versions (JSON)");
    show->add_option("name", *name, "Model name or id")->required();
    add_common(show);
    show->callback([=] { *action = [=] { return ShowModel(*common, *name); }; });
    auto download_name = std::make_shared<std::string>();
    auto download_version = std::make_shared<int64_t>(0);
    auto download_output = std::make_shared<std::string>();
    CLI::App* download = models->add_subcommand(
        "download", "Save a version as a self-contained bundle, for `amp score` offline (default: the served one)");
    download->add_option("name", *download_name, "Model name or id")->required();
    download->add_option("--version", *download_version, "Version number (default: the served version)");
    download->add_option("--output,-o", *download_output, "File to write (default NAME-vN.ampbundle)");
    add_common(download);
    download->callback([=] {
      *action = [=] { return DownloadModel(*common, *download_name, *download_version, *download_output); };
    });
    auto key_id = std::make_shared<std::string>();
    for (bool grant : {true, false}) {
      CLI::App* command = models->add_subcommand(
          grant ? "grant" : "ungrant",
          grant ? "Let an API key read and predict on a model (admin)" : "Take a model away from an API key (admin)");
      command->add_option("name", *name, "Model name or id")->required();
      command->add_option("key_id", *key_id, "API key id")->required();
      add_common(command);
      command->callback([=] { *action = [=] { return ChangeGrant(*common, *name, *key_id, grant); }; });
    }
    for (bool is_public : {true, false}) {
      CLI::App* command = models->add_subcommand(
          is_public ? "publish" : "unpublish",
          is_public ? "Make a model callable without an API key" : "Make a model need an API key again");
      command->add_option("name", *name, "Model name or id")->required();
      add_common(command);
      command->callback([=] { *action = [=] { return SetModelPublic(*common, *name, is_public); }; });
    }
    auto export_name = std::make_shared<std::string>();
    auto export_version = std::make_shared<int64_t>(0);
    auto export_format = std::make_shared<std::string>("onnx");
    auto export_output = std::make_shared<std::string>();
    CLI::App* export_command = models->add_subcommand(
        "export",
        "Save a version with its preprocessing as an ONNX model for other runtimes (default: the served one)");
    export_command->add_option("name", *export_name, "Model name or id")->required();
    export_command->add_option("--version", *export_version, "Version number (default: the served version)");
    export_command->add_option("--format", *export_format, "Format: onnx (default) or xgboost-json")
        ->check(CLI::IsMember({"onnx", "xgboost-json"}));
    export_command->add_option("--output,-o", *export_output,
                               "File to write (default NAME-vN.onnx or NAME-vN.xgboost.json)");
    add_common(export_command);
    export_command->callback([=] {
      *action = [=] { return ExportModel(*common, *export_name, *export_version, *export_format, *export_output); };
    });
    auto update_name = std::make_shared<std::string>();
    auto update = std::make_shared<UpdateOptions>();
    CLI::App* update_command = models->add_subcommand(
        "update", "Change a model's description, owner, tags or retention policy (developer, admin)");
    update_command->add_option("name", *update_name, "Model name or id")->required();
    CLI::Option* description = update_command->add_option("--description", update->description, "New description");
    CLI::Option* owner = update_command->add_option("--owner", update->owner, "New owner (a person or team)");
    update_command->add_option("--tag", update->tags, "Tag (repeat for several); replaces the model's tags");
    update_command->add_flag("--clear-tags", update->clear_tags, "Remove every tag");
    update_command->add_option("--keep-last", update->keep_last,
                               "Retention: keep the newest N versions (plus aliased and loaded ones)");
    update_command->add_flag("--no-retention", update->no_retention, "Keep every version");
    add_common(update_command);
    update_command->callback([=] {
      update->has_description = description->count() > 0;
      update->has_owner = owner->count() > 0;
      *action = [=] { return UpdateModel(*common, *update_name, *update); };
    });
    auto delete_name = std::make_shared<std::string>();
    auto delete_version = std::make_shared<int64_t>(0);
    CLI::App* delete_command = models->add_subcommand(
        "delete-version", "Delete a version and its artifact (refused while an alias points to it)");
    delete_command->add_option("name", *delete_name, "Model name or id")->required();
    delete_command->add_option("version", *delete_version, "Version number")->required();
    add_common(delete_command);
    delete_command->callback([=] {
      *action = [=] { return DeleteVersion(*common, *delete_name, *delete_version); };
    });
    auto filter = std::make_shared<ModelFilterOptions>();
    models->add_option("--tag", filter->tag, "List only models with this tag");
    models->add_option("--owner", filter->owner, "List only models of this owner");
    models->add_option("--search", filter->search, "List only models whose name, description, owner or tags hold this");
    auto import_options = std::make_shared<ImportOptions>();
    CLI::App* import_command = models->add_subcommand(
        "import", "Register a model trained elsewhere (ONNX, XGBoost JSON or UBJSON) as a new version");
    import_command->add_option("name", import_options->name, "Model name")->required();
    import_command->add_option("--file,-f", import_options->file, "The model file (.onnx, .json, .ubj)")->required();
    import_command->add_option("--format", import_options->format, "onnx, xgboost_json or xgboost_ubj (default: "
                                                                    "from the file's extension)")
        ->check(CLI::IsMember({"onnx", "xgboost_json", "xgboost_ubj"}));
    import_command
        ->add_option("--features", import_options->features,
                     "The model's inputs in order, NAME or NAME:TYPE (numeric, integer, boolean, categorical)")
        ->required()
        ->delimiter(',');
    import_command->add_option("--task", import_options->task, "regression (default) or classification")
        ->check(CLI::IsMember({"regression", "classification"}));
    import_command->add_option("--classes", import_options->classes, "Class labels, in the model's class order")
        ->delimiter(',');
    import_command->add_option("--target", import_options->target, "Name of what the model predicts");
    import_command->add_option("--output", import_options->output, "ONNX output to read (default: the first fitting)");
    add_common(import_command);
    import_command->callback([=] { *action = [=] { return ImportModel(*common, *import_options); }; });
    models->callback([=] {
      if (!*action) *action = [=] { return ListModels(*common, *filter); };
    });
  }

  {
    CLI::App* keys = app.add_subcommand("keys", "Manage API keys (needs an admin key)");
    keys->require_subcommand(1);
    auto options = std::make_shared<KeyOptions>();
    CLI::App* create = keys->add_subcommand("create", "Create a key; its secret is printed once");
    create->add_option("--name", options->name, "A name for the key, e.g. the team or service using it")->required();
    create->add_option("--role", options->role, "admin, developer or consumer")
        ->required()
        ->check(CLI::IsMember({"admin", "developer", "consumer"}));
    create->add_option("--expires-in", options->expires_in_seconds, "Seconds until the key expires (default never)");
    AddLimitOptions(create, options.get());
    add_common(create);
    create->callback([=] { *action = [=] { return CreateKey(*common, *options); }; });
    CLI::App* list = keys->add_subcommand("list", "List keys (never their secrets)");
    add_common(list);
    list->callback([=] { *action = [=] { return ListKeys(*common); }; });
    CLI::App* rotate =
        keys->add_subcommand("rotate", "Give a key a new secret (printed once); the old one stops working");
    rotate->add_option("id", options->id, "Key id")->required();
    AddLimitOptions(rotate, options.get());
    add_common(rotate);
    rotate->callback([=] { *action = [=] { return ChangeKey(*common, *options, true); }; });
    CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key");
    revoke->add_option("id", options->id, "Key id")->required();
    add_common(revoke);
    revoke->callback([=] { *action = [=] { return ChangeKey(*common, *options, false); }; });
  }

  {
    auto model = std::make_shared<std::string>();
    auto input = std::make_shared<std::string>();
    auto input_file = std::make_shared<std::string>();
    CLI::App* predict = app.add_subcommand("predict", "Predict with a model's served version");
    predict->add_option("--model", *model, "Model name or id")->required();
    predict->add_option("--input", *input, "Feature values as JSON, e.g. '{\"square_feet\": 1650}'");
    predict->add_option("--input-file", *input_file, "A file holding that JSON");
    add_common(predict);
    predict->callback([=] { *action = [=] { return Predict(*common, *model, *input, *input_file); }; });
  }
}

}  // namespace amp::cli
