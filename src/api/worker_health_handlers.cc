#include "api/worker_health_handlers.h"

#include <algorithm>
#include <cstdio>

#include "api/error_response.h"
#include "core/log.h"
#include "metrics/process_stats.h"

namespace amp::api {
namespace {

void Family(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Sample(std::string* out, const char* name, const std::string& labels, double value) {
  char number[64];
  std::snprintf(number, sizeof(number), " %.17g\n", value);
  *out += name;
  if (!labels.empty()) *out += "{" + labels + "}";
  *out += number;
}

void Metric(std::string* out, const char* name, const char* type, const char* help, double value) {
  Family(out, name, type, help);
  Sample(out, name, "", value);
}

// A Prometheus label value: backslash, double quote and newline escaped.
std::string LabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

double AsDouble(int64_t value) {
  return static_cast<double>(value);
}

}  // namespace

void RenderWorkerMetrics(std::string_view worker_id, const training::QueueWorkerStats& stats, int64_t started_micros,
                         int64_t now_micros, std::string* out) {
  Family(out, "amp_worker_info", "gauge", "This training worker; its id is the worker named in job records.");
  Sample(out, "amp_worker_info", "worker=\"" + LabelValue(worker_id) + "\"", 1);
  Metric(out, "amp_worker_jobs_claimed_total", "counter", "Training jobs this worker claimed from the queue.",
         AsDouble(stats.jobs_claimed));
  Metric(out, "amp_worker_ranks_claimed_total", "counter",
         "Ranks of other workers' distributed (\"workers\": k) jobs this worker took.", AsDouble(stats.ranks_claimed));
  Family(out, "amp_worker_jobs_ended_total", "counter", "Jobs this worker ended, by final state.");
  Sample(out, "amp_worker_jobs_ended_total", "state=\"succeeded\"", AsDouble(stats.jobs_succeeded));
  Sample(out, "amp_worker_jobs_ended_total", "state=\"failed\"", AsDouble(stats.jobs_failed));
  Sample(out, "amp_worker_jobs_ended_total", "state=\"cancelled\"", AsDouble(stats.jobs_cancelled));
  Family(out, "amp_worker_jobs_requeued_total", "counter",
         "Jobs this worker claimed that went back to the queue without ending here: released when it stopped, or "
         "lease_lost when the store gave the job up (its lease ran out).");
  Sample(out, "amp_worker_jobs_requeued_total", "reason=\"released\"", AsDouble(stats.jobs_released));
  Sample(out, "amp_worker_jobs_requeued_total", "reason=\"lease_lost\"", AsDouble(stats.leases_lost));
  Metric(out, "amp_worker_expired_leases_requeued_total", "counter",
         "Other workers' jobs whose lease had ended that this worker's sweeps put back in the queue.",
         AsDouble(stats.expired_requeued));
  Metric(out, "amp_worker_lease_renewals_total", "counter", "Lease renewals (heartbeats) the store accepted.",
         AsDouble(stats.lease_renewals));
  Metric(out, "amp_worker_lease_renewal_failures_total", "counter",
         "Lease renewals that failed (the store did not answer, or the lease was lost).",
         AsDouble(stats.lease_renewal_failures));
  const int64_t since = stats.last_heartbeat_micros > 0 ? stats.last_heartbeat_micros : started_micros;
  Metric(out, "amp_worker_heartbeat_age_seconds", "gauge",
         "Seconds since the store last answered this worker's loop (a lease renewal, or a claim while idle); since "
         "the start while it never has.",
         AsDouble(std::max<int64_t>(0, now_micros - since)) / 1e6);
  const bool busy = !stats.current_job_id.empty();
  Metric(out, "amp_worker_busy", "gauge", "1 while the worker runs a job or a rank of one, else 0.", busy ? 1 : 0);
  if (busy) {
    Family(out, "amp_worker_current_job_attempt", "gauge",
           "The attempt number of the job being run (rank > 0: a rank of another worker's job).");
    Sample(out, "amp_worker_current_job_attempt",
           "job=\"" + LabelValue(stats.current_job_id) + "\",rank=\"" + std::to_string(stats.current_rank) + "\"",
           stats.current_attempt);
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
  metrics::ProcessStats process = metrics::ReadProcessStats();
  Metric(&out, "process_cpu_seconds_total", "counter", "User and system CPU time of the process.", process.cpu_seconds);
  Metric(&out, "process_resident_memory_bytes", "gauge", "Resident memory of the process.",
         AsDouble(process.resident_bytes));
  Metric(&out, "process_open_fds", "gauge", "Open file descriptors.", AsDouble(process.open_fds));
  Response response = Response::Json(200, std::move(out));
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace amp::api
