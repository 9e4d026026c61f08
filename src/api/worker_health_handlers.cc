#include "api/worker_health_handlers.h"

#include <algorithm>

#include "api/dataset_cache_metrics.h"
#include "api/error_response.h"
#include "core/log.h"
#include "metrics/prometheus_text.h"

namespace amp::api {
namespace {

double AsDouble(int64_t value) {
  return static_cast<double>(value);
}

}  // namespace

void RenderWorkerMetrics(std::string_view worker_id, const training::QueueWorkerStats& stats, int64_t started_micros,
                         int64_t now_micros, std::string* out) {
  metrics::AppendFamilyHeader("amp_worker_info", "This training worker; its id is the worker named in job records.",
                              "gauge", out);
  metrics::AppendSample("amp_worker_info", "worker=\"" + metrics::LabelValue(worker_id) + "\"", 1, out);
  metrics::AppendMetric("amp_worker_jobs_claimed_total", "counter", "Training jobs this worker claimed from the queue.",
                        AsDouble(stats.jobs_claimed), out);
  metrics::AppendMetric("amp_worker_ranks_claimed_total", "counter",
                        "Ranks of other workers' distributed (\"workers\": k) jobs this worker took.",
                        AsDouble(stats.ranks_claimed), out);
  metrics::AppendFamilyHeader("amp_worker_jobs_ended_total", "Jobs this worker ended, by final state.", "counter", out);
  metrics::AppendSample("amp_worker_jobs_ended_total", "state=\"succeeded\"", AsDouble(stats.jobs_succeeded), out);
  metrics::AppendSample("amp_worker_jobs_ended_total", "state=\"failed\"", AsDouble(stats.jobs_failed), out);
  metrics::AppendSample("amp_worker_jobs_ended_total", "state=\"cancelled\"", AsDouble(stats.jobs_cancelled), out);
  metrics::AppendFamilyHeader(
      "amp_worker_jobs_requeued_total",
      "Jobs this worker claimed that went back to the queue without ending here: released when it stopped, or "
      "lease_lost when the store gave the job up (its lease ran out).",
      "counter", out);
  metrics::AppendSample("amp_worker_jobs_requeued_total", "reason=\"released\"", AsDouble(stats.jobs_released), out);
  metrics::AppendSample("amp_worker_jobs_requeued_total", "reason=\"lease_lost\"", AsDouble(stats.leases_lost), out);
  metrics::AppendMetric("amp_worker_expired_leases_requeued_total", "counter",
                        "Other workers' jobs whose lease had ended that this worker's sweeps put back in the queue.",
                        AsDouble(stats.expired_requeued), out);
  metrics::AppendMetric("amp_worker_lease_renewals_total", "counter", "Lease renewals (heartbeats) the store accepted.",
                        AsDouble(stats.lease_renewals), out);
  metrics::AppendMetric("amp_worker_lease_renewal_failures_total", "counter",
                        "Lease renewals that failed (the store did not answer, or the lease was lost).",
                        AsDouble(stats.lease_renewal_failures), out);
  const int64_t since = stats.last_heartbeat_micros > 0 ? stats.last_heartbeat_micros : started_micros;
  metrics::AppendMetric(
      "amp_worker_heartbeat_age_seconds", "gauge",
      "Seconds since the store last answered this worker's loop (a lease renewal, or a claim while idle); since "
      "the start while it never has.",
      AsDouble(std::max<int64_t>(0, now_micros - since)) / 1e6, out);
  const bool busy = !stats.current_job_id.empty();
  metrics::AppendMetric("amp_worker_busy", "gauge", "1 while the worker runs a job or a rank of one, else 0.",
                        busy ? 1 : 0, out);
  if (busy) {
    metrics::AppendFamilyHeader("amp_worker_current_job_attempt",
                                "The attempt number of the job being run (rank > 0: a rank of another worker's job).",
                                "gauge", out);
    metrics::AppendSample(
        "amp_worker_current_job_attempt",
        "job=\"" + metrics::LabelValue(stats.current_job_id) + "\",rank=\"" + std::to_string(stats.current_rank) + "\"",
        stats.current_attempt, out);
  }
}

WorkerHealthHandlers::WorkerHealthHandlers(std::string worker_id, StatsSource stats, StoreCheck check_store,
                                           const core::Clock& clock)
    : worker_id_(std::move(worker_id)),
      stats_(std::move(stats)),
      check_store_(std::move(check_store)),
      clock_(clock),
      started_micros_(clock.NowMicros()) {}

void WorkerHealthHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/healthz", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response::Json(200, R"({"status":"ok"})"); });
  router.Add(Method::kGet, "/readyz", OnServer(auth::Action::kHealth),
             [this](const Request&, const PathParams&) { return Ready(); });
  router.Add(Method::kGet, "/metrics", OnServer(auth::Action::kReadMetrics),
             [this](const Request&, const PathParams&) { return Metrics(); });
}

Response WorkerHealthHandlers::Ready() const {
  if (stopping_.load()) return ErrorResponse(503, "not_ready", "the worker is stopping");
  if (core::Status reached = check_store_(); !reached.ok()) {
    core::LogWarning("readiness: the metadata store does not answer: " + reached.ToString());
    return ErrorResponse(503, "not_ready", "the metadata store does not answer");
  }
  return Response::Json(200, R"({"status":"ready"})");
}

Response WorkerHealthHandlers::Metrics() const {
  std::string out;
  out.reserve(4096);
  RenderWorkerMetrics(worker_id_, stats_(), started_micros_, clock_.NowMicros(), &out);
  if (dataset_cache_ != nullptr) {
    RenderDatasetCacheMetrics(dataset_cache_->stats(), dataset_cache_->capacity_bytes(), &out);
  }
  metrics::AppendProcessMetrics(&out);
  Response response = Response::Json(200, std::move(out));
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace amp::api
