// The MetadataStore contract (see metadata_store_contract.h): what every implementation must do, run against each
// backend that instantiates MetadataStoreContractTest.
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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Datasets.

TEST_P(MetadataStoreContractTest, DatasetRoundTripsWithColumnSummaries) {
  DatasetRecord record = MakeDataset("ds_1", 100);
  ASSERT_TRUE(store().PutDataset(record).ok());
  core::Result<DatasetRecord> got = store().GetDataset("ds_1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, record.id);
  EXPECT_EQ(got->name, record.name);
  EXPECT_EQ(got->created_at_micros, record.created_at_micros);
  EXPECT_EQ(got->size_bytes, record.size_bytes);
  EXPECT_EQ(got->sha256, record.sha256);
  EXPECT_EQ(got->artifact_key, record.artifact_key);
  EXPECT_EQ(got->summary.row_count, 42);
  ASSERT_EQ(got->summary.columns.size(), 4u);
  EXPECT_EQ(got->summary, record.summary);  // every field, optional stats and top values included
  EXPECT_FALSE(got->summary.columns[2].mean.has_value());
  EXPECT_TRUE(got->summary.columns[1].distinct_capped);
  EXPECT_THAT(got->summary.columns[1].top_values,
              ElementsAre(data::ValueCount{"Paris", 20}, data::ValueCount{"O'Hare; \"x\"", 3}));
}

TEST_P(MetadataStoreContractTest, DatasetWithNoColumnsRoundTrips) {
  DatasetRecord record = MakeDataset("ds_empty", 1);
  record.summary = {};
  ASSERT_TRUE(store().PutDataset(record).ok());
  core::Result<DatasetRecord> got = store().GetDataset("ds_empty");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->summary, record.summary);
}

// A profile whose statistics overflowed must not make the dataset (or the whole listing) unreadable.
TEST_P(MetadataStoreContractTest, DatasetWithNonFiniteStatsStaysReadable) {
  DatasetRecord record = MakeDataset("ds_inf", 1);
  record.summary.columns[0].mean = std::numeric_limits<double>::infinity();
  record.summary.columns[0].stddev = std::nan("");
  ASSERT_TRUE(store().PutDataset(record).ok());
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_fine", 2)).ok());
  core::Result<DatasetRecord> got = store().GetDataset("ds_inf");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->summary.columns[0].mean, std::numeric_limits<double>::infinity());
  ASSERT_TRUE(got->summary.columns[0].stddev.has_value());
  EXPECT_TRUE(std::isnan(*got->summary.columns[0].stddev));
  core::Result<std::vector<DatasetRecord>> all = store().ListDatasets();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(MetadataStoreContractTest, DuplicateDatasetIdIsAlreadyExists) {
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_1", 1)).ok());
  DatasetRecord again = MakeDataset("ds_1", 2);
  again.name = "other";
  core::Status status = store().PutDataset(again);
  EXPECT_EQ(status.code(), core::StatusCode::kAlreadyExists) << status.ToString();
  EXPECT_EQ(store().GetDataset("ds_1")->created_at_micros, 1);  // the first record is untouched
}

TEST_P(MetadataStoreContractTest, MissingDatasetIsNotFound) {
  EXPECT_EQ(store().GetDataset("ds_nope").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ListDatasetsIsOldestFirst) {
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_b", 200)).ok());
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_a", 300)).ok());
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_c", 100)).ok());
  core::Result<std::vector<DatasetRecord>> all = store().ListDatasets();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> ids;
  for (const DatasetRecord& record : *all) ids.push_back(record.id);
  EXPECT_THAT(ids, ElementsAre("ds_c", "ds_b", "ds_a"));
  EXPECT_EQ((*all)[0].summary, MakeDataset("ds_c", 100).summary);
}

// Models.

TEST_P(MetadataStoreContractTest, ModelFoundByIdAndByName) {
  ModelRecord record = MakeModel("mdl_1", "houses", 10);
  ASSERT_TRUE(store().CreateModel(record).ok());
  core::Result<ModelRecord> by_id = store().GetModelById("mdl_1");
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->id, "mdl_1");
  EXPECT_EQ(by_id->name, "houses");
  EXPECT_EQ(by_id->created_at_micros, 10);
  EXPECT_EQ(by_id->description, "a description");
  core::Result<ModelRecord> by_name = store().GetModelByName("houses");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, "mdl_1");
  // Ids are not names and names are not ids.
  EXPECT_EQ(store().GetModelById("houses").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().GetModelByName("mdl_1").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ModelNamesAreCaseSensitive) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "Houses", 1)).ok());
  EXPECT_EQ(store().GetModelByName("houses").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(store().CreateModel(MakeModel("mdl_2", "houses", 2)).ok());
}

TEST_P(MetadataStoreContractTest, DuplicateModelNameIsAlreadyExists) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  core::Status status = store().CreateModel(MakeModel("mdl_2", "houses", 2));
  EXPECT_EQ(status.code(), core::StatusCode::kAlreadyExists) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("houses"));
  EXPECT_EQ(store().GetModelById("mdl_2").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, DuplicateModelIdIsAlreadyExists) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  core::Status status = store().CreateModel(MakeModel("mdl_1", "cars", 2));
  EXPECT_EQ(status.code(), core::StatusCode::kAlreadyExists) << status.ToString();
  EXPECT_EQ(store().GetModelByName("cars").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ListModelsIsOldestFirst) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_b", "second", 20)).ok());
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "first", 10)).ok());
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_c", "third", 30)).ok());
  core::Result<std::vector<ModelRecord>> all = store().ListModels();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const ModelRecord& record : *all) names.push_back(record.name);
  EXPECT_THAT(names, ElementsAre("first", "second", "third"));
}

// Versions.

