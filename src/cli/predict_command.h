// `amp predict --model NAME --input JSON`: one prediction from a model's served version through the seed API.
#pragma once

#include <functional>
#include <memory>

#include "cli/server_options.h"

namespace amp::cli {

// Registers `predict` on `app`; when chosen, it stores its action in `*action`.
void AddPredictCommand(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action);

}  // namespace amp::cli
