#include "cli/job_commands.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/answer_format.h"
#include "cli/job_view.h"
#include "cli/server_call.h"

namespace amp::cli {
namespace {

// A search's leaderboard as a table, best first.
void PrintLeaderboard(simdjson::dom::element job) {
  simdjson::dom::array leaderboard;
  if (job["leaderboard"].get(leaderboard) != simdjson::SUCCESS || leaderboard.size() == 0) return;
  std::vector<std::vector<std::string>> rows = {
      {"RANK", "ALGORITHM", "METRIC", "CV_MEAN", "CV_STD", "SECONDS", "PARAMS", "PUBLISHED"}};
  for (auto entry : leaderboard) {
    auto number = [&](const char* key) {
      double value = 0.0;
      if (entry[key].get(value) != simdjson::SUCCESS) return FieldText(entry, key);
      return NumberText(value, 4);
    };
    bool published = false;
    const bool marked = entry["published"].get(published) == simdjson::SUCCESS && published;
    rows.push_back({FieldText(entry, "rank"), FieldText(entry, "algorithm"), FieldText(entry, "metric"),
                    number("cv_score"), number("cv_std"), number("fit_seconds"), ParamsText(entry["params"]),
                    marked ? "*" : ""});
  }
  std::cout << "leaderboard (cross-validated on the training part):\n";
  PrintTable(rows);
}

// What a succeeded search published (cli/job_view.h), from its version.
void PrintPublished(const ServerOptions& server, simdjson::dom::element job) {
  simdjson::dom::element result;
  if (job["result"].get(result) != simdjson::SUCCESS) return;
  simdjson::dom::array leaderboard;
  if (job["leaderboard"].get(leaderboard) != simdjson::SUCCESS || leaderboard.size() == 0) return;
  ServerCall call(server);
  if (!call.Send("GET", "/v1/models/" + http::UrlEncode(FieldText(result, "model_name")) + "/versions/" +
                            FieldText(result, "version"))) {
    return;
  }
  std::cout << RenderPublished(job, call.root());
}

int ShowJobLogs(const ServerOptions& server, const std::string& job_id) {
  ServerCall call(server);
  if (!call.Send("GET", "/v1/jobs/" + http::UrlEncode(job_id) + "/logs")) return 1;
  simdjson::dom::array lines;
  if (call.root()["lines"].get(lines) == simdjson::SUCCESS) {
    for (auto line : lines) std::cout << FieldText(line, "at") << "  " << FieldText(line, "message") << "\n";
  }
  return 0;
}

int ResubmitJob(const ServerOptions& server, const std::string& job_id) {
  ServerCall call(server);
  if (!call.Send("POST", "/v1/jobs/" + http::UrlEncode(job_id) + "/resubmit", "", "application/json")) return 1;
  return PrintJob(server, call.root());
}

int ShowJob(const ServerOptions& server, const std::string& job_id, bool cancel) {
  ServerCall call(server);
  if (!call.Send(cancel ? "DELETE" : "GET", "/v1/jobs/" + http::UrlEncode(job_id))) return 1;
  return PrintJob(server, call.root());
}

int ListJobs(const ServerOptions& server) {
  ServerCall call(server);
  if (!call.Send("GET", "/v1/jobs")) return 1;
  PrintArrayTable(call.root(), "jobs", {"ID", "STATE", "MODEL", "CREATED", "PROGRESS"}, [](simdjson::dom::element job) {
    return std::vector<std::string>{FieldText(job, "id"), FieldText(job, "state"), FieldText(job, "model_name"),
                                    FieldText(job, "created_at"), FieldText(job, "progress")};
  });
  return 0;
}

}  // namespace

int PrintJob(const ServerOptions& server, simdjson::dom::element job) {
  std::string state = FieldText(job, "state");
  std::cout << "job " << FieldText(job, "id") << ": " << state;
  if (state == "succeeded") {
    simdjson::dom::element result;
    if (job["result"].get(result) == simdjson::SUCCESS) {
      std::cout << " -> model '" << FieldText(result, "model_name") << "' version " << FieldText(result, "version");
    }
  } else if (!FieldText(job, "error").empty()) {
    std::cout << ": " << FieldText(job, "error");
  } else if (!FieldText(job, "progress").empty()) {
    std::cout << " (" << FieldText(job, "progress") << ")";
  }
  std::cout << "\n";
  PrintLeaderboard(job);
  if (state == "succeeded") {
    PrintPublished(server, job);
    simdjson::dom::element result;
    if (job["result"].get(result) == simdjson::SUCCESS && !FormatMetrics(result).empty()) {
      std::cout << "holdout: " << FormatMetrics(result) << "\n";
    }
  }
  if (state == "failed" || state == "cancelled" || state == "interrupted") return 2;
  return 0;
}

int WaitForJob(const ServerOptions& server, const std::string& job_id, int timeout_seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  std::string last_progress;
  while (true) {
    ServerCall poll(server);
    if (!poll.Send("GET", "/v1/jobs/" + http::UrlEncode(job_id))) return 1;
    std::string state = FieldText(poll.root(), "state");
    if (state != "queued" && state != "running") return PrintJob(server, poll.root());
    std::string progress = FieldText(poll.root(), "progress");
    if (progress != last_progress) {
      std::cerr << "  " << state << ": " << progress << "\n";
      last_progress = progress;
    }
    if (std::chrono::steady_clock::now() > deadline) return PrintError("timed out waiting for job " + job_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void AddJobCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  CLI::App* jobs = app.add_subcommand("jobs", "Inspect or cancel training jobs");
  jobs->require_subcommand(1);
  auto job_id = std::make_shared<std::string>();
  CLI::App* list = jobs->add_subcommand("list", "List recent jobs");
  AddServerOptions(list, server.get());
  list->callback([=] { *action = [=] { return ListJobs(*server); }; });
  CLI::App* show = jobs->add_subcommand("show", "Show a job");
  show->add_option("id", *job_id, "Job id")->required();
  AddServerOptions(show, server.get());
  show->callback([=] { *action = [=] { return ShowJob(*server, *job_id, false); }; });
  CLI::App* cancel = jobs->add_subcommand("cancel", "Cancel a queued or running job");
  cancel->add_option("id", *job_id, "Job id")->required();
  AddServerOptions(cancel, server.get());
  cancel->callback([=] { *action = [=] { return ShowJob(*server, *job_id, true); }; });
  CLI::App* logs = jobs->add_subcommand("logs", "Print a job's log");
  logs->add_option("id", *job_id, "Job id")->required();
  AddServerOptions(logs, server.get());
  logs->callback([=] { *action = [=] { return ShowJobLogs(*server, *job_id); }; });
  CLI::App* resubmit = jobs->add_subcommand("resubmit", "Submit an ended (e.g. interrupted) job's request again");
  resubmit->add_option("id", *job_id, "Job id")->required();
  AddServerOptions(resubmit, server.get());
  resubmit->callback([=] { *action = [=] { return ResubmitJob(*server, *job_id); }; });
}

}  // namespace amp::cli
