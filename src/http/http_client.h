// HttpClient: a small blocking HTTP/1.1 client for the CLI (one connection per call; plain http:// only for now).
// Thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace amp::http {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // every field, as received

  // The first field named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  // `base_url` like "http://127.0.0.1:8080". InvalidArgument for anything else.
  static core::Result<HttpClient> Create(std::string_view base_url,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

  void SetHeader(std::string name, std::string value) { headers_.emplace_back(std::move(name), std::move(value)); }

  // Sends a request to `target` (path and query). Unavailable when the server cannot be reached.
  core::Result<ClientResponse> Send(std::string_view method, std::string_view target, std::string_view body = {},
                                    std::string_view content_type = {});

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string host_;
  std::string port_;
  std::chrono::milliseconds timeout_{60'000};
  std::vector<std::pair<std::string, std::string>> headers_;
};

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters stay as they are).
std::string UrlEncode(std::string_view text);

}  // namespace amp::http