TEST_P(MetadataStoreContractTest, VersionsAreNumberedPerModelIndependently) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_b", "b", 2)).ok());
  EXPECT_EQ(*store().AddVersion(MakeVersion("mdl_a", 10)), 1);
  EXPECT_EQ(*store().AddVersion(MakeVersion("mdl_a", 11)), 2);
  EXPECT_EQ(*store().AddVersion(MakeVersion("mdl_b", 12)), 1);
  EXPECT_EQ(*store().AddVersion(MakeVersion("mdl_a", 13)), 3);
  EXPECT_EQ(*store().AddVersion(MakeVersion("mdl_b", 14)), 2);

  core::Result<std::vector<VersionRecord>> versions_a = store().ListVersions("mdl_a");
  ASSERT_TRUE(versions_a.ok());
  ASSERT_EQ(versions_a->size(), 3u);
  for (int64_t idx = 0; idx < 3; ++idx) EXPECT_EQ((*versions_a)[static_cast<size_t>(idx)].version, idx + 1);
  EXPECT_EQ((*versions_a)[2].created_at_micros, 13);
  EXPECT_EQ(store().ListVersions("mdl_b")->size(), 2u);
  EXPECT_THAT(*store().ListVersions("mdl_unknown"), IsEmpty());
}

TEST_P(MetadataStoreContractTest, AllVersionFieldsRoundTrip) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  VersionRecord record = MakeVersion("mdl_a", 77);
  core::Result<int64_t> number = store().AddVersion(record);
  ASSERT_TRUE(number.ok()) << number.status().ToString();
  ASSERT_EQ(*number, 1);

  core::Result<VersionRecord> got = store().GetVersion("mdl_a", 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameVersion(*got, record, 1);
  core::Result<VersionRecord> latest = store().GetLatestVersion("mdl_a");
  ASSERT_TRUE(latest.ok());
  ExpectSameVersion(*latest, record, 1);
  core::Result<std::vector<VersionRecord>> listed = store().ListVersions("mdl_a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  ExpectSameVersion(listed->front(), record, 1);
}

TEST_P(MetadataStoreContractTest, VersionWithEmptyMapsAndNoFeaturesRoundTrips) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  VersionRecord record = MakeVersion("mdl_a", 5);
  record.features.clear();
  record.metrics.clear();
  record.params.clear();
  ASSERT_TRUE(store().AddVersion(record).ok());
  core::Result<VersionRecord> got = store().GetVersion("mdl_a", 1);
  ASSERT_TRUE(got.ok());
  ExpectSameVersion(*got, record, 1);
}

TEST_P(MetadataStoreContractTest, VersionWithNonFiniteMetricStaysReadable) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  VersionRecord record = MakeVersion("mdl_a", 5);
  record.metrics["rmse"] = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(store().AddVersion(record).ok());
  core::Result<VersionRecord> got = store().GetLatestVersion("mdl_a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->metrics.at("rmse"), std::numeric_limits<double>::infinity());
}

TEST_P(MetadataStoreContractTest, LatestVersionIsTheHighestNumber) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  for (int64_t idx = 0; idx < 3; ++idx) ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_a", 100 - idx)).ok());
  core::Result<VersionRecord> latest = store().GetLatestVersion("mdl_a");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 3);
  EXPECT_EQ(latest->created_at_micros, 98);
}

TEST_P(MetadataStoreContractTest, LatestVersionOfModelWithoutVersionsIsNotFound) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  EXPECT_EQ(store().GetLatestVersion("mdl_a").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().GetLatestVersion("mdl_unknown").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, MissingVersionIsNotFound) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_a", 1)).ok());
  for (int64_t version : {int64_t{0}, int64_t{-1}, int64_t{2}}) {
    SCOPED_TRACE(version);
    EXPECT_EQ(store().GetVersion("mdl_a", version).status().code(), core::StatusCode::kNotFound);
  }
  EXPECT_EQ(store().GetVersion("mdl_b", 1).status().code(), core::StatusCode::kNotFound);
}

// Versions reference their model: a version of a model that does not exist is refused, and not as a duplicate.
TEST_P(MetadataStoreContractTest, VersionOfUnknownModelIsRefused) {
  core::Result<int64_t> number = store().AddVersion(MakeVersion("mdl_ghost", 1));
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.status().code(), core::StatusCode::kNotFound) << number.status().ToString();
  EXPECT_THAT(*store().ListVersions("mdl_ghost"), IsEmpty());
}

TEST_P(MetadataStoreContractTest, ConcurrentAddVersionAssignsDistinctNumbers) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "a", 1)).ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::vector<std::vector<int64_t>> numbers(kThreads);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < kPerThread; ++round) {
        core::Result<int64_t> number = store().AddVersion(MakeVersion("mdl_a", round));
        numbers[static_cast<size_t>(thread_idx)].push_back(number.ok() ? *number : -1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<int64_t> all;
  for (const auto& per_thread : numbers) all.insert(all.end(), per_thread.begin(), per_thread.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected(kThreads * kPerThread);
  for (size_t idx = 0; idx < expected.size(); ++idx) expected[idx] = static_cast<int64_t>(idx) + 1;
  EXPECT_EQ(all, expected);
}

// Jobs.

TEST_P(MetadataStoreContractTest, JobInsertThenReplace) {
  JobRecord job = MakeJob("job_1", 100);
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got = store().GetJob("job_1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameJob(*got, job);

  job.state = JobState::kSucceeded;
  job.started_at_micros = 150;
  job.finished_at_micros = 200;
  job.progress = "done: 3/3 steps";
  job.result_model_id = "mdl_1";
  job.result_version = 4;
  job.result_metrics = {{"rmse", 0.25}, {"mae", 1.0 / 3.0}, {"r2", 0.999999999999}};
  ASSERT_TRUE(store().PutJob(job).ok());
  got = store().GetJob("job_1");
  ASSERT_TRUE(got.ok());
  ExpectSameJob(*got, job);
  EXPECT_EQ(store().ListJobs(100)->size(), 1u);  // replaced, not added
}

TEST_P(MetadataStoreContractTest, JobLogsAreNumberedPerJobAndPaged) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 100)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 200)).ok());
  ASSERT_TRUE(store().AppendJobLog("job_1", 10, "queued").ok());
  ASSERT_TRUE(store().AppendJobLog("job_2", 11, "other job").ok());
  ASSERT_TRUE(store().AppendJobLog("job_1", 12, "started").ok());
  ASSERT_TRUE(store().AppendJobLog("job_1", 13, "succeeded").ok());
  core::Result<std::vector<JobLogLine>> lines = store().ListJobLogs("job_1", 0, 100);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  EXPECT_THAT(*lines,
              ElementsAre(JobLogLine{1, 10, "queued"}, JobLogLine{2, 12, "started"}, JobLogLine{3, 13, "succeeded"}));
  lines = store().ListJobLogs("job_1", 1, 1);
  ASSERT_TRUE(lines.ok());
  EXPECT_THAT(*lines, ElementsAre(JobLogLine{2, 12, "started"}));
  EXPECT_THAT(*store().ListJobLogs("job_2", 0, 100), ElementsAre(JobLogLine{1, 11, "other job"}));
  EXPECT_THAT(*store().ListJobLogs("job_none", 0, 100), IsEmpty());
}

