#include "training/queue_worker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/temp_dir.h"
#include "storage/fault_injecting_metadata_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"
#include "training/job_executor.h"
#include "training/job_runner.h"

namespace amp::training {
namespace {

using ::testing::HasSubstr;

// A serving side that does not train (JobRunner with 0 workers: jobs only enter the queue) and a QueueWorker on
// the same store, as `amp serve --training-workers 0` and `amp worker` share one.
class QueueWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
    catalog_ = std::make_unique<registry::DatasetCatalog>(*store_, artifacts_, clock_);
    registry_ = std::make_unique<registry::ModelRegistry>(*store_, artifacts_, clock_);
    runner_ = std::make_unique<JobRunner>(*store_, *catalog_, *registry_, clock_, 0);
    executor_ = std::make_unique<JobExecutor>(*store_, *catalog_, *registry_, clock_);
    const std::filesystem::path upload = temp_.path() / "upload.csv";
    {
      std::ofstream csv(upload);
      csv << "a,b,c,y\n";
      std::mt19937 rng(5);
      std::uniform_real_distribution<double> uniform(-2, 2);
      for (int row = 0; row < 1500; ++row) {
        double a = uniform(rng), b = uniform(rng), c = uniform(rng);
        csv << a << "," << b << "," << c << "," << (a * b + c * c + 0.1 * uniform(rng)) << "\n";
      }
    }
    auto dataset = catalog_->Ingest("rows", upload);
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    request_.model_name = "m";
    request_.dataset_id = dataset->id;
    request_.target = "y";
    request_.algorithm = "linear_regression";
    long_request_ = request_;
    long_request_.algorithm = "xgboost_regressor";
    long_request_.params = {{"n_estimators", 10000}, {"max_depth", 10}, {"learning_rate", 0.001}};
  }

  // Moves the store's clock past every lease and sweeps, until a sweep requeues something (a renewal may land
  // between the clock's move and the sweep; then the clock moves again). Returns what the sweep took, 0 if none did.
  int AdvancePastLeasesAndSweep() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      clock_.AdvanceMicros(60'000'000);
      auto swept = SweepExpiredLeases(*store_, clock_);
      EXPECT_TRUE(swept.ok()) << swept.status().ToString();
      if (swept.ok() && *swept > 0) return *swept;
    }
    return 0;
  }

  std::unique_ptr<QueueWorker> MakeWorker(std::string id, int64_t lease_micros = 300'000, int64_t max_attempts = 5) {
    QueueWorkerOptions options;
    options.worker_id = std::move(id);
    options.lease.lease_micros = lease_micros;
    options.lease.max_attempts = max_attempts;
    return std::make_unique<QueueWorker>(*store_, *executor_, clock_, options);
  }

  storage::JobRecord Job(const std::string& id) {
    auto job = store_->GetJob(id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : storage::JobRecord{};
  }

  // Waits (real time) until the job runs on a worker and has started training.
  void WaitUntilTraining(const std::string& id) {
    for (int attempt = 0; attempt < 3000; ++attempt) {
      storage::JobRecord job = Job(id);
      if (job.state == storage::JobState::kRunning && job.progress_detail.phase == "training") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "job " << id << " never started training";
  }

  std::vector<std::string> LogOf(const std::string& id) {
    std::vector<std::string> messages;
    auto lines = store_->ListJobLogs(id, 0, 1000);
    EXPECT_TRUE(lines.ok());
    if (lines.ok()) {
      for (const storage::JobLogLine& line : *lines) messages.push_back(line.message);
    }
    return messages;
  }

  core::TempDir temp_{"amp_queue_worker_test"};
  core::FakeClock clock_;
  std::unique_ptr<storage::SqliteMetadataStore> store_;
  storage::InMemoryArtifactStore artifacts_;
  std::unique_ptr<registry::DatasetCatalog> catalog_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<JobRunner> runner_;
  std::unique_ptr<JobExecutor> executor_;
  storage::TrainRequest request_;
  storage::TrainRequest long_request_;
};

TEST_F(QueueWorkerTest, ARunnerWithoutWorkersOnlyQueuesAndAWorkerRunsTheJob) {
  ASSERT_TRUE(runner_->Start().ok());
  auto submitted = runner_->Submit(request_);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  EXPECT_EQ(Job(submitted->id).state, storage::JobState::kQueued);

  auto worker = MakeWorker("w1");
  std::vector<std::string> ended;
  worker->AddEndListener([&ended](const storage::JobRecord& job) { ended.push_back(job.id); });
  auto ran = worker->RunOnce();
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_TRUE(*ran);
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kSucceeded) << job.error;
  EXPECT_EQ(job.worker_id, "w1");
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.result_version, 1);
  EXPECT_GT(job.started_at_micros, 0);
  EXPECT_EQ(ended, std::vector<std::string>{submitted->id});
  auto version = registry_->GetVersion(job.result_model_id, 1);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->job_id, submitted->id);
  std::vector<std::string> log = LogOf(submitted->id);
  EXPECT_THAT(log, ::testing::Contains(HasSubstr("started on worker w1 (attempt 1)")));
  EXPECT_THAT(log, ::testing::Contains(HasSubstr("published m version 1")));
  EXPECT_THAT(log, ::testing::Contains("succeeded"));

  // Nothing left: the next claim finds the queue empty.
  auto again = worker->RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  runner_->Shutdown();
}

