#include "cli/train_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/answer_format.h"
#include "cli/job_commands.h"
#include "cli/json_body.h"
#include "cli/server_call.h"

namespace amp::cli {
namespace {

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
  int repeats = 0;
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

int Train(const ServerOptions& server, const TrainOptions& options) {
  std::string body = "{\"dataset_id\":" + JsonQuote(options.dataset) + ",\"target\":" + JsonQuote(options.target);
  if (!options.algorithm.empty()) body += ",\"algorithm\":" + JsonQuote(options.algorithm);
  if (!options.task.empty()) body += ",\"task\":" + JsonQuote(options.task);
  if (!options.features.empty()) body += ",\"features\":" + JsonStringArray(options.features);
  if (!options.params.empty()) {
    body += ",\"params\":{";
    for (size_t idx = 0; idx < options.params.size(); ++idx) {
      size_t eq = options.params[idx].find('=');
      if (eq == std::string::npos) return PrintError("--param takes name=number, got '" + options.params[idx] + "'");
      std::string value = options.params[idx].substr(eq + 1);
      if (!IsNumber(value)) return PrintError("--param value must be a number: '" + value + "'");
      body += (idx ? "," : "") + JsonQuote(options.params[idx].substr(0, eq)) + ":" + value;
    }
    body += "}";
  }
  if (!options.search_method.empty() || !options.search_space.empty() || options.trials != 0 || options.folds != 0 ||
      options.repeats != 0) {
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
    if (options.repeats != 0)
      search += std::string(search.empty() ? "" : ",") + "\"repeats\":" + std::to_string(options.repeats);
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
    body += ",\"allow_personal_data\":" + (all ? std::string("true") : JsonStringArray(options.allow_personal_data));
  }
  body += "}";
  // Without --model the model is named after the dataset.
  const std::string model = options.model.empty() ? options.dataset : options.model;
  ServerCall call(server);
  if (!call.Send("POST", "/v1/models/" + http::UrlEncode(model) + "/train", body, "application/json")) {
    return 1;
  }
  std::string job_id = FieldText(call.root(), "id");
  // A search prints its leaderboard at the end, so it waits unless told otherwise.
  const bool searching = options.algorithm == "auto" || !options.search_method.empty();
  if (!options.wait && !searching) return PrintJob(server, call.root());
  std::cout << "job " << job_id << " queued; waiting for it to finish\n";
  return WaitForJob(server, job_id, options.timeout_seconds);
}

}  // namespace

void AddTrainCommand(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* train = app.add_subcommand("train", "Train a model version from a dataset (an asynchronous job)");
  train->add_option("--model", options->model, "Model name (created on first use; default: the dataset's name)");
  train->add_option("--dataset", options->dataset, "Dataset id or name (the newest dataset of that name)")->required();
  train->add_option("--target", options->target, "Column to predict (none for clustering: --algorithm kmeans)");
  train->add_option("--algorithm", options->algorithm,
                    "auto (search the families by cross-validation), linear_regression, logistic_regression, "
                    "xgboost_regressor, xgboost_classifier, random_forest_regressor, random_forest_classifier or "
                    "kmeans (default: linear_regression for a regression, logistic_regression for a "
                    "classification)");
  train->add_option("--task", options->task,
                    "regression, classification, binary_classification or multiclass_classification (default: "
                    "implied by the algorithm, else detected from the target)");
  train->add_option("--features", options->features, "Feature columns (default: all but the target)")->delimiter(',');
  train->add_option("--param", options->params, "Training parameter name=value, e.g. --param l2=1.0");
  train->add_option("--search-method", options->search_method, "Hyperparameter search: grid or random");
  train->add_option("--search", options->search_space,
                    "A searched parameter and its values, e.g. --search max_depth=3,6 (repeatable)");
  train->add_option("--trials", options->trials, "Random search draws, or auto's trial cap");
  train->add_option("--folds", options->folds, "Cross-validation folds of a search (default 5)");
  train->add_option("--repeats", options->repeats, "Repeated cross-validation: fold partitions averaged (default 1)");
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
  train
      ->add_option("--allow-personal-data", options->allow_personal_data,
                   "Columns flagged as personal or payment data that training may use (comma-separated), or "
                   "'all' (default: none; they are excluded)")
      ->delimiter(',');
  train->add_flag("--wait", options->wait, "Wait for the job to finish and print its outcome (a search always waits)");
  train->add_option("--timeout", options->timeout_seconds, "Seconds to wait with --wait (default 3600)");
  AddServerOptions(train, server.get());
  train->callback([=] { *action = [=] { return Train(*server, *options); }; });
}

}  // namespace amp::cli
