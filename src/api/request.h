// Request and Response: the transport-neutral shape of an HTTP exchange that handlers see. http/ fills a Request
// (views into its own buffers, valid for the duration of the handler call) and writes the Response back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amp::serving {
struct Servable;
}
namespace amp::auth {
struct Principal;
}

namespace amp::api {

class AccessGuard;

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

struct Request {
  Method method = Method::kGet;
  std::string_view path;   // without the query string, not percent-decoded
  std::string_view query;  // after '?', raw
  std::string_view content_type;
  std::string_view authorization;
  std::string_view body;  // for routes that take the body in memory
  // For routes that stream the body to disk: the temporary file holding it. The handler owns the file.
  std::optional<std::filesystem::path> body_file;
  std::string_view remote_address;
  std::string_view request_id;  // from the client's X-Request-Id if sane, else generated; echoed in the answer
  // Set by AccessGuard before the handler runs: who is calling, and the guard for the checks a handler makes itself
  // (a model named in the body, filtering a listing). Both null when no guard is in front (handler unit tests).
  const auth::Principal* principal = nullptr;
  const AccessGuard* guard = nullptr;

  // The percent-decoded value of query parameter `name`, if present.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

struct Response {
  // A JSON answer with the given status.
  static Response Json(int status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }

  int status = 200;
  std::string_view content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // For metrics and the access log: the model version that answered (if any) and how many rows it scored.
  std::shared_ptr<const serving::Servable> served;
  int64_t rows_scored = 0;
};

// Decodes %XX escapes (and '+' as space when `plus_as_space`). Nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

}  // namespace amp::api
