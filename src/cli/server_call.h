// ServerCall: one HTTP request from a client command to the AMP server, its answer parsed as JSON. Every failure
// (bad URL, no connection, an error status, a body that is not JSON) is printed for the person at the terminal, so a
// command only checks the bool. Used by every client command; one per request, not thread-safe.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "cli/server_options.h"
#include "http/http_client.h"

namespace amp::cli {

// Prints "amp: <message>" to stderr and returns 1, the exit code of a failed command.
int PrintError(std::string_view message);

// Prints an error answer: its message and " (HTTP <status>)".
int PrintHttpError(std::string_view message, int status);

// The "error" member of an error answer's JSON body, or "unknown error".
std::string_view ErrorMessage(simdjson::dom::element root);

// A client for `server` that sends its API key; nullopt (printed) when the URL is not one it can call.
std::optional<http::HttpClient> ConnectToServer(const ServerOptions& server);

class ServerCall {
 public:
  // `server` must outlive the call.
  explicit ServerCall(const ServerOptions& server) : server_(server) {}

  // Sends the request and parses the answer. False, with the reason printed, unless the server answered below 400
  // with a JSON body; root() is that body.
  bool Send(std::string_view method, const std::string& target, std::string_view body = {},
            std::string_view content_type = {});

  simdjson::dom::element root() const { return root_; }

 private:
  const ServerOptions& server_;
  std::string body_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace amp::cli
