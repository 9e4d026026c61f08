#include "cli/server_options.h"

#include <CLI/CLI.hpp>
#include <cstdlib>

namespace amp::cli {

ServerOptions ServerOptionsFromEnvironment() {
  ServerOptions options;
  const char* url = std::getenv("AMP_SERVER");
  options.url = url != nullptr && *url != '\0' ? url : "http://127.0.0.1:8080";
  if (const char* key = std::getenv("AMP_API_KEY")) options.api_key = key;
  return options;
}

void AddServerOptions(CLI::App* command, ServerOptions* options) {
  command->add_option("--server", options->url, "AMP server URL (default $AMP_SERVER or http://127.0.0.1:8080)");
  command->add_option("--api-key", options->api_key, "API key sent as 'Authorization: Bearer' (default $AMP_API_KEY)");
}

}  // namespace amp::cli
