// ServerOptions: where the AMP server is and the API key a client command sends, from --server and --api-key with
// defaults from the environment. Shared by every client command; a plain value.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace amp::cli {

// Where the server is and the key that authenticates the calls: --server and --api-key of every client command.
struct ServerOptions {
  std::string url;
  std::string api_key;
};

// $AMP_SERVER (else http://127.0.0.1:8080) and $AMP_API_KEY.
ServerOptions ServerOptionsFromEnvironment();

// Adds --server and --api-key to `command`; they write to `*options`, which must outlive the parse.
void AddServerOptions(CLI::App* command, ServerOptions* options);

}  // namespace amp::cli
