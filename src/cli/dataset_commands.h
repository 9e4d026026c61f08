// `amp datasets upload FILE` and `amp datasets list`: client commands for the server's datasets.
#pragma once

#include <functional>
#include <memory>

#include "cli/server_options.h"

namespace amp::cli {

// Registers `datasets` and its subcommands on `app`; the chosen one stores its action in `*action`.
void AddDatasetCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

}  // namespace amp::cli
