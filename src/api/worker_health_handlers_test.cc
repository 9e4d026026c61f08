#include "api/worker_health_handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"

namespace amp::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The value of the one sample line that starts with `series` (a name with its labels), or -1 when none does.
double SampleValue(const std::string& text, const std::string& series) {
  size_t at = 0;
  double found = -1;
  int count = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      found = std::stod(text.substr(at + series.size() + 1));
      ++count;
    }
    at += series.size();
  }
  return count == 1 ? found : -1;
}

TEST(RenderWorkerMetricsTest, EveryCounterAndTheRunningJob) {
  training::QueueWorkerStats stats;
  stats.jobs_claimed = 7;
  stats.ranks_claimed = 2;
  stats.jobs_succeeded = 4;
  stats.jobs_failed = 1;
  stats.jobs_cancelled = 1;
  stats.jobs_released = 3;
  stats.leases_lost = 5;
  stats.expired_requeued = 6;
  stats.lease_renewals = 40;
  stats.lease_renewal_failures = 2;
  stats.last_heartbeat_micros = 10'000'000;
  stats.current_job_id = "job_1";
  stats.current_attempt = 2;
  std::string out;
  RenderWorkerMetrics("host-\"1\"", stats, 1'000'000, 12'500'000, &out);
  const std::pair<std::string, double> cases[] = {
      {"amp_worker_info{worker=\"host-\\\"1\\\"\"}", 1},
      {"amp_worker_jobs_claimed_total", 7},
      {"amp_worker_ranks_claimed_total", 2},
      {"amp_worker_jobs_ended_total{state=\"succeeded\"}", 4},
      {"amp_worker_jobs_ended_total{state=\"failed\"}", 1},
      {"amp_worker_jobs_ended_total{state=\"cancelled\"}", 1},
      {"amp_worker_jobs_requeued_total{reason=\"released\"}", 3},
      {"amp_worker_jobs_requeued_total{reason=\"lease_lost\"}", 5},
      {"amp_worker_expired_leases_requeued_total", 6},
      {"amp_worker_lease_renewals_total", 40},
      {"amp_worker_lease_renewal_failures_total", 2},
      {"amp_worker_heartbeat_age_seconds", 2.5},
      {"amp_worker_busy", 1},
      {"amp_worker_current_job_attempt{job=\"job_1\",rank=\"0\"}", 2},
  };
  for (const auto& [series, value] : cases) EXPECT_EQ(SampleValue(out, series), value) << series << "\n" << out;
  // Each family is declared once, with a type.
  EXPECT_THAT(out, HasSubstr("# TYPE amp_worker_jobs_ended_total counter\n"));
  EXPECT_THAT(out, HasSubstr("# TYPE amp_worker_heartbeat_age_seconds gauge\n"));
  EXPECT_EQ(out.find("# TYPE amp_worker_jobs_ended_total"), out.rfind("# TYPE amp_worker_jobs_ended_total"));
}

TEST(RenderWorkerMetricsTest, AnIdleWorkerThatNeverReachedTheStore) {
  training::QueueWorkerStats stats;
  std::string out;
  RenderWorkerMetrics("w", stats, 1'000'000, 4'000'000, &out);
  EXPECT_EQ(SampleValue(out, "amp_worker_busy"), 0);
  EXPECT_EQ(SampleValue(out, "amp_worker_heartbeat_age_seconds"), 3);  // since the start
  EXPECT_EQ(SampleValue(out, "amp_worker_jobs_claimed_total"), 0);
  EXPECT_THAT(out, Not(HasSubstr("amp_worker_current_job_attempt")));
}

class WorkerHealthHandlersTest : public ::testing::Test {
 protected:
  Response Get(const char* path) {
    RouteMatch match = router_.Match(Method::kGet, path);
    if (match.route == nullptr) return Response::Json(match.error_status, "");
    Request request;
    request.path = path;
    return match.route->handler(request, match.params);
  }

  core::FakeClock clock_;
  training::QueueWorkerStats stats_;
  core::Status store_ = core::Status::Ok();
  WorkerHealthHandlers handlers_{"w1", [this] { return stats_; }, [this] { return store_; }, clock_};
  Router router_;
};

TEST_F(WorkerHealthHandlersTest, ProbesFollowTheStoreAndTheStop) {
  handlers_.AddRoutes(router_);
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  store_ = core::Unavailable("connection refused");
  Response down = Get("/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr("not_ready"));
  EXPECT_EQ(Get("/healthz").status, 200);  // alive all the same: a restart would not bring the store back
  store_ = core::Status::Ok();
  EXPECT_EQ(Get("/readyz").status, 200);
  handlers_.SetStopping();
  EXPECT_EQ(Get("/readyz").status, 503);
  EXPECT_EQ(Get("/no-such-route").status, 404);
}

TEST_F(WorkerHealthHandlersTest, MetricsMoveWithTheWorker) {
  handlers_.AddRoutes(router_);
  Response before = Get("/metrics");
  EXPECT_EQ(before.status, 200);
  EXPECT_EQ(before.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(SampleValue(before.body, "amp_worker_jobs_claimed_total"), 0);
  EXPECT_THAT(before.body, HasSubstr("\nprocess_resident_memory_bytes "));
  stats_.jobs_claimed = 1;
  stats_.last_heartbeat_micros = clock_.NowMicros();
  clock_.AdvanceMicros(3'000'000);
  Response after = Get("/metrics");
  EXPECT_EQ(SampleValue(after.body, "amp_worker_jobs_claimed_total"), 1);
  EXPECT_EQ(SampleValue(after.body, "amp_worker_heartbeat_age_seconds"), 3);
}

}  // namespace
}  // namespace amp::api
