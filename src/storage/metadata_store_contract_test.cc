// The MetadataStore contract (see metadata_store_contract.h): the fixture, the record builders, the change feed and
// two stores on one database. Each record family's tests are in <family>_contract_test.cc beside this file.
#include "storage/metadata_store_contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace amp::storage::contract {

std::string BackendName(const ::testing::TestParamInfo<BackendParam>& info) {
  return info.param.name;
}

void MetadataStoreContractTest::SetUp() {
  backend_ = GetParam().make();
  std::string skip = backend_->SkipReason();
  if (!skip.empty()) GTEST_SKIP() << skip;
  auto opened = backend_->OpenFresh();
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
}

void MetadataStoreContractTest::TearDown() {
  store_.reset();
  backend_.reset();
}

std::unique_ptr<MetadataStore> MetadataStoreContractTest::OpenAnotherOrSkip() {
  auto another = backend_->OpenAnother();
  if (!another.ok()) {
    EXPECT_EQ(another.status().code(), core::StatusCode::kFailedPrecondition) << another.status().ToString();
    return nullptr;
  }
  return std::move(another).value();
}

// ---- Record builders. ----

DatasetRecord MakeDataset(std::string id, int64_t created_at) {
  DatasetRecord record;
  record.id = std::move(id);
  record.name = "houses-" + record.id;
  record.created_at_micros = created_at;
  record.size_bytes = 12345;
  record.sha256 = std::string(64, 'a');
  record.artifact_key = "datasets/" + record.id + ".csv";
  record.summary.row_count = 42;

  data::ColumnSummary price;
  price.name = "price";
  price.type = data::ColumnType::kNumeric;
  price.missing_count = 2;
  price.distinct_count = 40;
  price.min = -3.25;
  price.max = 1e12;
  price.mean = 1.0 / 3.0;
  price.stddev = 0.1 + 0.2;

  data::ColumnSummary city;
  city.name = "city";
  city.type = data::ColumnType::kCategorical;
  city.missing_count = 0;
  city.distinct_count = 10000;
  city.distinct_capped = true;
  city.top_values = {{"Paris", 20}, {"O'Hare; \"x\"", 3}};

  data::ColumnSummary rooms;
  rooms.name = "rooms";
  rooms.type = data::ColumnType::kInteger;
  rooms.missing_count = 42;  // all missing: no stats at all

  data::ColumnSummary garden;
  garden.name = "garden";
  garden.type = data::ColumnType::kBoolean;
  garden.distinct_count = 2;
  garden.min = 0;
  garden.max = 1;
  garden.mean = 0.5;
  garden.stddev = 0.5;
  garden.top_values = {{"true", 21}, {"false", 21}};

  record.summary.columns = {price, city, rooms, garden};
  return record;
}

ModelRecord MakeModel(std::string id, std::string name, int64_t created_at) {
  return ModelRecord{std::move(id), std::move(name), created_at, "a description"};
}

VersionRecord MakeVersion(const std::string& model_id, int64_t created_at) {
  VersionRecord record;
  record.model_id = model_id;
  record.version = 999;  // ignored by AddVersion
  record.created_at_micros = created_at;
  record.algorithm = "linear_regression";
  record.task = "regression";
  record.target = "price";
  record.features = {{"area", data::ColumnType::kNumeric},
                     {"rooms", data::ColumnType::kInteger},
                     {"garden", data::ColumnType::kBoolean},
                     {"city", data::ColumnType::kCategorical}};
  record.metrics = {{"rmse", 0.1}, {"mae", 1.0 / 7.0}, {"r2", -0.5}};
  record.params = {{"l2", 1e-3}, {"holdout_fraction", 0.2}, {"seed", 42}};
  record.feature_importance = {{"area", 2.5}, {"city", 1.0 / 3.0}, {"rooms", 0.0}};
  record.dataset_id = "ds_0123456789abcdef";
  record.dataset_sha256 = std::string(64, 'b');
  record.job_id = "job_0123456789abcdef";
  record.artifact_key = "models/" + model_id + "/art.amp.json";
  record.artifact_sha256 = std::string(64, 'c');
  record.artifact_size_bytes = 4096;
  record.leaderboard = {{1, "xgboost_regressor", {{"max_depth", 3}}, "rmse", 0.25, 0.01, 1.5},
                        {2, "linear_regression", {{"l2", 1}}, "rmse", 0.5, 0.02, 0.1}};
  record.cleaning_report_json = R"({"rows":10,"summary":["Column 'id' is excluded."]})";
  record.evaluation_curves_json = R"({"residuals":{"rows":3,"predicted":[1],"actual":[2]}})";
  return record;
}

