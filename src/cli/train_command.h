// `amp train`: submits a training job (one algorithm, a hyperparameter search or `auto`) and prints it, or waits for
// it to end with --wait (a search always waits, to print its leaderboard).
#pragma once

#include <functional>
#include <memory>

#include "cli/server_options.h"

namespace amp::cli {

// Registers `train` on `app`; when chosen, it stores its action in `*action`.
void AddTrainCommand(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

}  // namespace amp::cli