TEST_P(MetadataStoreContractTest, JobWithEmptyFieldsRoundTrips) {
  JobRecord job;
  job.id = "job_min";
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got = store().GetJob("job_min");
  ASSERT_TRUE(got.ok());
  ExpectSameJob(*got, job);
}

TEST_P(MetadataStoreContractTest, JobCallbackAndModelMetadataRoundTrip) {
  JobRecord job = MakeJob("job_cb", 100);
  job.request.callback_url = "http://127.0.0.1:9/hook?x=1";
  job.request.model_description = "desc";
  job.request.model_owner = "team";
  job.request.model_tags = std::vector<std::string>{"a", "b"};
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got = store().GetJob("job_cb");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->request.callback_url, job.request.callback_url);
  EXPECT_EQ(got->request.model_description, "desc");
  EXPECT_EQ(got->request.model_owner, "team");
  EXPECT_EQ(got->request.model_tags, job.request.model_tags);
  job.request.model_tags = std::vector<std::string>{};  // an empty set is not "absent"
  ASSERT_TRUE(store().PutJob(job).ok());
  EXPECT_EQ(store().GetJob("job_cb")->request.model_tags, std::vector<std::string>{});
  ASSERT_TRUE(store().PutJob(MakeJob("job_plain", 101)).ok());
  EXPECT_FALSE(store().GetJob("job_plain")->request.model_tags.has_value());
}

TEST_P(MetadataStoreContractTest, UpdateModelAndDeleteVersion) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  ModelRecord model = *store().GetModelById("mdl_1");
  model.owner = "alice";
  model.tags = {"x", "y"};
  model.retention_keep_last = 4;
  model.description = "new";
  ASSERT_TRUE(store().UpdateModel(model).ok());
  ModelRecord got = *store().GetModelByName("houses");
  EXPECT_EQ(got.owner, "alice");
  EXPECT_EQ(got.tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(got.retention_keep_last, 4);
  EXPECT_EQ(got.description, "new");
  ModelRecord missing = model;
  missing.id = "mdl_nope";
  EXPECT_EQ(store().UpdateModel(missing).code(), core::StatusCode::kNotFound);

  VersionRecord version = MakeVersion("mdl_1", 10);
  version.code_version = "0.1.0+g123";
  ASSERT_EQ(*store().AddVersion(version), 1);
  ASSERT_EQ(*store().AddVersion(version), 2);
  EXPECT_EQ(store().GetVersion("mdl_1", 1)->code_version, "0.1.0+g123");
  ASSERT_TRUE(store().SetAlias(AliasRecord{"mdl_1", "staging", 2, 11, "me"}).ok());
  auto refused = store().DeleteVersion("mdl_1", 2);
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("'staging'"), std::string::npos);
  auto removed = store().DeleteVersion("mdl_1", 1);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->artifact_key, version.artifact_key);
  EXPECT_EQ(store().GetVersion("mdl_1", 1).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteVersion("mdl_1", 1).status().code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store().DeleteAlias("mdl_1", "staging", 12, "me").ok());
  ASSERT_TRUE(store().DeleteVersion("mdl_1", 2).ok());
  EXPECT_EQ(*store().AddVersion(version), 3);  // numbers are never reused, even with no version left
}

TEST_P(MetadataStoreContractTest, EveryJobStateRoundTrips) {
  const std::vector<JobState> states = {JobState::kQueued, JobState::kRunning,   JobState::kSucceeded,
                                        JobState::kFailed, JobState::kCancelled, JobState::kInterrupted};
  for (size_t idx = 0; idx < states.size(); ++idx) {
    JobRecord job = MakeJob("job_" + std::to_string(idx), static_cast<int64_t>(idx));
    job.state = states[idx];
    if (states[idx] == JobState::kFailed) job.error = "target column 'price' not found";
    ASSERT_TRUE(store().PutJob(job).ok());
    core::Result<JobRecord> got = store().GetJob(job.id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->state, states[idx]) << JobStateName(states[idx]);
    EXPECT_EQ(got->error, job.error);
  }
}

TEST_P(MetadataStoreContractTest, MissingJobIsNotFound) {
  EXPECT_EQ(store().GetJob("job_nope").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ListJobsIsNewestFirstWithLimit) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_b", 200)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_d", 400)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_a", 100)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_c", 300)).ok());
  auto ids = [](const std::vector<JobRecord>& jobs) {
    std::vector<std::string> out;
    for (const JobRecord& job : jobs) out.push_back(job.id);
    return out;
  };
  core::Result<std::vector<JobRecord>> all = store().ListJobs(10);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(ids(*all), ElementsAre("job_d", "job_c", "job_b", "job_a"));
  core::Result<std::vector<JobRecord>> two = store().ListJobs(2);
  ASSERT_TRUE(two.ok());
  EXPECT_THAT(ids(*two), ElementsAre("job_d", "job_c"));
  EXPECT_THAT(*store().ListJobs(0), IsEmpty());
  ExpectSameJob((*all)[3], MakeJob("job_a", 100));
}

