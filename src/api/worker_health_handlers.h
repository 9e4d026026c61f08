// The routes of an `amp worker`'s optional health listener (--health-port; app/worker_command.cc), named and shaped
// as `amp serve`'s: GET /healthz (the process answers), GET /readyz (the metadata store answers a cheap query and the
// worker is not stopping; 503 "not_ready" otherwise) and GET /metrics (the worker's counters and current job in the
// Prometheus text format, plus the parsed-dataset cache and process figures serve reports). The listener loads no
// API keys, so these routes are open to whoever reaches the port; they reveal counters and a job id, no data.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "api/router.h"
#include "core/clock.h"
#include "core/status.h"
#include "registry/table_cache.h"
#include "training/queue_worker.h"

namespace amp::api {

// Appends the worker's metrics families to *out (Prometheus text format 0.0.4). The heartbeat age is measured from
// stats.last_heartbeat_micros, or from started_micros while the store has never answered. Pure.
void RenderWorkerMetrics(std::string_view worker_id, const training::QueueWorkerStats& stats, int64_t started_micros,
                         int64_t now_micros, std::string* out);

class WorkerHealthHandlers {
 public:
  using StatsSource = std::function<training::QueueWorkerStats()>;
  // A cheap round trip to the metadata store; its error makes /readyz answer 503.
  using StoreCheck = std::function<core::Status()>;

  // `stats` and `check_store` are called on the listener's threads; the clock must outlive this.
  WorkerHealthHandlers(std::string worker_id, StatsSource stats, StoreCheck check_store, const core::Clock& clock);

  void AddRoutes(Router& router);
  // Adds the parsed-dataset cache's figures to /metrics (api/dataset_cache_metrics.h).
  void SetDatasetCache(const registry::TableCache* cache) { dataset_cache_ = cache; }
  // From then on /readyz answers 503 (the worker is handing its job back and exiting).
  void SetStopping() { stopping_.store(true); }

  Response Ready() const;
  Response Metrics() const;

 private:
  const std::string worker_id_;
  const StatsSource stats_;
  const StoreCheck check_store_;
  const core::Clock& clock_;
  const int64_t started_micros_;
  std::atomic<bool> stopping_{false};
  const registry::TableCache* dataset_cache_ = nullptr;
};

}  // namespace amp::api
