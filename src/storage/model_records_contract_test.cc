// The MetadataStore contract for models, their versions and aliases (see metadata_store_contract.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "storage/metadata_store_contract.h"

namespace amp::storage::contract {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

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

}  // namespace
}  // namespace amp::storage::contract