TEST_P(MetadataStoreContractTest, ListJobsTiesBreakByIdDescending) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_a", 100)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_b", 100)).ok());
  core::Result<std::vector<JobRecord>> all = store().ListJobs(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "job_b");
  EXPECT_EQ((*all)[1].id, "job_a");
}

// SQL metacharacters are data, never SQL.

const std::vector<std::string>& HostileStrings() {
  static const std::vector<std::string> kStrings = {
      "O'Brien's model", "semi;colon;",       "'; DROP TABLE models; --",   "\"; DROP TABLE jobs; --",
      "x' OR '1'='1",    "?1 ?2 :name @p $v", "percent % and underscore _", "back\\slash",
      "new\nline\ttab",  "ünïcödé ✓",
  };
  return kStrings;
}

TEST_P(MetadataStoreContractTest, SqlMetacharactersInModelsAreStoredVerbatim) {
  for (size_t idx = 0; idx < HostileStrings().size(); ++idx) {
    const std::string& text = HostileStrings()[idx];
    SCOPED_TRACE(text);
    ModelRecord model{"mdl_" + std::to_string(idx) + text, text, static_cast<int64_t>(idx), text};
    ASSERT_TRUE(store().CreateModel(model).ok());
    core::Result<ModelRecord> by_name = store().GetModelByName(text);
    ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
    EXPECT_EQ(by_name->id, model.id);
    EXPECT_EQ(by_name->name, text);
    EXPECT_EQ(by_name->description, text);
    core::Result<ModelRecord> by_id = store().GetModelById(model.id);
    ASSERT_TRUE(by_id.ok());
    EXPECT_EQ(by_id->name, text);
  }
  core::Result<std::vector<ModelRecord>> all = store().ListModels();
  ASSERT_TRUE(all.ok()) << all.status().ToString();  // the models table is still there
  EXPECT_EQ(all->size(), HostileStrings().size());
  // A name that is a prefix or a LIKE pattern of another matches nothing.
  EXPECT_EQ(store().GetModelByName("O'Brien").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().GetModelByName("%").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, SqlMetacharactersInVersionsDatasetsAndJobsAreStoredVerbatim) {
  const std::string evil = "'; DROP TABLE models; --";
  ASSERT_TRUE(store().CreateModel(MakeModel(evil, evil, 1)).ok());
  VersionRecord version = MakeVersion(evil, 2);
  version.target = evil;
  version.algorithm = "a'b\"c;";
  version.features = {{evil, data::ColumnType::kCategorical}};
  version.metrics = {{evil, 1.5}};
  version.params = {{"O'Brien", 2.5}};
  version.job_id = "job'; DELETE FROM jobs; --";
  ASSERT_TRUE(store().AddVersion(version).ok());
  core::Result<VersionRecord> got_version = store().GetVersion(evil, 1);
  ASSERT_TRUE(got_version.ok()) << got_version.status().ToString();
  ExpectSameVersion(*got_version, version, 1);

  DatasetRecord dataset = MakeDataset(evil, 3);
  dataset.name = "x' OR '1'='1";
  dataset.summary.columns[0].name = evil;
  ASSERT_TRUE(store().PutDataset(dataset).ok());
  core::Result<DatasetRecord> got_dataset = store().GetDataset(evil);
  ASSERT_TRUE(got_dataset.ok());
  EXPECT_EQ(got_dataset->name, dataset.name);
  EXPECT_EQ(got_dataset->summary, dataset.summary);
  EXPECT_EQ(store().GetDataset("x").status().code(), core::StatusCode::kNotFound);

  JobRecord job = MakeJob(evil, 4);
  job.request.model_name = evil;
  job.request.features = {evil, "semi;colon"};
  job.error = "'); DROP TABLE jobs; --";
  job.progress = "50% done; 'quoted'";
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got_job = store().GetJob(evil);
  ASSERT_TRUE(got_job.ok());
  ExpectSameJob(*got_job, job);

  EXPECT_EQ(store().ListModels()->size(), 1u);
  EXPECT_EQ(store().ListDatasets()->size(), 1u);
  EXPECT_EQ(store().ListJobs(10)->size(), 1u);
}

TEST_P(MetadataStoreContractTest, AliasesMoveAtomicallyAndEveryMoveIsRecorded) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "houses", 1)).ok());
  for (int idx = 0; idx < 3; ++idx) ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_a", 2 + idx)).ok());
  EXPECT_EQ(store().GetAlias("mdl_a", "production").status().code(), core::StatusCode::kNotFound);

  core::Result<int64_t> first = store().SetAlias({"mdl_a", "production", 1, 100, "alice"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 0);  // new
  core::Result<int64_t> moved = store().SetAlias({"mdl_a", "production", 3, 200, "bob"});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 1);
  ASSERT_TRUE(store().SetAlias({"mdl_a", "staging", 2, 300, "carol"}).ok());

  core::Result<AliasRecord> production = store().GetAlias("mdl_a", "production");
  ASSERT_TRUE(production.ok());
  EXPECT_EQ(production->version, 3);
  EXPECT_EQ(production->updated_at_micros, 200);
  EXPECT_EQ(production->updated_by, "bob");
  core::Result<std::vector<AliasRecord>> aliases = store().ListAliases("mdl_a");
  ASSERT_TRUE(aliases.ok());
  ASSERT_EQ(aliases->size(), 2u);
  EXPECT_EQ((*aliases)[0].alias, "production");
  EXPECT_EQ((*aliases)[1].alias, "staging");

  core::Result<int64_t> deleted = store().DeleteAlias("mdl_a", "staging", 400, "dave");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(store().DeleteAlias("mdl_a", "staging", 500, "dave").status().code(), core::StatusCode::kNotFound);

  core::Result<std::vector<AliasEvent>> events = store().ListAliasEvents("mdl_a");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].version, 1);
  EXPECT_EQ((*events)[0].previous_version, 0);
  EXPECT_EQ((*events)[0].by, "alice");
  EXPECT_EQ((*events)[1].version, 3);
  EXPECT_EQ((*events)[1].previous_version, 1);
  EXPECT_EQ((*events)[3].alias, "staging");
  EXPECT_EQ((*events)[3].version, 0);  // deleted
  EXPECT_EQ((*events)[3].previous_version, 2);
  EXPECT_EQ((*events)[3].at_micros, 400);
}