JobRecord MakeJob(std::string id, int64_t created_at) {
  JobRecord record;
  record.id = std::move(id);
  record.state = JobState::kQueued;
  record.request.model_name = "houses";
  record.request.dataset_id = "ds_0123456789abcdef";
  record.request.target = "price";
  record.request.algorithm = "linear_regression";
  record.request.task = "multiclass_classification";
  record.request.features = {"area", "rooms"};
  record.request.allow_personal_data_all = created_at % 2 == 0;
  record.request.allow_personal_data = {"email", "it's"};
  record.request.params = {{"l2", 0.5}};
  record.request.search.method = "grid";
  record.request.search.space = {{"l2", {0.1, 1, 10}}};
  record.request.search.folds = 3;
  record.request.cpu_budget = 4;
  record.request.time_budget_seconds = 2.5;
  record.resubmitted_from = "job_earlier";
  record.progress_detail = {"searching", 1, 3, 7, 100, 12.5};
  record.leaderboard = {{1, "linear_regression", {{"l2", 1}}, "rmse", 0.5, 0.02, 0.1}};
  record.created_at_micros = created_at;
  return record;
}

void ExpectSameVersion(const VersionRecord& got, const VersionRecord& want, int64_t number) {
  EXPECT_EQ(got.model_id, want.model_id);
  EXPECT_EQ(got.version, number);
  EXPECT_EQ(got.created_at_micros, want.created_at_micros);
  EXPECT_EQ(got.algorithm, want.algorithm);
  EXPECT_EQ(got.task, want.task);
  EXPECT_EQ(got.target, want.target);
  EXPECT_EQ(got.features, want.features);
  EXPECT_EQ(got.metrics, want.metrics);
  EXPECT_EQ(got.params, want.params);
  EXPECT_EQ(got.feature_importance, want.feature_importance);
  EXPECT_EQ(got.dataset_id, want.dataset_id);
  EXPECT_EQ(got.dataset_sha256, want.dataset_sha256);
  EXPECT_EQ(got.job_id, want.job_id);
  EXPECT_EQ(got.artifact_key, want.artifact_key);
  EXPECT_EQ(got.artifact_sha256, want.artifact_sha256);
  EXPECT_EQ(got.artifact_size_bytes, want.artifact_size_bytes);
  EXPECT_EQ(got.leaderboard, want.leaderboard);
  EXPECT_EQ(got.cleaning_report_json, want.cleaning_report_json);
  EXPECT_EQ(got.evaluation_curves_json, want.evaluation_curves_json);
}