TEST_F(QueueWorkerTest, FreeMemoryGoesBackOnceTheWorkerHasBeenIdleAfterAJob) {
  ASSERT_TRUE(runner_->Start().ok());
  QueueWorkerOptions options;
  options.worker_id = "w1";
  options.lease.lease_micros = 300'000;
  int released = 0;
  options.release_memory = [&released] { ++released; };
  QueueWorker worker(*store_, *executor_, clock_, options);
  auto run_once = [&worker] {
    auto ran = worker.RunOnce();
    EXPECT_TRUE(ran.ok()) << ran.status().ToString();
    return ran.ok() && *ran;
  };

  clock_.AdvanceMicros(60'000'000);
  EXPECT_FALSE(run_once());
  EXPECT_EQ(released, 0) << "no job has run: nothing of one to release";

  ASSERT_TRUE(runner_->Submit(request_).ok());
  EXPECT_TRUE(run_once());
  EXPECT_EQ(released, 0);
  clock_.AdvanceMicros(options.release_memory_after_idle_micros - 1);
  EXPECT_FALSE(run_once());
  EXPECT_EQ(released, 0) << "idle for less than the delay: the next job may reuse the pages";
  clock_.AdvanceMicros(1);
  EXPECT_FALSE(run_once());
  EXPECT_EQ(released, 1);
  clock_.AdvanceMicros(60'000'000);
  EXPECT_FALSE(run_once());
  EXPECT_EQ(released, 1) << "once per idle spell";

  ASSERT_TRUE(runner_->Submit(request_).ok());
  EXPECT_TRUE(run_once());
  clock_.AdvanceMicros(options.release_memory_after_idle_micros);
  EXPECT_FALSE(run_once());
  EXPECT_EQ(released, 2);
  runner_->Shutdown();
}

TEST_F(QueueWorkerTest, CancellingAQueuedJobWithoutWorkersEndsItAtOnce) {
  auto submitted = runner_->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  std::vector<storage::JobState> ended;
  runner_->AddEndListener([&ended](const storage::JobRecord& job) { ended.push_back(job.state); });
  auto cancelled = runner_->Cancel(submitted->id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->state, storage::JobState::kCancelled);
  EXPECT_EQ(ended, std::vector<storage::JobState>{storage::JobState::kCancelled});
  auto worker = MakeWorker("w1");
  auto ran = worker->RunOnce();
  ASSERT_TRUE(ran.ok());
  EXPECT_FALSE(*ran);
  EXPECT_EQ(runner_->Cancel(submitted->id).status().code(), core::StatusCode::kFailedPrecondition);
}

