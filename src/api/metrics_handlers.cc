#include "api/metrics_handlers.h"

#include "api/dataset_cache_metrics.h"
#include "metrics/prometheus_text.h"
#include "monitoring/monitoring_service.h"

namespace amp::api {
namespace {

void RenderMonitoring(monitoring::MonitoringService& service, std::string* out) {
  struct Family {
    const char* name;
    const char* help;
    std::string lines;
  };
  Family state{"amp_model_monitoring_state", "Monitoring state: 0 insufficient data, 1 ok, 2 warning, 3 alert.", {}};
  Family rows{"amp_model_monitored_rows", "Rows scored in the monitoring window.", {}};
  Family psi{"amp_model_feature_psi", "Population stability index of a feature (or the prediction) in the window.", {}};
  Family feedback_rows{"amp_model_feedback_rows", "Outcomes received as feedback in the window.", {}};
  Family live_rmse{"amp_model_live_rmse", "RMSE of the predictions with feedback in the window.", {}};
  Family live_accuracy{"amp_model_live_accuracy", "Accuracy of the predictions with feedback in the window.", {}};
  Family memory{"amp_model_monitoring_bytes", "Memory held by a version's live monitoring.", {}};
  auto add = [](Family& family, const std::string& labels, double value) {
    metrics::AppendSample(family.name, labels, value, &family.lines);
  };
  for (const auto& monitor : service.List()) {
    monitoring::MonitorReport report = service.Evaluate(*monitor);
    const std::string labels = "model=\"" + metrics::LabelValue(monitor->model_name()) + "\",version=\"" +
                               std::to_string(monitor->version()) + "\"";
    add(state, labels, static_cast<double>(report.judgement.state));
    add(rows, labels, static_cast<double>(report.rows));
    add(memory, labels, static_cast<double>(monitor->MemoryBytes()));
    for (const monitoring::FeatureDrift& drift : report.features) {
      add(psi, labels + ",feature=\"" + metrics::LabelValue(drift.name) + "\"", drift.psi);
    }
    if (monitor->has_profile()) add(psi, labels + ",feature=\"prediction\"", report.prediction.psi);
    add(feedback_rows, labels, static_cast<double>(report.feedback.rows));
    if (report.feedback.rows > 0) {
      if (monitor->is_classifier()) {
        add(live_accuracy, labels, report.feedback.accuracy);
      } else {
        add(live_rmse, labels, report.feedback.rmse);
      }
    }
  }
  for (Family* family : {&state, &rows, &psi, &feedback_rows, &live_rmse, &live_accuracy, &memory}) {
    if (family->lines.empty()) continue;
    metrics::AppendFamilyHeader(family->name, family->help, "gauge", out);
    *out += family->lines;
  }
  if (const monitoring::RequestLog* log = service.request_log(); log != nullptr && log->enabled()) {
    metrics::AppendMetric("amp_request_log_rows_total", "counter", "Sampled rows written to the request log.",
                          static_cast<double>(log->written()), out);
    metrics::AppendMetric("amp_request_log_dropped_total", "counter",
                          "Sampled rows dropped (the writer's queue was full, or the disk refused them).",
                          static_cast<double>(log->dropped()), out);
  }
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
  metrics::AppendMetric("amp_models_loaded", "gauge", "Model versions loaded in memory.",
                        static_cast<double>(stats.loaded_versions), &out);
  metrics::AppendMetric("amp_models_loaded_bytes", "gauge", "Estimated memory held by loaded model versions.",
                        static_cast<double>(stats.loaded_bytes), &out);
  metrics::AppendMetric("amp_model_loads_total", "counter", "Model versions loaded.", static_cast<double>(stats.loads),
                        &out);
  metrics::AppendMetric("amp_model_load_failures_total", "counter", "Model versions that failed to load.",
                        static_cast<double>(stats.load_failures), &out);
  metrics::AppendMetric("amp_model_evictions_total", "counter",
                        "Model versions evicted to stay within the cache budget.", static_cast<double>(stats.evictions),
                        &out);
  if (dataset_cache_ != nullptr) {
    RenderDatasetCacheMetrics(dataset_cache_->stats(), dataset_cache_->capacity_bytes(), &out);
  }
  if (monitoring_ != nullptr) RenderMonitoring(*monitoring_, &out);
  metrics::AppendProcessMetrics(&out);
  Response response = Response::Json(200, std::move(out));
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace amp::api