void ExpectSameJob(const JobRecord& got, const JobRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.request.model_name, want.request.model_name);
  EXPECT_EQ(got.request.dataset_id, want.request.dataset_id);
  EXPECT_EQ(got.request.target, want.request.target);
  EXPECT_EQ(got.request.algorithm, want.request.algorithm);
  EXPECT_EQ(got.request.task, want.request.task);
  EXPECT_EQ(got.request.allow_personal_data_all, want.request.allow_personal_data_all);
  EXPECT_EQ(got.request.allow_personal_data, want.request.allow_personal_data);
  EXPECT_EQ(got.request.features, want.request.features);
  EXPECT_EQ(got.request.params, want.request.params);
  EXPECT_EQ(got.created_at_micros, want.created_at_micros);
  EXPECT_EQ(got.started_at_micros, want.started_at_micros);
  EXPECT_EQ(got.finished_at_micros, want.finished_at_micros);
  EXPECT_EQ(got.error, want.error);
  EXPECT_EQ(got.progress, want.progress);
  EXPECT_EQ(got.result_model_id, want.result_model_id);
  EXPECT_EQ(got.result_version, want.result_version);
  EXPECT_EQ(got.result_metrics, want.result_metrics);
  EXPECT_EQ(got.request.search, want.request.search);
  EXPECT_EQ(got.request.cpu_budget, want.request.cpu_budget);
  EXPECT_EQ(got.request.time_budget_seconds, want.request.time_budget_seconds);
  EXPECT_EQ(got.resubmitted_from, want.resubmitted_from);
  EXPECT_EQ(got.progress_detail, want.progress_detail);
  EXPECT_EQ(got.leaderboard, want.leaderboard);
  EXPECT_EQ(got.worker_id, want.worker_id);
  EXPECT_EQ(got.lease_until_micros, want.lease_until_micros);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.cancel_requested, want.cancel_requested);
}

namespace {

// The change feed.

TEST_P(MetadataStoreContractTest, EveryWatchedChangeMovesTheCounter) {
  int64_t last = *store().ChangeCounter();
  auto moved = [&](const char* what) {
    int64_t now = *store().ChangeCounter();
    EXPECT_GT(now, last) << what << " did not move the change counter";
    last = now;
  };
  auto unmoved = [&](const char* what) {
    EXPECT_EQ(*store().ChangeCounter(), last) << what << " moved the change counter";
  };
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_1", 1)).ok());
  unmoved("PutDataset");
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  unmoved("PutJob");
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  moved("CreateModel");
  ModelRecord model = *store().GetModelById("mdl_1");
  model.description = "new";
  ASSERT_TRUE(store().UpdateModel(model).ok());
  moved("UpdateModel");
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_1", 2)).ok());
  moved("AddVersion");
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_1", 3)).ok());
  moved("AddVersion");
  ASSERT_TRUE(store().SetAlias({"mdl_1", "production", 1, 4, "alice"}).ok());
  moved("SetAlias");
  ASSERT_TRUE(store().SetAlias({"mdl_1", "production", 2, 5, "alice"}).ok());
  moved("SetAlias (move)");
  ASSERT_TRUE(store().DeleteAlias("mdl_1", "production", 6, "alice").ok());
  moved("DeleteAlias");
  ASSERT_TRUE(store().DeleteVersion("mdl_1", 1).ok());
  moved("DeleteVersion");
  ASSERT_TRUE(store().SetModelPublic("mdl_1", true).ok());
  moved("SetModelPublic");
  ASSERT_TRUE(store().PutApiKey(ApiKeyRecord{"key_1", "app", "consumer", "amp_AAAAAAAA", "h", 1, 0, false}).ok());
  moved("PutApiKey");
  ASSERT_TRUE(store().UpdateApiKey(ApiKeyRecord{"key_1", "app", "consumer", "amp_AAAAAAAA", "h", 1, 0, true}).ok());
  moved("UpdateApiKey");
  ASSERT_TRUE(store().PutGrant(GrantRecord{"key_1", "mdl_1"}).ok());
  moved("PutGrant");
  ASSERT_TRUE(store().DeleteGrant(GrantRecord{"key_1", "mdl_1"}).ok());
  moved("DeleteGrant");
  ASSERT_TRUE(store().DeleteModel("mdl_1").ok());
  moved("DeleteModel");
  // Refused writes change nothing.
  EXPECT_FALSE(store().SetAlias({"mdl_missing", "production", 1, 7, "alice"}).ok());
  unmoved("a refused SetAlias");
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_2", "houses", 1)).ok());
  last = *store().ChangeCounter();
  EXPECT_EQ(store().CreateModel(MakeModel("mdl_4", "houses", 1)).code(), core::StatusCode::kAlreadyExists);
  unmoved("a refused CreateModel");
}

TEST_P(MetadataStoreContractTest, WaitForChangeReturnsAtOnceWhenBehindAndAfterTheTimeoutOtherwise) {
  int64_t start = *store().ChangeCounter();
  core::Result<int64_t> unchanged = store().WaitForChange(start, 60);
  ASSERT_TRUE(unchanged.ok()) << unchanged.status().ToString();
  EXPECT_EQ(*unchanged, start);
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  EXPECT_GT(*store().WaitForChange(start, 60000), start);  // already behind: no waiting
}

TEST_P(MetadataStoreContractTest, WaitForChangeWakesOnAWriteFromAnotherThread) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_1", 2)).ok());
  int64_t start = *store().ChangeCounter();
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(store().SetAlias({"mdl_1", "production", 1, 3, "alice"}).ok());
  });
  // Generous timeout: the test fails only if the wake-up never comes.
  core::Result<int64_t> woke = store().WaitForChange(start, 60000);
  writer.join();
  ASSERT_TRUE(woke.ok()) << woke.status().ToString();
  EXPECT_GT(*woke, start);
  EXPECT_EQ(store().GetAlias("mdl_1", "production")->version, 1);
}