TEST_P(MetadataStoreContractTest, AliasToAMissingVersionIsRefusedAndChangesNothing) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "houses", 1)).ok());
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_a", 2)).ok());
  ASSERT_TRUE(store().SetAlias({"mdl_a", "production", 1, 100, "alice"}).ok());
  EXPECT_EQ(store().SetAlias({"mdl_a", "production", 9, 200, "bob"}).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().SetAlias({"mdl_zzz", "production", 1, 200, "bob"}).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().GetAlias("mdl_a", "production")->version, 1);
  EXPECT_EQ(store().ListAliasEvents("mdl_a")->size(), 1u);
}

TEST_P(MetadataStoreContractTest, AliasNamesWithSqlMetacharactersAreStoredVerbatim) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_a", "houses", 1)).ok());
  ASSERT_TRUE(store().AddVersion(MakeVersion("mdl_a", 2)).ok());
  const std::string hostile = "x'; DROP TABLE model_aliases; --";
  ASSERT_TRUE(store().SetAlias({"mdl_a", hostile, 1, 100, hostile}).ok());
  core::Result<AliasRecord> alias = store().GetAlias("mdl_a", hostile);
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->alias, hostile);
  EXPECT_EQ(alias->updated_by, hostile);
}

// Security records: model visibility, API keys, grants, the audit log.

TEST_P(MetadataStoreContractTest, ModelVisibilityRoundTrips) {
  ModelRecord record = MakeModel("mdl_1", "houses", 10);
  record.is_public = true;
  ASSERT_TRUE(store().CreateModel(record).ok());
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_2", "cars", 11)).ok());
  EXPECT_TRUE(store().GetModelById("mdl_1")->is_public);
  EXPECT_FALSE(store().GetModelByName("cars")->is_public);
  ASSERT_TRUE(store().SetModelPublic("mdl_1", false).ok());
  ASSERT_TRUE(store().SetModelPublic("mdl_2", true).ok());
  std::vector<ModelRecord> models = *store().ListModels();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_FALSE(models[0].is_public);
  EXPECT_TRUE(models[1].is_public);
  EXPECT_EQ(store().SetModelPublic("mdl_missing", true).code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ApiKeysRoundTripAndUpdate) {
  ApiKeyRecord key{"key_1", "ops", "admin", "amp_AAAAAAAA", std::string(64, 'a'), 5, 0, false};
  ASSERT_TRUE(store().PutApiKey(key).ok());
  EXPECT_EQ(store().PutApiKey(key).code(), core::StatusCode::kAlreadyExists);
  ApiKeyRecord same_prefix = key;
  same_prefix.id = "key_2";
  EXPECT_EQ(store().PutApiKey(same_prefix).code(), core::StatusCode::kAlreadyExists);
  key.revoked = true;
  key.prefix = "amp_BBBBBBBB";
  key.expires_at_micros = 99;
  ASSERT_TRUE(store().UpdateApiKey(key).ok());
  std::vector<ApiKeyRecord> keys = *store().ListApiKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "ops");
  EXPECT_EQ(keys[0].role, "admin");
  EXPECT_EQ(keys[0].prefix, "amp_BBBBBBBB");
  EXPECT_EQ(keys[0].secret_sha256, std::string(64, 'a'));
  EXPECT_EQ(keys[0].created_at_micros, 5);
  EXPECT_EQ(keys[0].expires_at_micros, 99);
  EXPECT_TRUE(keys[0].revoked);
  ApiKeyRecord missing = key;
  missing.id = "key_missing";
  EXPECT_EQ(store().UpdateApiKey(missing).code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, GrantsNeedTheirKeyAndModel) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 10)).ok());
  ASSERT_TRUE(store().PutApiKey(ApiKeyRecord{"key_1", "app", "consumer", "amp_AAAAAAAA", "h", 1, 0, false}).ok());
  ASSERT_TRUE(store().PutGrant(GrantRecord{"key_1", "mdl_1"}).ok());
  ASSERT_TRUE(store().PutGrant(GrantRecord{"key_1", "mdl_1"}).ok());  // idempotent
  EXPECT_THAT(*store().ListGrants(), ElementsAre(GrantRecord{"key_1", "mdl_1"}));
  EXPECT_EQ(store().PutGrant(GrantRecord{"key_1", "mdl_missing"}).code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().PutGrant(GrantRecord{"key_missing", "mdl_1"}).code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store().DeleteGrant(GrantRecord{"key_1", "mdl_1"}).ok());
  EXPECT_THAT(*store().ListGrants(), IsEmpty());
  EXPECT_EQ(store().DeleteGrant(GrantRecord{"key_1", "mdl_1"}).code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, AuditRecordsAppendInOrderAndPage) {
  for (int64_t seq = 1; seq <= 5; ++seq) {
    AuditRecord record{seq, seq * 10, "anonymous", "train", "POST /v1/models/m/train", "::1", "denied", "p", "h"};
    ASSERT_TRUE(store().AppendAudit(record).ok());
  }
  EXPECT_EQ(store().AppendAudit(AuditRecord{3, 0, "", "", "", "", "", "", ""}).code(),
            core::StatusCode::kAlreadyExists);
  std::vector<AuditRecord> page = *store().ListAudit(2, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 3);
  EXPECT_EQ(page[0].at_micros, 30);
  EXPECT_EQ(page[0].resource, "POST /v1/models/m/train");
  EXPECT_EQ(page[1].seq, 4);
  EXPECT_THAT(*store().ListAudit(5, 10), IsEmpty());
}