TEST_F(QueueWorkerTest, ACancelRequestStopsTheJobOnItsWorker) {
  auto submitted = runner_->Submit(long_request_);
  ASSERT_TRUE(submitted.ok());
  auto worker = MakeWorker("w1");
  core::Result<bool> ran = false;
  std::thread running([&] { ran = worker->RunOnce(); });
  WaitUntilTraining(submitted->id);
  auto cancelling = runner_->Cancel(submitted->id);
  ASSERT_TRUE(cancelling.ok()) << cancelling.status().ToString();
  EXPECT_EQ(cancelling->state, storage::JobState::kRunning);
  EXPECT_EQ(cancelling->progress, "cancelling");
  const auto asked = std::chrono::steady_clock::now();
  running.join();
  // The heartbeat (every lease/3 = 100 ms here) sees the request; the boosting loop stops at its next round.
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
  ASSERT_TRUE(ran.ok());
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kCancelled);
  EXPECT_GT(job.finished_at_micros, 0);
  EXPECT_THAT(LogOf(submitted->id), ::testing::Contains(HasSubstr("cancel requested; worker w1 stops the job")));
}

TEST_F(QueueWorkerTest, AStoppedWorkerReleasesItsJobToTheQueue) {
  auto submitted = runner_->Submit(long_request_);
  ASSERT_TRUE(submitted.ok());
  auto worker = MakeWorker("w1");
  std::thread running([&] { worker->Run(); });
  WaitUntilTraining(submitted->id);
  worker->Stop();
  running.join();
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kQueued);
  EXPECT_EQ(job.worker_id, "");
  EXPECT_EQ(job.attempts, 1);
  EXPECT_THAT(LogOf(submitted->id), ::testing::Contains(HasSubstr("worker w1 stopped; the job goes back")));

  // Another worker takes it from the start.
  auto next = MakeWorker("w2");
  auto claimed = store_->ClaimJob("w2", clock_.NowMicros(), clock_.NowMicros() + 1'000'000);
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(claimed->id, submitted->id);
  EXPECT_EQ(claimed->attempts, 2);
}

TEST_F(QueueWorkerTest, AWorkerThatLostItsLeaseStopsWithoutRecordingAnything) {
  auto submitted = runner_->Submit(long_request_);
  ASSERT_TRUE(submitted.ok());
  auto worker = MakeWorker("w1");
  core::Result<bool> ran = false;
  std::thread running([&] { ran = worker->RunOnce(); });
  WaitUntilTraining(submitted->id);
  // The worker seems dead to the others (its lease ended on the store's clock): the job is requeued.
  // (A renewal may land between the clock's move and the sweep; then the clock moves again.)
  const int swept_jobs = AdvancePastLeasesAndSweep();
  EXPECT_EQ(swept_jobs, 1);
  running.join();
  ASSERT_TRUE(ran.ok());
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kQueued);
  EXPECT_EQ(job.finished_at_micros, 0);
  EXPECT_THAT(LogOf(submitted->id), ::testing::Contains(HasSubstr("requeued: the worker running it stopped")));
}

TEST_F(QueueWorkerTest, AJobWhoseWorkersKeepDyingIsGivenUp) {
  auto submitted = runner_->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  // Two workers claimed it and died.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int64_t now = clock_.NowMicros();
    ASSERT_TRUE(store_->ClaimJob("ghost", now, now + 1000).ok());
    clock_.AdvanceMicros(2000);
    ASSERT_TRUE(SweepExpiredLeases(*store_, clock_).ok());
  }
  auto worker = MakeWorker("w1", 300'000, /*max_attempts=*/2);
  auto ran = worker->RunOnce();
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(*ran);
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kFailed);
  EXPECT_EQ(job.attempts, 3);
  EXPECT_THAT(job.error, HasSubstr("given up after 2 attempts"));
}

TEST_F(QueueWorkerTest, ARestartedRunnerLeavesJobsHeldByWorkersAlone) {
  auto submitted = runner_->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  const int64_t now = clock_.NowMicros();
  ASSERT_TRUE(store_->ClaimJob("w1", now, now + 60'000'000).ok());
  // A serving process that trains restarts: a job a live worker holds stays that worker's.
  JobRunner trainer(*store_, *catalog_, *registry_, clock_, 1);
  ASSERT_TRUE(trainer.Start().ok());
  trainer.Shutdown();
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kRunning);
  EXPECT_EQ(job.worker_id, "w1");
}

