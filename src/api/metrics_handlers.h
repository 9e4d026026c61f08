// GET /metrics: the server's counters in the Prometheus text format (requests, errors, latency histograms, rows
// scored, in-flight requests, loaded models and bytes, loads/evictions/failures, the parsed-dataset cache, process
// CPU and memory, and the monitoring gauges of docs/monitoring.md).
// Thread-safe.
#pragma once

#include "api/router.h"
#include "metrics/serving_metrics.h"
#include "registry/table_cache.h"
#include "serving/model_manager.h"

namespace amp::monitoring {
class MonitoringService;
}

namespace amp::api {

class MetricsHandlers {
 public:
  MetricsHandlers(const metrics::ServingMetrics& metrics, const serving::ModelManager& manager)
      : metrics_(metrics), manager_(manager) {}
  // Adds each monitored version's state, window rows, per-feature PSI and live feedback metrics as gauges.
  void SetMonitoring(monitoring::MonitoringService* monitoring) { monitoring_ = monitoring; }
  // Adds the parsed-dataset cache's figures (api/dataset_cache_metrics.h).
  void SetDatasetCache(const registry::TableCache* cache) { dataset_cache_ = cache; }
  void AddRoutes(Router& router);
  Response Render(const Request& request) const;

 private:
  const metrics::ServingMetrics& metrics_;
  const serving::ModelManager& manager_;
  monitoring::MonitoringService* monitoring_ = nullptr;
  const registry::TableCache* dataset_cache_ = nullptr;
};

}  // namespace amp::api