// The shared job queue.

TEST_P(MetadataStoreContractTest, QueueFieldsRoundTripThroughPutJob) {
  JobRecord job = MakeJob("job_1", 100);
  job.state = JobState::kRunning;
  job.worker_id = "worker-a; DROP TABLE jobs";
  job.lease_until_micros = 5000;
  job.attempts = 3;
  job.cancel_requested = true;
  ASSERT_TRUE(store().PutJob(job).ok());
  ExpectSameJob(*store().GetJob("job_1"), job);
}

TEST_P(MetadataStoreContractTest, ClaimTakesTheOldestQueuedJobAndMarksItRunning) {
  EXPECT_EQ(store().ClaimJob("w1", 10, 20).status().code(), core::StatusCode::kNotFound);
  JobRecord done = MakeJob("job_done", 1);
  done.state = JobState::kSucceeded;
  ASSERT_TRUE(store().PutJob(done).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_new", 300)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_old", 200)).ok());

  core::Result<JobRecord> claimed = store().ClaimJob("w1", 1000, 61000);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(claimed->id, "job_old");
  EXPECT_EQ(claimed->state, JobState::kRunning);
  EXPECT_EQ(claimed->worker_id, "w1");
  EXPECT_EQ(claimed->lease_until_micros, 61000);
  EXPECT_EQ(claimed->started_at_micros, 1000);
  EXPECT_EQ(claimed->attempts, 1);
  EXPECT_EQ(claimed->request.model_name, "houses");  // the whole record comes back
  ExpectSameJob(*store().GetJob("job_old"), *claimed);

  EXPECT_EQ(store().ClaimJob("w2", 1001, 2000)->id, "job_new");
  EXPECT_EQ(store().ClaimJob("w3", 1002, 2000).status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ConcurrentClaimersNeverGetTheSameJob) {
  constexpr int kJobs = 40;
  for (int job_idx = 0; job_idx < kJobs; ++job_idx) {
    ASSERT_TRUE(store().PutJob(MakeJob("job_" + std::to_string(job_idx), job_idx)).ok());
  }
  constexpr int kWorkers = 4;
  std::vector<std::vector<std::string>> claimed(kWorkers);
  std::vector<std::thread> workers;
  for (int worker_idx = 0; worker_idx < kWorkers; ++worker_idx) {
    workers.emplace_back([&, worker_idx] {
      while (true) {
        auto job = store().ClaimJob("w" + std::to_string(worker_idx), 1, 1000);
        if (!job.ok()) {
          EXPECT_EQ(job.status().code(), core::StatusCode::kNotFound) << job.status().ToString();
          return;
        }
        EXPECT_EQ(job->worker_id, "w" + std::to_string(worker_idx));
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
}

TEST_P(MetadataStoreContractTest, ExpiredLeasesAreRequeuedAndClaimedAgain) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 2)).ok());
  JobRecord in_process = MakeJob("job_local", 3);
  in_process.state = JobState::kRunning;  // run by the serving process itself: no worker, no lease
  ASSERT_TRUE(store().PutJob(in_process).ok());
  ASSERT_TRUE(store().ClaimJob("w1", 100, 1000).ok());
  ASSERT_TRUE(store().ClaimJob("w2", 100, 5000).ok());

  EXPECT_THAT(store().RequeueExpiredJobs(1000)->requeued, IsEmpty());  // the lease ends after 1000, not at it
  core::Result<ExpiredJobs> requeued = store().RequeueExpiredJobs(1001);
  ASSERT_TRUE(requeued.ok()) << requeued.status().ToString();
  EXPECT_THAT(requeued->requeued, ElementsAre("job_1"));
  EXPECT_THAT(requeued->cancelled, IsEmpty());
  JobRecord job = *store().GetJob("job_1");
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.worker_id, "");
  EXPECT_EQ(store().GetJob("job_2")->state, JobState::kRunning);
  EXPECT_EQ(store().GetJob("job_local")->state, JobState::kRunning);

  // The dead worker can no longer renew or write; the next claimer gets the job with a second attempt, keeping
  // its first start time.
  EXPECT_EQ(store().RenewJobLease("job_1", "w1", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  core::Result<JobRecord> again = store().ClaimJob("w3", 2000, 9000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, "job_1");
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->started_at_micros, 100);
  EXPECT_EQ(store().RenewJobLease("job_1", "w1", 9000).status().code(), core::StatusCode::kFailedPrecondition);
}

// Jobs trained by several workers: rank 0 is the job's holder, ranks 1..k-1 are offered and claimed.

