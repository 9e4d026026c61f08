#include "training/job_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/temp_dir.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"
#include "training/distributed_trainer.h"
#include "training/job_executor.h"
#include "training/queue_worker.h"

namespace amp::training {
namespace {

using ::testing::HasSubstr;

// A runner that is never started, so submitted jobs stay queued and the per-submitter count is deterministic.
class JobRunnerQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
    catalog_ = std::make_unique<registry::DatasetCatalog>(*store_, artifacts_, clock_);
    registry_ = std::make_unique<registry::ModelRegistry>(*store_, artifacts_, clock_);
    runner_ = std::make_unique<JobRunner>(*store_, *catalog_, *registry_, clock_, 1);
    const std::filesystem::path upload = temp_.path() / "upload.csv";
    std::ofstream(upload) << "x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n6,12\n7,14\n8,16\n9,18\n10,20\n";
    auto dataset = catalog_->Ingest("line", upload);
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    request_.model_name = "line";
    request_.dataset_id = dataset->id;
    request_.target = "y";
    request_.algorithm = "linear_regression";
  }

  core::TempDir temp_{"amp_job_runner_test"};
  core::FakeClock clock_;
  std::unique_ptr<storage::SqliteMetadataStore> store_;
  storage::InMemoryArtifactStore artifacts_;
  std::unique_ptr<registry::DatasetCatalog> catalog_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<JobRunner> runner_;
  storage::TrainRequest request_;
};

TEST_F(JobRunnerQuotaTest, ASubmitterGetsAtMostItsLimitOfActiveJobs) {
  auto first = runner_->Submit(request_, {"key_a", 2});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(runner_->Submit(request_, {"key_a", 2}).ok());
  auto refused = runner_->Submit(request_, {"key_a", 2});
  EXPECT_EQ(refused.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("already has 2 training jobs"));

  // Other submitters, and uncounted or unlimited ones, are not affected.
  EXPECT_TRUE(runner_->Submit(request_, {"key_b", 1}).ok());
  EXPECT_EQ(runner_->Submit(request_, {"key_b", 1}).status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_TRUE(runner_->Submit(request_).ok());
  EXPECT_TRUE(runner_->Submit(request_, {"key_c", 0}).ok());
  EXPECT_TRUE(runner_->Submit(request_, {"key_c", 0}).ok());

  // Once one of key_a's jobs has ended, it may submit again.
  ASSERT_TRUE(runner_->Cancel(first->id).ok());
  EXPECT_TRUE(runner_->Submit(request_, {"key_a", 2}).ok());
  EXPECT_EQ(runner_->Submit(request_, {"key_a", 2}).status().code(), core::StatusCode::kResourceExhausted);
}

TEST_F(JobRunnerQuotaTest, RefusedSubmissionsRecordNoJob) {
  ASSERT_TRUE(runner_->Submit(request_, {"key_a", 1}).ok());
  ASSERT_FALSE(runner_->Submit(request_, {"key_a", 1}).ok());
  auto jobs = runner_->List(100);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->size(), 1u);
}

// Stands for the ranks: trains the request in one process (the model k ranks agree on) or fails as told, and
// records what it was asked.
class FakeLauncher final : public DistributedLauncher {
 public:
  explicit FakeLauncher(registry::DatasetCatalog& datasets) : trainer_(datasets) {}
  core::Result<std::shared_ptr<const ml::Model>> Train(const storage::TrainRequest& request,
                                                       const std::atomic<bool>& cancelled) override {
    requests.push_back(request);
    if (!fail_with.ok()) return fail_with;
    AMP_ASSIGN_OR_RETURN(RankOutcome outcome, trainer_.TrainRank(request, RankAssignment{}, cancelled));
    return outcome.outcome.model;
  }
  std::vector<storage::TrainRequest> requests;
  core::Status fail_with = core::Status::Ok();

 private:
  DistributedXgbTrainer trainer_;
};

