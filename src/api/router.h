// Router: maps (method, path) to a handler by literal segments and {param} segments; no regular expressions.
// Built once at startup, then read-only: thread-safe for concurrent Match calls.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/request.h"

namespace amp::api {

// Path parameters in the order they appear in the pattern, percent-decoded.
using PathParams = std::vector<std::string>;
using Handler = std::function<Response(const Request&, const PathParams&)>;

enum class BodyMode {
  kInMemory,      // the body is read into memory, up to the server's JSON body limit
  kStreamToFile,  // the body is streamed to a temporary file, up to the upload limit
};

struct Route {
  Method method;
  std::string pattern;
  BodyMode body_mode = BodyMode::kInMemory;
  Handler handler;
  std::vector<std::string> segments;  // filled by Router::Add
  bool has_params = false;            // filled by Router::Add: some segment is a {param}
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route
  PathParams params;
  // When route is null: 405 if the path exists under another method, else 404; 400 for an undecodable path.
  int error_status = 404;
};

class Router {
 public:
  void Add(Method method, std::string pattern, Handler handler, BodyMode body_mode = BodyMode::kInMemory);
  RouteMatch Match(Method method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

std::string_view MethodName(Method method);

}  // namespace amp::api
