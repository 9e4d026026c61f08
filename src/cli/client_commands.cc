#include "cli/client_commands.h"

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/dataset_commands.h"
#include "cli/job_commands.h"
#include "cli/key_commands.h"
#include "cli/model_commands.h"
#include "cli/predict_command.h"
#include "cli/server_options.h"
#include "cli/train_command.h"

namespace amp::cli {

void AddClientCommands(CLI::App& app, std::function<int()>* action) {
  // One set of --server/--api-key values: only the chosen subcommand parses into it.
  auto server = std::make_shared<ServerOptions>(ServerOptionsFromEnvironment());
  AddDatasetCommands(app, server, action);
  AddTrainCommand(app, server, action);
  AddJobCommands(app, server, action);
  AddModelCommands(app, server, action);
  AddKeyCommands(app, server, action);
  AddPredictCommand(app, server, action);
}

}  // namespace amp::cli