TEST_F(JobRunnerQuotaTest, WorkersJobsTrainThroughTheLauncher) {
  FakeLauncher launcher(*catalog_);
  JobRunner runner(*store_, *catalog_, *registry_, clock_, 1);
  runner.SetDistributedLauncher(&launcher);
  ASSERT_TRUE(runner.Start().ok());
  storage::TrainRequest request = request_;
  request.dataset_id = "line";  // by name: the launcher gets the id
  request.algorithm = "xgboost_regressor";
  request.params["n_estimators"] = 5;
  request.workers = 2;
  auto job = runner.Submit(request);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto done = runner.WaitForJob(job->id, 60'000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, storage::JobState::kSucceeded) << done->error;
  EXPECT_EQ(done->request.workers, 2);
  EXPECT_TRUE(done->result_metrics.contains("rmse"));  // scored here, on the model the launcher returned
  ASSERT_EQ(launcher.requests.size(), 1u);
  EXPECT_EQ(launcher.requests[0].dataset_id, request_.dataset_id);
  EXPECT_EQ(launcher.requests[0].workers, 2);
  auto logs = runner.Logs(job->id, 0, 100);
  ASSERT_TRUE(logs.ok());
  bool logged = false;
  for (const storage::JobLogLine& line : *logs)
    logged |= line.message.find("training on 2 workers") != std::string::npos;
  EXPECT_TRUE(logged);

  launcher.fail_with = core::Unavailable("the XGBoost collective did not form within 3 s");
  auto failing = runner.Submit(request);
  ASSERT_TRUE(failing.ok());
  auto failed = runner.WaitForJob(failing->id, 60'000);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, storage::JobState::kFailed);
  EXPECT_THAT(failed->error, HasSubstr("did not form within 3 s"));
  runner.Shutdown();
}

// One SQLite file opened by several "processes" (each with its own connection, registry and catalog, as separate
// `amp serve` replicas and `amp worker`s have): training replicas and workers take jobs from its one queue.
class SharedQueueTest : public ::testing::Test {
 protected:
  struct Process {
    std::unique_ptr<storage::SqliteMetadataStore> store;
    std::unique_ptr<registry::DatasetCatalog> catalog;
    std::unique_ptr<registry::ModelRegistry> registry;
  };

  void SetUp() override {
    const std::filesystem::path upload = temp_.path() / "upload.csv";
    {
      std::ofstream csv(upload);
      csv << "a,b,y\n";
      std::mt19937 rng(7);
      std::uniform_real_distribution<double> uniform(-2, 2);
      for (int row = 0; row < 1500; ++row) {
        double a = uniform(rng), b = uniform(rng);
        csv << a << "," << b << "," << (a * b + b * b + 0.1 * uniform(rng)) << "\n";
      }
    }
    Process& first = Open();
    auto dataset = first.catalog->Ingest("rows", upload);
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    request_.model_name = "shared";
    request_.dataset_id = dataset->id;
    request_.target = "y";
    request_.algorithm = "linear_regression";
    long_request_ = request_;
    long_request_.algorithm = "xgboost_regressor";
    long_request_.params = {{"n_estimators", 10000}, {"max_depth", 10}, {"learning_rate", 0.001}};
  }

  Process& Open() {
    auto opened = storage::SqliteMetadataStore::Open((temp_.path() / "amp.db").string());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    Process process;
    process.store = std::move(opened).value();
    process.catalog = std::make_unique<registry::DatasetCatalog>(*process.store, artifacts_, clock_);
    process.registry = std::make_unique<registry::ModelRegistry>(*process.store, artifacts_, clock_);
    processes_.push_back(std::move(process));
    return processes_.back();
  }

  // A training replica (`amp serve --training-workers trainers`) on its own connection; every end it reports is
  // counted.
  std::unique_ptr<JobRunner> StartReplica(const std::string& id, int trainers, int64_t lease_micros = 30'000'000) {
    Process& process = Open();
    auto runner = std::make_unique<JobRunner>(*process.store, *process.catalog, *process.registry, clock_, trainers);
    LeaseOptions lease;
    lease.lease_micros = lease_micros;
    runner->SetTrainerIdentity(id, lease);
    runner->AddEndListener([this](const storage::JobRecord& job) { CountEnd(job); });
    EXPECT_TRUE(runner->Start().ok());
    return runner;
  }

  void CountEnd(const storage::JobRecord& job) {
    core::MutexLock lock(ends_mu_);
    ends_[job.id].push_back(job.state);
  }
  std::vector<storage::JobState> EndsOf(const std::string& id) {
    core::MutexLock lock(ends_mu_);
    return ends_[id];
  }

  storage::JobRecord Job(const std::string& id) {
    auto job = processes_.front().store->GetJob(id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : storage::JobRecord{};
  }

  int CountLog(const std::string& id, const std::string& needle) {
    auto lines = processes_.front().store->ListJobLogs(id, 0, 1000);
    EXPECT_TRUE(lines.ok());
    int count = 0;
    for (const storage::JobLogLine& line : lines.ok() ? *lines : std::vector<storage::JobLogLine>{})
      count += line.message.find(needle) != std::string::npos ? 1 : 0;
    return count;
  }

  // Waits (real time) until the job runs on some trainer and has started training.
  void WaitUntilTraining(const std::string& id) {
    for (int attempt = 0; attempt < 6000; ++attempt) {
      storage::JobRecord job = Job(id);
      if (job.state == storage::JobState::kRunning && job.progress_detail.phase == "training") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "job " << id << " never started training";
  }

  core::TempDir temp_{"amp_shared_queue_test"};
  core::FakeClock clock_;
  storage::InMemoryArtifactStore artifacts_;
  std::deque<Process> processes_;  // stable addresses
  storage::TrainRequest request_;
  storage::TrainRequest long_request_;
  core::Mutex ends_mu_;
  std::map<std::string, std::vector<storage::JobState>> ends_ AMP_GUARDED_BY(ends_mu_);
};

TEST_F(SharedQueueTest, ReplicasAndAWorkerSharingAStoreRunEachJobOnce) {
  auto replica_a = StartReplica("replica-a", 2);
  auto replica_b = StartReplica("replica-b", 1);
  Process& worker_process = Open();
  JobExecutor executor(*worker_process.store, *worker_process.catalog, *worker_process.registry, clock_);
  QueueWorkerOptions options;
  options.worker_id = "worker-c";
  QueueWorker worker(*worker_process.store, executor, clock_, options);
  worker.AddEndListener([this](const storage::JobRecord& job) { CountEnd(job); });
  std::thread worker_loop([&worker] { worker.Run(); });

  std::vector<std::string> job_ids;
  for (int job_idx = 0; job_idx < 8; ++job_idx) {
    JobRunner& through = job_idx % 2 == 0 ? *replica_a : *replica_b;
    auto submitted = through.Submit(request_);
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
    job_ids.push_back(submitted->id);
  }
  for (const std::string& id : job_ids) {
    auto done = replica_a->WaitForJob(id, 120'000);
    ASSERT_TRUE(done.ok());
    ASSERT_EQ(done->state, storage::JobState::kSucceeded) << done->error;
  }
  worker.Stop();
  worker_loop.join();
  replica_a->Shutdown();
  replica_b->Shutdown();

  const std::set<std::string> trainers = {"replica-a-1", "replica-a-2", "replica-b", "worker-c"};
  std::set<int64_t> versions;
  for (const std::string& id : job_ids) {
    storage::JobRecord job = Job(id);
    EXPECT_EQ(job.attempts, 1) << id;
    EXPECT_TRUE(trainers.contains(job.worker_id)) << job.worker_id;
    EXPECT_EQ(CountLog(id, "started on worker"), 1) << id;
    EXPECT_EQ(EndsOf(id), std::vector<storage::JobState>{storage::JobState::kSucceeded}) << id;
    versions.insert(job.result_version);
  }
  // One version per job, each recording the job that published it.
  auto model = processes_.front().registry->FindModel("shared");
  ASSERT_TRUE(model.ok());
  auto listed = processes_.front().registry->ListVersions(model->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), job_ids.size());
  std::set<std::string> publishers;
  for (const storage::VersionRecord& version : *listed) publishers.insert(version.job_id);
  EXPECT_EQ(publishers, std::set<std::string>(job_ids.begin(), job_ids.end()));
  EXPECT_EQ(versions.size(), job_ids.size());
}

TEST_F(SharedQueueTest, ADeadTrainersJobIsReclaimedByAReplicaWhenItsLeaseEnds) {
  auto submitter = StartReplica("serving-only", 0);
  auto submitted = submitter->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  // A replica claimed it and died (SIGKILL): its 2 s lease is never renewed.
  const int64_t now = clock_.NowMicros();
  ASSERT_TRUE(processes_.front().store->ClaimJob("dead-replica", now, now + 2'000'000).ok());
  auto survivor = StartReplica("survivor", 1, 2'000'000);
  // Still held: nobody else may run it before the lease ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Job(submitted->id).worker_id, "dead-replica");
  clock_.AdvanceMicros(2'000'001);
  auto done = submitter->WaitForJob(submitted->id, 60'000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, storage::JobState::kSucceeded) << done->error;
  EXPECT_EQ(done->attempts, 2);
  EXPECT_EQ(done->worker_id, "survivor");
  EXPECT_EQ(CountLog(submitted->id, "requeued: the worker running it stopped renewing"), 1);
  EXPECT_EQ(EndsOf(submitted->id), std::vector<storage::JobState>{storage::JobState::kSucceeded});
}

TEST_F(SharedQueueTest, AStoppedReplicaHandsItsJobBackAndAnotherFinishesIt) {
  auto first = StartReplica("first", 1);
  auto submitted = first->Submit(long_request_);
  ASSERT_TRUE(submitted.ok());
  WaitUntilTraining(submitted->id);
  first->Shutdown();
  storage::JobRecord released = Job(submitted->id);
  EXPECT_EQ(released.state, storage::JobState::kQueued);
  EXPECT_EQ(released.attempts, 1);
  EXPECT_EQ(CountLog(submitted->id, "worker first stopped; the job goes back to the queue"), 1);
  EXPECT_TRUE(EndsOf(submitted->id).empty());  // handed back, not ended

  // The next trainer runs it from the start; a cancel through any replica stops it at once on its own trainer.
  auto second = StartReplica("second", 1);
  WaitUntilTraining(submitted->id);
  EXPECT_EQ(Job(submitted->id).worker_id, "second");
  EXPECT_EQ(Job(submitted->id).attempts, 2);
  const auto asked = std::chrono::steady_clock::now();
  auto cancelling = second->Cancel(submitted->id);
  ASSERT_TRUE(cancelling.ok()) << cancelling.status().ToString();
  EXPECT_EQ(cancelling->progress, "cancelling");
  auto done = second->WaitForJob(submitted->id, 30'000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, storage::JobState::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
  EXPECT_EQ(EndsOf(submitted->id), std::vector<storage::JobState>{storage::JobState::kCancelled});
}

TEST_F(SharedQueueTest, AJobAnOlderVersionRanOutsideTheQueueIsInterruptedOnStart) {
  auto submitter = StartReplica("serving-only", 0);
  auto submitted = submitter->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  storage::JobRecord legacy = *submitted;  // running, held by no worker: no lease will ever requeue it
  legacy.state = storage::JobState::kRunning;
  legacy.started_at_micros = clock_.NowMicros();
  ASSERT_TRUE(processes_.front().store->PutJob(legacy).ok());
  auto trainer = StartReplica("trainer", 1);
  trainer->Shutdown();
  storage::JobRecord job = Job(submitted->id);
  EXPECT_EQ(job.state, storage::JobState::kInterrupted);
  EXPECT_THAT(job.error, HasSubstr("resubmit"));
  EXPECT_EQ(CountLog(submitted->id, "interrupted: the server stopped"), 1);
  EXPECT_EQ(EndsOf(submitted->id), std::vector<storage::JobState>{storage::JobState::kInterrupted});
}

TEST_F(SharedQueueTest, ACancelledJobWhoseTrainerDiedEndsOnceWithItsNotification) {
  auto replica = StartReplica("serving-only", 0);
  auto submitted = replica->Submit(request_);
  ASSERT_TRUE(submitted.ok());
  // A trainer claimed it, the cancel was requested, and the trainer died before its heartbeat saw the request.
  const int64_t now = clock_.NowMicros();
  ASSERT_TRUE(processes_.front().store->ClaimJob("dead-worker", now, now + 1'000'000).ok());
  auto cancelling = replica->Cancel(submitted->id);
  ASSERT_TRUE(cancelling.ok());
  EXPECT_EQ(cancelling->progress, "cancelling");
  EXPECT_TRUE(EndsOf(submitted->id).empty());
  // Two replicas sweep; the one whose sweep ends it tells its listeners, once.
  auto other = StartReplica("other-serving-only", 0);
  clock_.AdvanceMicros(1'000'001);
  auto done = replica->WaitForJob(submitted->id, 30'000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, storage::JobState::kCancelled);
  for (int wait = 0; wait < 200 && EndsOf(submitted->id).empty(); ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the notification follows the saved record
  other->Shutdown();
  replica->Shutdown();
  EXPECT_EQ(EndsOf(submitted->id), std::vector<storage::JobState>{storage::JobState::kCancelled});
  EXPECT_EQ(CountLog(submitted->id, "cancelled: the worker running it stopped renewing its lease"), 1);
}

}  // namespace
}  // namespace amp::training
