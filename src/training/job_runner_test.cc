#include "training/job_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/temp_dir.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"
#include "training/distributed_trainer.h"

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

}  // namespace
}  // namespace amp::training
