// `amp models download|export|import`: client commands that move a model version's file out of the server (a bundle
// for `amp score`, an ONNX or XGBoost JSON export) or a model trained elsewhere into it.
#pragma once

#include <functional>
#include <memory>

#include "cli/server_options.h"

namespace amp::cli {

// Each registers one subcommand on `models`; when chosen, it stores its action in `*action`.
void AddModelDownloadCommand(CLI::App* models, std::shared_ptr<ServerOptions> server, std::function<int()>* action);
void AddModelExportCommand(CLI::App* models, std::shared_ptr<ServerOptions> server, std::function<int()>* action);
void AddModelImportCommand(CLI::App* models, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

}  // namespace amp::cli