TEST_F(QueueWorkerTest, AClaimTheStoreRefusesIsAnErrorAndTakesNothing) {
  auto submitted = runner_->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  storage::FaultInjectingMetadataStore faulty(*store_);
  QueueWorkerOptions options;
  options.worker_id = "w1";
  QueueWorker worker(faulty, *executor_, clock_, options);
  faulty.FailWrites(storage::FaultInjectingMetadataStore::Write::kJobQueue, true);
  auto ran = worker.RunOnce();
  EXPECT_FALSE(ran.ok());
  EXPECT_EQ(Job(submitted->id).state, storage::JobState::kQueued);
  faulty.FailWrites(storage::FaultInjectingMetadataStore::Write::kJobQueue, false);
  ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(*ran);
  EXPECT_EQ(Job(submitted->id).state, storage::JobState::kSucceeded);
}

// A job trained by several workers: another worker ("w0") claimed it and offered rank 1; this worker takes it.
class QueueWorkerRankTest : public QueueWorkerTest {
 protected:
  std::string OfferRank() {
    storage::TrainRequest request = long_request_;
    request.workers = 2;
    auto submitted = runner_->Submit(request);
    EXPECT_TRUE(submitted.ok());
    const int64_t now = clock_.NowMicros();
    EXPECT_TRUE(store_->ClaimJob("w0", now, now + 1'000'000'000).ok());
    EXPECT_TRUE(store_->OfferJobRanks(submitted->id, "w0", 2, "10.1.2.3:9091").ok());
    return submitted->id;
  }

  // A rank runner that records what it got and runs until told to stop.
  void UseWaitingRunner(QueueWorker& worker) {
    worker.SetRankRunner(
        [this](const storage::JobRankRecord& rank, const storage::JobRecord& job, const std::atomic<bool>& stop) {
          got_rank_ = rank;
          got_workers_ = job.request.workers;
          started_.store(true);
          for (int wait = 0; wait < 2000 && !stop.load(); ++wait)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          saw_stop_ = stop.load();
          return core::Cancelled("stopped");
        });
  }

  void WaitUntilStarted() {
    for (int wait = 0; wait < 2000 && !started_.load(); ++wait)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(started_.load());
  }

  std::atomic<bool> started_{false};
  storage::JobRankRecord got_rank_;
  int got_workers_ = 0;
  bool saw_stop_ = false;
};

TEST_F(QueueWorkerRankTest, AnOfferedRankRunsOnAnotherWorkerAndACancelReachesIt) {
  const std::string job_id = OfferRank();
  auto worker = MakeWorker("w1");
  EXPECT_FALSE(*worker->RunRankOnce());  // no rank runner: it takes no rank
  UseWaitingRunner(*worker);
  core::Result<bool> ran = false;
  std::thread running([&] { ran = worker->RunRankOnce(); });
  WaitUntilStarted();
  EXPECT_EQ(got_rank_, (storage::JobRankRecord{job_id, 1, "w1", got_rank_.lease_until_micros, "10.1.2.3:9091"}));
  EXPECT_EQ(got_workers_, 2);
  ASSERT_TRUE(store_->RequestJobCancel(job_id, clock_.NowMicros()).ok());
  running.join();  // the rank's heartbeat (every 100 ms here) sees cancel_requested
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_TRUE(*ran);
  EXPECT_TRUE(saw_stop_);
  EXPECT_THAT(LogOf(job_id), ::testing::Contains(HasSubstr("worker w1 joined as rank 1 of 2")));
  // The rank is taken: nobody else gets it, and the job is still w0's to end.
  EXPECT_EQ(store_->ClaimJobRank("w2", clock_.NowMicros(), clock_.NowMicros() + 1000).status().code(),
            core::StatusCode::kNotFound);
  EXPECT_EQ(Job(job_id).worker_id, "w0");
}

TEST_F(QueueWorkerRankTest, AWorkerStoppedMidRankRequeuesTheWholeJob) {
  const std::string job_id = OfferRank();
  auto worker = MakeWorker("w1");
  UseWaitingRunner(*worker);
  std::thread running([&] { worker->Run(); });
  WaitUntilStarted();
  worker->Stop();
  running.join();
  EXPECT_TRUE(saw_stop_);
  storage::JobRecord job = Job(job_id);
  EXPECT_EQ(job.state, storage::JobState::kQueued);
  EXPECT_EQ(job.worker_id, "");
  EXPECT_THAT(*store_->ListJobRanks(job_id), ::testing::IsEmpty());
  EXPECT_EQ(store_->RenewJobLease(job_id, "w0", clock_.NowMicros() + 1000).status().code(),
            core::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace amp::training

namespace amp::training {
namespace {

// stats(): what a worker's /metrics reports (app/worker_command.cc).
TEST_F(QueueWorkerTest, StatsCountClaimsEndsRenewalsAndShowTheRunningJob) {
  auto worker = MakeWorker("w1");
  QueueWorkerStats idle = worker->stats();
  EXPECT_EQ(idle.jobs_claimed, 0);
  EXPECT_EQ(idle.current_job_id, "");
  EXPECT_EQ(idle.last_heartbeat_micros, 0);

  auto long_job = runner_->Submit(long_request_);
  ASSERT_TRUE(long_job.ok());
  core::Result<bool> ran = false;
  std::thread running([&] { ran = worker->RunOnce(); });
  WaitUntilTraining(long_job->id);
  QueueWorkerStats busy = worker->stats();
  EXPECT_EQ(busy.jobs_claimed, 1);
  EXPECT_EQ(busy.current_job_id, long_job->id);
  EXPECT_EQ(busy.current_attempt, 1);
  EXPECT_EQ(busy.current_rank, 0);
  ASSERT_TRUE(runner_->Cancel(long_job->id).ok());
  running.join();  // the cancel reaches the worker through a lease renewal
  ASSERT_TRUE(ran.ok());

  auto quick_job = runner_->Submit(request_);
  ASSERT_TRUE(quick_job.ok());
  ASSERT_TRUE(worker->RunOnce().ok());
  QueueWorkerStats done = worker->stats();
  EXPECT_EQ(done.jobs_claimed, 2);
  EXPECT_EQ(done.jobs_cancelled, 1);
  EXPECT_EQ(done.jobs_succeeded, 1);
  EXPECT_EQ(done.jobs_failed, 0);
  EXPECT_EQ(done.jobs_released, 0);
  EXPECT_GE(done.lease_renewals, 1);
  EXPECT_EQ(done.lease_renewal_failures, 0);
  EXPECT_EQ(done.last_heartbeat_micros, clock_.NowMicros());  // the renewal, on the fake clock
  EXPECT_EQ(done.current_job_id, "");
  EXPECT_EQ(done.current_attempt, 0);
}

TEST_F(QueueWorkerTest, StatsCountAReleasedJobAndALostLease) {
  auto released = runner_->Submit(long_request_);
  ASSERT_TRUE(released.ok());
  auto worker = MakeWorker("w1");
  std::thread running([&] { worker->Run(); });
  WaitUntilTraining(released->id);
  worker->Stop();
  running.join();
  EXPECT_EQ(worker->stats().jobs_released, 1);
  EXPECT_GT(worker->stats().last_heartbeat_micros, 0);  // Run's claim answered

  auto lost = MakeWorker("w2");
  core::Result<bool> ran = false;
  std::thread losing([&] { ran = lost->RunOnce(); });
  WaitUntilTraining(released->id);
  AdvancePastLeasesAndSweep();
  losing.join();
  ASSERT_TRUE(ran.ok());
  QueueWorkerStats stats = lost->stats();
  EXPECT_EQ(stats.leases_lost, 1);
  EXPECT_EQ(stats.current_attempt, 0);
  EXPECT_EQ(stats.jobs_succeeded + stats.jobs_failed + stats.jobs_cancelled, 0);
}

}  // namespace
}  // namespace amp::training
