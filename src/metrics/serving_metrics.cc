#include "metrics/serving_metrics.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "metrics/prometheus_text.h"

namespace amp::metrics {
void ServingMetrics::RecordRequest(int status, int64_t latency_micros) {
  int status_class = status / 100;
  if (status_class < 1 || status_class > 5) status_class = 5;
  requests_by_class_[status_class].fetch_add(1, std::memory_order_relaxed);
  request_latency_.Observe(latency_micros);
}

ServingMetrics::ModelCounters& ServingMetrics::ForModel(std::string_view model) {
  {
    std::shared_lock lock(models_mu_);
    auto it = models_.find(model);
    if (it != models_.end()) return *it->second;
  }
  std::unique_lock lock(models_mu_);
  auto [it, inserted] = models_.try_emplace(std::string(model), nullptr);
  if (inserted) it->second = std::make_unique<ModelCounters>();
  return *it->second;
}

void ServingMetrics::RecordPrediction(std::string_view model, int status, int64_t rows, int64_t latency_micros) {
  ModelCounters& counters = ForModel(model);
  counters.requests.fetch_add(1, std::memory_order_relaxed);
  if (status < 400) {
    counters.rows.fetch_add(static_cast<uint64_t>(rows), std::memory_order_relaxed);
  } else {
    std::lock_guard lock(counters.codes_mu);
    ++counters.errors_by_code[status];
  }
  counters.latency.Observe(latency_micros);
}

void ServingMetrics::Render(std::string* out) const {
  AppendFamilyHeader("amp_http_requests_total", "HTTP requests answered, by status class.", "counter", out);
  for (int status_class = 1; status_class <= 5; ++status_class) {
    out->append("amp_http_requests_total{code=\"" + std::to_string(status_class) + "xx\"} " +
                std::to_string(requests_by_class_[status_class].load(std::memory_order_relaxed)) + "\n");
  }
  AppendFamilyHeader("amp_http_request_duration_seconds", "Time to handle an HTTP request (routing to answer).",
                     "histogram", out);
  request_latency_.Render("amp_http_request_duration_seconds", "", out);
  AppendFamilyHeader("amp_http_requests_in_flight", "HTTP requests being handled now.", "gauge", out);
  out->append("amp_http_requests_in_flight " + std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n");

  std::vector<std::pair<std::string, const ModelCounters*>> models;
  {
    std::shared_lock lock(models_mu_);
    for (const auto& [name, counters] : models_) models.emplace_back(name, counters.get());
  }
  std::sort(models.begin(), models.end());
  AppendFamilyHeader("amp_model_requests_total", "Prediction requests per model.", "counter", out);
  for (const auto& [name, counters] : models) {
    out->append("amp_model_requests_total{model=\"" + EscapeLabel(name) + "\"} " +
                std::to_string(counters->requests.load(std::memory_order_relaxed)) + "\n");
  }
  AppendFamilyHeader("amp_model_errors_total", "Failed prediction requests per model and HTTP status.", "counter", out);
  for (const auto& [name, counters] : models) {
    std::map<int, uint64_t> codes;
    {
      std::lock_guard lock(counters->codes_mu);
      codes = counters->errors_by_code;
    }
    for (const auto& [code, count] : codes) {
      out->append("amp_model_errors_total{model=\"" + EscapeLabel(name) + "\",code=\"" + std::to_string(code) + "\"} " +
                  std::to_string(count) + "\n");
    }
  }
  AppendFamilyHeader("amp_model_rows_scored_total", "Rows scored per model.", "counter", out);
  for (const auto& [name, counters] : models) {
    out->append("amp_model_rows_scored_total{model=\"" + EscapeLabel(name) + "\"} " +
                std::to_string(counters->rows.load(std::memory_order_relaxed)) + "\n");
  }
  AppendFamilyHeader("amp_model_request_duration_seconds", "Time to answer a prediction request, per model.",
                     "histogram", out);
  for (const auto& [name, counters] : models) {
    counters->latency.Render("amp_model_request_duration_seconds", "model=\"" + EscapeLabel(name) + "\"", out);
  }
}

}  // namespace amp::metrics
