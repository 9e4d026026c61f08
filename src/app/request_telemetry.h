// RequestTelemetry: the server's RequestObserver. Counts every request in ServingMetrics (and per model when a
// model answered) and, when enabled, writes one JSON access-log line per request to stdout. Thread-safe.
#pragma once

#include "api/request_observer.h"
#include "metrics/serving_metrics.h"

namespace amp::app {

class RequestTelemetry final : public api::RequestObserver {
 public:
  RequestTelemetry(metrics::ServingMetrics& metrics, bool access_log) : metrics_(metrics), access_log_(access_log) {}

  void OnRequestStarted() override { metrics_.RequestStarted(); }
  void OnRequestFinished(const api::Request& request, const api::Response& response, int64_t latency_micros) override;

 private:
  metrics::ServingMetrics& metrics_;
  const bool access_log_;
};

}  // namespace amp::app