TEST_P(MetadataStoreContractTest, RanksAreOfferedByTheHolderOnly) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  EXPECT_EQ(store().OfferJobRanks("job_1", "w0", 3, "10.0.0.1:9091").code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().OfferJobRanks("job_missing", "w0", 3, "h:1").code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store().ClaimJob("w0", 100, 1000).ok());
  EXPECT_EQ(store().OfferJobRanks("job_1", "w9", 3, "h:1").code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().OfferJobRanks("job_1", "w0", 1, "h:1").code(), core::StatusCode::kInvalidArgument);
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "10.0.0.1:9091").ok());
  core::Result<std::vector<JobRankRecord>> ranks = store().ListJobRanks("job_1");
  ASSERT_TRUE(ranks.ok()) << ranks.status().ToString();
  ASSERT_EQ(ranks->size(), 2u);
  EXPECT_EQ((*ranks)[0], (JobRankRecord{"job_1", 1, "", 0, "10.0.0.1:9091"}));
  EXPECT_EQ((*ranks)[1], (JobRankRecord{"job_1", 2, "", 0, "10.0.0.1:9091"}));
  // Offering again (a new tracker) replaces the ranks, taken or not.
  ASSERT_TRUE(store().ClaimJobRank("w1", 100, 1000).ok());
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 2, "10.0.0.2:7").ok());
  EXPECT_THAT(*store().ListJobRanks("job_1"), ElementsAre(JobRankRecord{"job_1", 1, "", 0, "10.0.0.2:7"}));
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w1", 2000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(*store().ListJobRanks("job_other"), IsEmpty());
}

TEST_P(MetadataStoreContractTest, TwoClaimersGetDistinctRanksAndTheNextGetsNone) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().ClaimJob("w0", 100, 1000).ok());
  EXPECT_EQ(store().ClaimJobRank("w1", 100, 1000).status().code(), core::StatusCode::kNotFound);  // none offered
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "h:1").ok());
  // The holder of rank 0 never takes another rank of its job.
  EXPECT_EQ(store().ClaimJobRank("w0", 100, 1000).status().code(), core::StatusCode::kNotFound);
  core::Result<JobRankRecord> first = store().ClaimJobRank("w1", 100, 1500);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, (JobRankRecord{"job_1", 1, "w1", 1500, "h:1"}));
  // Nor does a worker take a second rank of a job it already has one of.
  EXPECT_EQ(store().ClaimJobRank("w1", 100, 1500).status().code(), core::StatusCode::kNotFound);
  core::Result<JobRankRecord> second = store().ClaimJobRank("w2", 100, 1600);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rank, 2);
  EXPECT_EQ(second->worker_id, "w2");
  EXPECT_EQ(store().ClaimJobRank("w3", 100, 1600).status().code(), core::StatusCode::kNotFound);
  EXPECT_THAT(*store().ListJobRanks("job_1"), ElementsAre(JobRankRecord{"job_1", 1, "w1", 1500, "h:1"},
                                                          JobRankRecord{"job_1", 2, "w2", 1600, "h:1"}));
}

TEST_P(MetadataStoreContractTest, ConcurrentRankClaimersNeverGetTheSameRank) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().ClaimJob("w0", 100, 100000).ok());
  constexpr int kRanks = 12;
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", kRanks + 1, "h:1").ok());
  constexpr int kWorkers = 4;
  std::vector<std::vector<int>> claimed(kWorkers);
  std::vector<std::thread> workers;
  for (int worker_idx = 0; worker_idx < kWorkers; ++worker_idx) {
    workers.emplace_back([this, worker_idx, &claimed] {
      // Distinct worker ids per claim: the one-rank-per-worker rule is not what this test is about.
      for (int attempt = 0; attempt < kRanks; ++attempt) {
        auto rank = store().ClaimJobRank("w" + std::to_string(worker_idx) + "_" + std::to_string(attempt), 100, 1000);
        if (rank.ok()) claimed[worker_idx].push_back(rank->rank);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  std::vector<int> all;
  for (const auto& ranks : claimed) all.insert(all.end(), ranks.begin(), ranks.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(kRanks);
  for (int rank = 0; rank < kRanks; ++rank) expected[rank] = rank + 1;
  EXPECT_EQ(all, expected);
}

TEST_P(MetadataStoreContractTest, RankRenewalSeesCancelAndFailsOnceTheJobEnds) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  JobRecord job = *store().ClaimJob("w0", 100, 1000);
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 2, "h:1").ok());
  ASSERT_TRUE(store().ClaimJobRank("w1", 100, 1000).ok());
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w2", 3000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenewRankLease("job_missing", 1, "w1", 3000).status().code(), core::StatusCode::kNotFound);
  core::Result<JobRecord> renewed = store().RenewRankLease("job_1", 1, "w1", 3000);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_FALSE(renewed->cancel_requested);
  EXPECT_EQ((*store().ListJobRanks("job_1"))[0].lease_until_micros, 3000);
  ASSERT_TRUE(store().RequestJobCancel("job_1", 200).ok());
  EXPECT_TRUE(store().RenewRankLease("job_1", 1, "w1", 3000)->cancel_requested);
  // A job asked to stop offers no ranks to new claimers.
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "h:1").ok());
  EXPECT_EQ(store().ClaimJobRank("w5", 100, 1000).status().code(), core::StatusCode::kNotFound);
  job.state = JobState::kCancelled;
  ASSERT_TRUE(store().UpdateHeldJob(job).ok());
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w1", 4000).status().code(), core::StatusCode::kFailedPrecondition);
}

TEST_P(MetadataStoreContractTest, AnExpiredRankRequeuesTheWholeJob) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 2)).ok());
  ASSERT_TRUE(store().ClaimJob("w0", 100, 9000).ok());
  ASSERT_TRUE(store().ClaimJob("w9", 100, 9000).ok());
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "h:1").ok());
  ASSERT_TRUE(store().ClaimJobRank("w1", 100, 5000).ok());
  ASSERT_TRUE(store().ClaimJobRank("w2", 100, 1000).ok());
  EXPECT_THAT(store().RequeueExpiredJobs(1000)->requeued, IsEmpty());  // rank 2's lease ends after 1000, not at it
  core::Result<ExpiredJobs> requeued = store().RequeueExpiredJobs(1001);
  ASSERT_TRUE(requeued.ok()) << requeued.status().ToString();
  EXPECT_THAT(requeued->requeued, ElementsAre("job_1"));
  JobRecord job = *store().GetJob("job_1");
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.worker_id, "");
  EXPECT_EQ(store().GetJob("job_2")->state, JobState::kRunning);
  // Every rank is released: the live rank's and rank 0's renewals fail, and the next attempt starts afresh.
  EXPECT_THAT(*store().ListJobRanks("job_1"), IsEmpty());
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w1", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenewJobLease("job_1", "w0", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  core::Result<JobRecord> again = store().ClaimJob("w1", 2000, 9000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, "job_1");
  EXPECT_EQ(again->attempts, 2);
  // An untaken rank has no lease to end.
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w1", 2, "h:2").ok());
  EXPECT_EQ(*store().RequeueExpiredJobs(8000), ExpiredJobs{});
  EXPECT_EQ(store().ListJobRanks("job_1")->size(), 1u);
}

