#include "cli/server_call.h"

#include <iostream>

namespace amp::cli {

int PrintError(std::string_view message) {
  std::cerr << "amp: " << message << "\n";
  return 1;
}

int PrintHttpError(std::string_view message, int status) {
  return PrintError(std::string(message) + " (HTTP " + std::to_string(status) + ")");
}

std::string_view ErrorMessage(simdjson::dom::element root) {
  std::string_view message;
  if (root["error"].get(message) != simdjson::SUCCESS) return "unknown error";
  return message;
}

std::optional<http::HttpClient> ConnectToServer(const ServerOptions& server) {
  auto client = http::HttpClient::Create(server.url);
  if (!client.ok()) {
    PrintError(client.status().message());
    return std::nullopt;
  }
  if (!server.api_key.empty()) client->SetHeader("Authorization", "Bearer " + server.api_key);
  return std::move(*client);
}

bool ServerCall::Send(std::string_view method, const std::string& target, std::string_view body,
                      std::string_view content_type) {
  std::optional<http::HttpClient> client = ConnectToServer(server_);
  if (!client) return false;
  auto response = client->Send(method, target, body, content_type);
  if (!response.ok()) {
    PrintError(response.status().message());
    return false;
  }
  body_ = std::move(response->body);
  if (parser_.parse(body_).get(root_) != simdjson::SUCCESS) {
    PrintError("the server answered " + std::to_string(response->status) + " with a body that is not JSON");
    return false;
  }
  if (response->status >= 400) {
    PrintHttpError(ErrorMessage(root_), response->status);
    return false;
  }
  return true;
}

}  // namespace amp::cli
