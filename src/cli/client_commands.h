// The CLI's client subcommands (datasets, train, jobs, models, predict): each sends one or a few HTTP requests to
// a running server (--server, default $AMP_SERVER or http://127.0.0.1:8080) and prints the answer for a person.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace amp::cli {

// Registers the client subcommands on `app`. A subcommand, when chosen, stores its action in `*action`; the action
// returns the process exit code.
void AddClientCommands(CLI::App& app, std::function<int()>* action);

}  // namespace amp::cli
