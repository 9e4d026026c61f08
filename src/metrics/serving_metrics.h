// ServingMetrics: the request counters of a running server, kept per model and for the whole server, and rendered
// in the Prometheus text format by /metrics. Record paths take a shared lock only to find a model's counters
// (created once, never removed) and then update atomics: cheap enough for every request. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metrics/histogram.h"

namespace amp::metrics {

class ServingMetrics {
 public:
  // One finished HTTP request (any route). `status` is the HTTP status code.
  void RecordRequest(int status, int64_t latency_micros);
  // One finished prediction request on a model (also counted by RecordRequest).
  void RecordPrediction(std::string_view model, int status, int64_t rows, int64_t latency_micros);

  void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void RequestFinished() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  // Appends every metric in the Prometheus text exposition format (version 0.0.4).
  void Render(std::string* out) const;

 private:
  struct ModelCounters {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> rows{0};
    Histogram latency;
    mutable std::mutex codes_mu;
    std::map<int, uint64_t> errors_by_code;  // guarded by codes_mu; errors are the rare path
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  ModelCounters& ForModel(std::string_view model);

  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> requests_by_class_[6] = {};
  Histogram request_latency_;
  mutable std::shared_mutex models_mu_;
  std::unordered_map<std::string, std::unique_ptr<ModelCounters>, StringHash, std::equal_to<>> models_;
};

}  // namespace amp::metrics
