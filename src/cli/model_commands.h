// `amp models` (list, with filters) and its subcommands: show, grant/ungrant, publish/unpublish, update,
// delete-version, and the file transfers of model_transfer_commands.h (download, export, import).
#pragma once

#include <functional>
#include <memory>

#include "cli/server_options.h"

namespace amp::cli {

// Registers `models` and its subcommands on `app`; the chosen one stores its action in `*action` (`models` alone
// lists the models).
void AddModelCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

}  // namespace amp::cli