TEST_P(MetadataStoreContractTest, RenewExtendsTheLeaseOfTheHolderOnly) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  EXPECT_EQ(store().RenewJobLease("job_1", "w1", 10).status().code(), core::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store().ClaimJob("w1", 100, 1000).ok());
  core::Result<JobRecord> renewed = store().RenewJobLease("job_1", "w1", 3000);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->lease_until_micros, 3000);
  EXPECT_FALSE(renewed->cancel_requested);
  EXPECT_EQ(*store().RequeueExpiredJobs(2000), ExpiredJobs{});
  EXPECT_EQ(store().RenewJobLease("job_1", "w2", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetJob("job_1")->lease_until_micros, 3000);
  EXPECT_EQ(store().RenewJobLease("job_missing", "w1", 9000).status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, UpdateHeldJobWritesOnlyWhileTheLeaseIsHeld) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  JobRecord job = *store().ClaimJob("w1", 100, 1000);
  job.progress = "searching";
  job.progress_detail = {"searching", 2, 3, 0, 0, 4.0};
  job.leaderboard = {{1, "xgboost_regressor", {{"max_depth", 4}}, "rmse", 0.2, 0.01, 1.0}};
  ASSERT_TRUE(store().UpdateHeldJob(job).ok());
  ExpectSameJob(*store().GetJob("job_1"), job);

  // The queue's own fields stay the store's: a stale copy neither shortens the lease nor clears a cancel request.
  ASSERT_TRUE(store().RenewJobLease("job_1", "w1", 4000).ok());
  ASSERT_TRUE(store().RequestJobCancel("job_1", 150).ok());
  job.progress = "refitting";
  ASSERT_TRUE(store().UpdateHeldJob(job).ok());
  JobRecord stored = *store().GetJob("job_1");
  EXPECT_EQ(stored.progress, "refitting");
  EXPECT_EQ(stored.lease_until_micros, 4000);
  EXPECT_TRUE(stored.cancel_requested);

  JobRecord other = job;
  other.worker_id = "w2";
  other.progress = "stolen";
  EXPECT_EQ(store().UpdateHeldJob(other).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetJob("job_1")->progress, "refitting");

  // After the lease is lost and the job requeued, the old holder's final write is refused.
  core::Result<ExpiredJobs> ended = store().RequeueExpiredJobs(5000);
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  EXPECT_THAT(ended->requeued, IsEmpty());  // cancel requested: it ends instead of requeueing
  EXPECT_THAT(ended->cancelled, ElementsAre("job_1"));
  EXPECT_EQ(store().GetJob("job_1")->state, JobState::kCancelled);
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 2)).ok());
  JobRecord second = *store().ClaimJob("w1", 6000, 7000);
  ASSERT_EQ(*store().RequeueExpiredJobs(8000), (ExpiredJobs{{"job_2"}, {}}));
  second.state = JobState::kSucceeded;
  second.finished_at_micros = 8100;
  EXPECT_EQ(store().UpdateHeldJob(second).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetJob("job_2")->state, JobState::kQueued);

  // A final write by the holder ends the job; it keeps its worker for the record.
  JobRecord third = *store().ClaimJob("w4", 9000, 10000);
  third.state = JobState::kSucceeded;
  third.finished_at_micros = 9500;
  third.result_model_id = "mdl_1";
  third.result_version = 2;
  ASSERT_TRUE(store().UpdateHeldJob(third).ok());
  JobRecord finished = *store().GetJob("job_2");
  EXPECT_EQ(finished.state, JobState::kSucceeded);
  EXPECT_EQ(finished.worker_id, "w4");
  EXPECT_EQ(finished.result_version, 2);
  EXPECT_EQ(store().UpdateHeldJob(third).code(), core::StatusCode::kFailedPrecondition);  // no longer running
  JobRecord missing = third;
  missing.id = "job_missing";
  EXPECT_FALSE(store().UpdateHeldJob(missing).ok());
}

TEST_P(MetadataStoreContractTest, CancelEndsAQueuedJobAndFlagsARunningOne) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_running", 1)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_queued", 2)).ok());
  ASSERT_EQ(store().ClaimJob("w1", 10, 1000)->id, "job_running");

  core::Result<JobRecord> cancelled = store().RequestJobCancel("job_queued", 50);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
  EXPECT_EQ(cancelled->finished_at_micros, 50);
  EXPECT_EQ(store().GetJob("job_queued")->state, JobState::kCancelled);
  EXPECT_EQ(store().ClaimJob("w2", 60, 1000).status().code(), core::StatusCode::kNotFound);  // never claimed

  core::Result<JobRecord> flagged = store().RequestJobCancel("job_running", 70);
  ASSERT_TRUE(flagged.ok());
  EXPECT_EQ(flagged->state, JobState::kRunning);
  EXPECT_TRUE(flagged->cancel_requested);
  EXPECT_EQ(flagged->finished_at_micros, 0);
  core::Result<JobRecord> seen = store().RenewJobLease("job_running", "w1", 2000);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->cancel_requested);  // the holder learns of it on its next heartbeat

  EXPECT_EQ(store().RequestJobCancel("job_queued", 80).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RequestJobCancel("job_missing", 80).status().code(), core::StatusCode::kNotFound);
}

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