// Two stores on one database, as two processes (serving replicas, workers) see it.

TEST_P(MetadataStoreContractTest, ClaimersOnTwoStoresNeverGetTheSameJob) {
  std::unique_ptr<MetadataStore> other = OpenAnotherOrSkip();
  if (!other) GTEST_SKIP() << "this backend cannot open a second store on the same data";
  constexpr int kJobs = 30;
  for (int job_idx = 0; job_idx < kJobs; ++job_idx) {
    ASSERT_TRUE(store().PutJob(MakeJob("job_" + std::to_string(job_idx), job_idx)).ok());
  }
  MetadataStore* stores[] = {&store(), other.get()};
  constexpr int kWorkers = 4;
  std::vector<std::vector<std::string>> claimed(kWorkers);
  std::vector<std::thread> workers;
  for (int worker_idx = 0; worker_idx < kWorkers; ++worker_idx) {
    workers.emplace_back([&, worker_idx] {
      MetadataStore& mine = *stores[worker_idx % 2];
      while (true) {
        auto job = mine.ClaimJob("w" + std::to_string(worker_idx), 1, 1000);
        if (!job.ok()) {
          EXPECT_EQ(job.status().code(), core::StatusCode::kNotFound) << job.status().ToString();
          return;
        }
        claimed[worker_idx].push_back(job->id);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  std::vector<std::string> all;
  for (const auto& ids : claimed) all.insert(all.end(), ids.begin(), ids.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a job was claimed twice";
  for (const std::string& id : all) EXPECT_EQ(other->GetJob(id)->attempts, 1) << id;
}

TEST_P(MetadataStoreContractTest, WaitForChangeWakesOnAWriteThroughAnotherStore) {
  std::unique_ptr<MetadataStore> other = OpenAnotherOrSkip();
  if (!other) GTEST_SKIP() << "this backend cannot open a second store on the same data";
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_1", 2)).ok());
  int64_t start = *other->ChangeCounter();
  EXPECT_EQ(start, *store().ChangeCounter());
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(store().SetAlias({"mdl_1", "production", 1, 3, "alice"}).ok());
  });
  // Generous timeout: the test fails only if the wake-up never comes.
  core::Result<int64_t> woke = other->WaitForChange(start, 60000);
  writer.join();
  ASSERT_TRUE(woke.ok()) << woke.status().ToString();
  EXPECT_GT(*woke, start);
  EXPECT_EQ(other->GetAlias("mdl_1", "production")->version, 1);
}

}  // namespace
}  // namespace amp::storage::contract
