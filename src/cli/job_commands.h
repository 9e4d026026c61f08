// `amp jobs list|show|cancel|logs|resubmit`: client commands for training jobs, and how a job is shown and waited
// for (`amp train` uses both).
#pragma once

#include <simdjson.h>

#include <functional>
#include <memory>
#include <string>

#include "cli/server_options.h"

namespace amp::cli {

// Registers `jobs` and its subcommands on `app`; the chosen one stores its action in `*action`.
void AddJobCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

// Prints a job's state (its model version and holdout metrics once it succeeded; for a search the leaderboard and,
// asked of `server`, what was published) and returns the exit code it means: 2 for a failed, cancelled or
// interrupted job, else 0.
int PrintJob(const ServerOptions& server, simdjson::dom::element job);

// Polls job `job_id` until it ends (progress changes go to stderr), then prints it as PrintJob does. 1 when a call
// fails or `timeout_seconds` pass first.
int WaitForJob(const ServerOptions& server, const std::string& job_id, int timeout_seconds);

}  // namespace amp::cli
