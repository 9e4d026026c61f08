#include "api/router.h"

namespace amp::api {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

void Router::Add(Method method, std::string pattern, RouteAccess access, Handler handler, BodyMode body_mode) {
  Route route{method, std::move(pattern), access, body_mode, std::move(handler), {}, false};
  for (std::string_view segment : SplitPath(route.pattern)) {
    route.segments.emplace_back(segment);
    route.has_params = route.has_params || IsParam(segment);
  }
  routes_.push_back(std::move(route));
}

void Router::AddFallback(Method method, std::string name, RouteAccess access, Handler handler) {
  Route route{method, std::move(name), access, BodyMode::kInMemory, std::move(handler), {}, false, true};
  routes_.push_back(std::move(route));
}

void Router::WrapHandlers(const std::function<Handler(const Route&, Handler)>& wrap) {
  for (Route& route : routes_) route.handler = wrap(route, std::move(route.handler));
}

RouteMatch Router::Match(Method method, std::string_view path) const {
  RouteMatch result;
  // Exact literal routes are the hot path (/api/predict): compare the whole path first. Only routes without
  // {param} segments: a client sending the pattern text itself ("/v1/models/{name}") must not reach a handler with
  // no params.
  for (const Route& route : routes_) {
    if (!route.has_params && !route.fallback && route.method == method && route.pattern == path) {
      result.route = &route;
      return result;
    }
  }
  std::vector<std::string_view> segments = SplitPath(path);
  bool path_exists = false;
  for (const Route& route : routes_) {
    if (route.fallback || route.segments.size() != segments.size()) continue;
    bool matches = true;
    for (size_t idx = 0; idx < segments.size() && matches; ++idx) {
      matches = IsParam(route.segments[idx]) ? !segments[idx].empty() : route.segments[idx] == segments[idx];
    }
    if (!matches) continue;
    if (route.method != method && !(method == Method::kHead && route.method == Method::kGet)) {
      path_exists = true;
      continue;
    }
    PathParams params;
    for (size_t idx = 0; idx < segments.size(); ++idx) {
      if (!IsParam(route.segments[idx])) continue;
      auto decoded = PercentDecode(segments[idx], false);
      if (!decoded) {
        result.error_status = 400;
        return result;
      }
      params.push_back(std::move(*decoded));
    }
    result.route = &route;
    result.params = std::move(params);
    return result;
  }
  result.error_status = path_exists ? 405 : 404;
  if (path_exists) return result;
  for (const Route& route : routes_) {
    if (route.fallback && (route.method == method || (method == Method::kHead && route.method == Method::kGet))) {
      result.route = &route;
      return result;
    }
  }
  return result;
}

}  // namespace amp::api
