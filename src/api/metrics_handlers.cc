#include "api/metrics_handlers.h"

#include <cstdio>

#include "metrics/process_stats.h"

namespace amp::api {
namespace {

void Metric(std::string* out, const char* name, const char* type, const char* help, double value) {
  char line[256];
  std::snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
  out->append(line);
}

}  // namespace

void MetricsHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/metrics", OnServer(auth::Action::kReadMetrics),
             [this](const Request& request, const PathParams&) { return Render(request); });
}

Response MetricsHandlers::Render(const Request&) const {
  std::string out;
  out.reserve(8192);
  metrics_.Render(&out);
  serving::ModelManagerStats stats = manager_.stats();
  Metric(&out, "amp_models_loaded", "gauge", "Model versions loaded in memory.",
         static_cast<double>(stats.loaded_versions));
  Metric(&out, "amp_models_loaded_bytes", "gauge", "Estimated memory held by loaded model versions.",
         static_cast<double>(stats.loaded_bytes));
  Metric(&out, "amp_model_loads_total", "counter", "Model versions loaded.", static_cast<double>(stats.loads));
  Metric(&out, "amp_model_load_failures_total", "counter", "Model versions that failed to load.",
         static_cast<double>(stats.load_failures));
  Metric(&out, "amp_model_evictions_total", "counter", "Model versions evicted to stay within the cache budget.",
         static_cast<double>(stats.evictions));
  metrics::ProcessStats process = metrics::ReadProcessStats();
  Metric(&out, "process_cpu_seconds_total", "counter", "User and system CPU time of the process.",
         process.cpu_seconds);
  Metric(&out, "process_resident_memory_bytes", "gauge", "Resident memory of the process.",
         static_cast<double>(process.resident_bytes));
  Metric(&out, "process_open_fds", "gauge", "Open file descriptors.", static_cast<double>(process.open_fds));
  Response response = Response::Json(200, std::move(out));
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace amp::api
