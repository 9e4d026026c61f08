// `amp keys create|list|rotate|revoke`: client commands for API keys (they need an admin key).
#pragma once

#include <functional>
#include <memory>

#include "cli/server_options.h"

namespace amp::cli {

// Registers `keys` and its subcommands on `app`; the chosen one stores its action in `*action`.
void AddKeyCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

}  // namespace amp::cli
