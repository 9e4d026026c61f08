// Monitoring endpoints (docs/monitoring.md): GET /v1/models/{name}/monitoring (state, per-feature drift, feedback
// metrics next to the holdout's, time series), GET and PUT /v1/models/{name}/monitoring/settings (the model's
// thresholds), POST /v1/models/{name}/feedback (true outcomes by request id or with inline inputs) and
// GET /v1/models/{name}/versions/{version}/profile (the training profile). Thin: parse, call the
// MonitoringService, render. Thread-safe.
#pragma once

#include "api/router.h"
#include "monitoring/monitoring_service.h"
#include "registry/model_registry.h"
#include "serving/model_manager.h"

namespace amp::api {

class MonitoringHandlers {
 public:
  MonitoringHandlers(registry::ModelRegistry& registry, serving::ModelManager& manager,
                     monitoring::MonitoringService& monitoring)
      : registry_(registry), manager_(manager), monitoring_(monitoring) {}

  void AddRoutes(Router& router);

  Response GetMonitoring(const Request& request, const PathParams& params);
  Response GetSettings(const Request& request, const PathParams& params);
  Response PutSettings(const Request& request, const PathParams& params);
  Response PostFeedback(const Request& request, const PathParams& params);
  Response GetProfile(const Request& request, const PathParams& params);

 private:
  // The served version (or ?version=n) of the model in params[0], loaded if needed.
  core::Result<serving::ServableHandle> ResolveServable(const Request& request, const PathParams& params);

  registry::ModelRegistry& registry_;
  serving::ModelManager& manager_;
  monitoring::MonitoringService& monitoring_;
};

}  // namespace amp::api
