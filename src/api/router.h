// Router: maps (method, path) to a handler by literal segments and {param} segments; no regular expressions. Every
// route names its access-control action when it is added (RouteAccess), so no route can exist without one.
// Built once at startup (then Protect), then read-only: thread-safe for concurrent Match calls.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/request.h"
#include "auth/action.h"

namespace amp::api {

// Path parameters in the order they appear in the pattern, percent-decoded.
using PathParams = std::vector<std::string>;
using Handler = std::function<Response(const Request&, const PathParams&)>;

enum class BodyMode {
  kInMemory,      // the body is read into memory, up to the server's JSON body limit
  kStreamToFile,  // the body is streamed to a temporary file, up to the upload limit
};

// What a route does, for access control: its action, and where the model it acts on is named.
struct RouteAccess {
  enum class Model {
    kNone,  // not about one model
    kPath,  // the first {param} names the model (by name or id)
    kBody,  // named in the body: the handler authorizes after parsing (see AuthorizeModel in access_guard.h)
  };
  auth::Action action;
  Model model = Model::kNone;
};

inline RouteAccess OnServer(auth::Action action) {
  return {action, RouteAccess::Model::kNone};
}
inline RouteAccess OnPathModel(auth::Action action) {
  return {action, RouteAccess::Model::kPath};
}
inline RouteAccess OnBodyModel(auth::Action action) {
  return {action, RouteAccess::Model::kBody};
}

struct Route {
  Method method;
  std::string pattern;
  RouteAccess access;
  BodyMode body_mode = BodyMode::kInMemory;
  Handler handler;
  std::vector<std::string> segments;  // filled by Router::Add
  bool has_params = false;            // filled by Router::Add: some segment is a {param}
  bool fallback = false;              // set by Router::AddFallback: answers paths no other route matches
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route
  PathParams params;
  // When route is null: 405 if the path exists under another method, else 404; 400 for an undecodable path.
  int error_status = 404;
};

class Router {
 public:
  void Add(Method method, std::string pattern, RouteAccess access, Handler handler,
           BodyMode body_mode = BodyMode::kInMemory);
  // The route for `method` (GET also answers HEAD) on any path that no other route matches under any method (the
  // web console's static files and client-side routes). Tried only after every other route, so it costs the
  // other routes nothing; `name` is how it is listed (routes(), the RBAC table). At most one per method.
  void AddFallback(Method method, std::string name, RouteAccess access, Handler handler);
  RouteMatch Match(Method method, std::string_view path) const;

  // Wraps every route's handler with `wrap(route, handler)`: how api::AccessGuard puts itself in front of every
  // handler once all routes are added.
  void WrapHandlers(const std::function<Handler(const Route&, Handler)>& wrap);
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

std::string_view MethodName(Method method);

}  // namespace amp::api
