#include "api/health_handlers.h"

#include "api/error_response.h"

namespace amp::api {

void HealthHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/healthz", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response::Json(200, R"({"status":"ok"})"); });
  router.Add(Method::kGet, "/readyz", OnServer(auth::Action::kHealth), [this](const Request&, const PathParams&) {
    if (!ready_.load()) return ErrorResponse(503, "not_ready", "the server is starting");
    return Response::Json(200, R"({"status":"ready"})");
  });
}

}  // namespace amp::api
