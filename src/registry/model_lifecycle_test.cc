// Model metadata, version deletion and the retention collector, against the real SQLite store (in memory).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

#include "core/clock.h"
#include "ml/linear/linear_model.h"
#include "ml/pipeline.h"
#include "registry/model_registry.h"
#include "registry/retention_collector.h"
#include "storage/fault_injecting_metadata_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::shared_ptr<const ml::LinearModel> MakeModel() {
  ml::ModelSignature signature;
  signature.task = ml::Task::kRegression;
  signature.target = "price";
  signature.features = {{"area", data::ColumnType::kNumeric}};
  std::vector<ml::FeatureTransform> transforms(1);
  transforms[0].feature = signature.features[0];
  transforms[0].impute_value = 1.0;
  transforms[0].center = 0.0;
  transforms[0].scale = 1.0;
  ml::LinearSolution solution;
  solution.weights = {2.0};
  solution.intercept = 0.5;
  auto model = ml::LinearModel::Create(signature, ml::Pipeline(std::move(transforms)), std::move(solution));
  EXPECT_TRUE(model.ok());
  return std::move(model).value();
}

class ModelLifecycleTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok());
    sqlite_ = std::move(opened).value();
    metadata_ = std::make_unique<storage::FaultInjectingMetadataStore>(*sqlite_);
    registry_ = std::make_unique<ModelRegistry>(*metadata_, artifacts_, clock_);
  }

  storage::VersionRecord Publish(const std::string& name, VersionDraft draft = {}) {
    draft.algorithm = "linear_regression";
    auto version = registry_->PublishVersion(name, *MakeModel(), draft);
    EXPECT_TRUE(version.ok()) << version.status().ToString();
    return *version;
  }

  std::vector<int64_t> VersionNumbers(const std::string& model_id) {
    std::vector<int64_t> numbers;
    auto versions = registry_->ListVersions(model_id);
    EXPECT_TRUE(versions.ok());
    for (const auto& version : *versions) numbers.push_back(version.version);
    return numbers;
  }

  std::unique_ptr<storage::SqliteMetadataStore> sqlite_;
  std::unique_ptr<storage::FaultInjectingMetadataStore> metadata_;
  storage::InMemoryArtifactStore artifacts_;
  core::FakeClock clock_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_F(ModelLifecycleTest, PublishSetsMetadataAndCodeVersion) {
  VersionDraft draft;
  draft.code_version = "0.1.0+abc";
  draft.metadata.description = "house prices";
  draft.metadata.owner = "pricing-team";
  draft.metadata.tags = std::vector<std::string>{"prod", "housing", "prod"};
  storage::VersionRecord version = Publish("houses", draft);
  EXPECT_EQ(version.code_version, "0.1.0+abc");
  EXPECT_EQ(registry_->GetVersion(version.model_id, 1)->code_version, "0.1.0+abc");
  auto model = registry_->FindModel("houses");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->description, "house prices");
  EXPECT_EQ(model->owner, "pricing-team");
  EXPECT_THAT(model->tags, ElementsAre("housing", "prod"));  // sorted, unique
  // A later publish without metadata leaves it alone.
  Publish("houses");
  EXPECT_EQ(registry_->FindModel("houses")->owner, "pricing-team");
}

TEST_F(ModelLifecycleTest, UpdateModelChangesOnlyGivenFieldsAndValidates) {
  Publish("houses");
  ModelMetadataUpdate update;
  update.owner = "alice";
  update.retention_keep_last = 3;
  auto updated = registry_->UpdateModel("houses", update);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->owner, "alice");
  EXPECT_EQ(updated->retention_keep_last, 3);
  ModelMetadataUpdate tags;
  tags.tags = std::vector<std::string>{"b", "a"};
  ASSERT_TRUE(registry_->UpdateModel("houses", tags).ok());
  auto model = registry_->FindModel("houses");
  EXPECT_EQ(model->owner, "alice");
  EXPECT_EQ(model->retention_keep_last, 3);
  EXPECT_THAT(model->tags, ElementsAre("a", "b"));

  ModelMetadataUpdate bad_tag;
  bad_tag.tags = std::vector<std::string>{"has space"};
  EXPECT_EQ(registry_->UpdateModel("houses", bad_tag).status().code(), core::StatusCode::kInvalidArgument);
  ModelMetadataUpdate bad_retention;
  bad_retention.retention_keep_last = -1;
  EXPECT_EQ(registry_->UpdateModel("houses", bad_retention).status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->UpdateModel("nope", update).status().code(), core::StatusCode::kNotFound);
  EXPECT_THAT(registry_->FindModel("houses")->tags, ElementsAre("a", "b"));  // unchanged by the refusals
}

TEST_F(ModelLifecycleTest, ListModelsFilters) {
  VersionDraft a;
  a.metadata.owner = "Alice";
  a.metadata.tags = std::vector<std::string>{"housing"};
  a.metadata.description = "Prices of flats";
  Publish("houses", a);
  VersionDraft b;
  b.metadata.owner = "bob";
  b.metadata.tags = std::vector<std::string>{"churn"};
  Publish("customers", b);
  auto names = [&](ModelFilter filter) {
    std::vector<std::string> found;
    auto models = registry_->ListModels(filter);
    EXPECT_TRUE(models.ok());
    for (const auto& summary : *models) found.push_back(summary.model.name);
    std::sort(found.begin(), found.end());  // both are created at the same fake time: the order is by random id
    return found;
  };
  EXPECT_THAT(names({}), ElementsAre("customers", "houses"));
  EXPECT_THAT(names({.tag = "churn"}), ElementsAre("customers"));
  EXPECT_THAT(names({.owner = "alice"}), ElementsAre("houses"));
  EXPECT_THAT(names({.search = "FLATS"}), ElementsAre("houses"));
  EXPECT_THAT(names({.search = "cust"}), ElementsAre("customers"));
  EXPECT_THAT(names({.tag = "churn", .owner = "alice"}), ElementsAre());
}

TEST_F(ModelLifecycleTest, DeleteVersionRemovesRecordAndArtifactAndNeverReusesItsNumber) {
  storage::VersionRecord first = Publish("houses");
  Publish("houses");
  std::vector<int64_t> told;
  registry_->AddDeletionListener([&](const storage::ModelRecord&, const storage::VersionRecord& version) {
    told.push_back(version.version);
    EXPECT_TRUE(artifacts_.Get(version.artifact_key).ok()) << "listeners run before the artifact goes";
  });
  auto removed = registry_->DeleteVersion("houses", 1);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_THAT(told, ElementsAre(1));
  EXPECT_EQ(artifacts_.Get(first.artifact_key).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(registry_->GetVersion(first.model_id, 1).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(registry_->DeleteVersion("houses", 1).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(Publish("houses").version, 3);
  EXPECT_THAT(VersionNumbers(first.model_id), ElementsAre(2, 3));
}

TEST_F(ModelLifecycleTest, DeleteIsRefusedWhileAnAliasPointsToTheVersion) {
  storage::VersionRecord first = Publish("houses");
  Publish("houses");
  ASSERT_TRUE(registry_->SetAlias("houses", "staging", 1, "test").ok());
  auto refused = registry_->DeleteVersion("houses", 1);
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("'staging'"));
  EXPECT_TRUE(artifacts_.Get(first.artifact_key).ok());
  ASSERT_TRUE(registry_->DeleteAlias("houses", "staging", "test").ok());
  EXPECT_TRUE(registry_->DeleteVersion("houses", 1).ok());
}

TEST_F(ModelLifecycleTest, TheVersionCallsByNameServeCannotBeDeleted) {
  Publish("houses");
  Publish("houses");
  // No production alias: the latest (2) is served.
  auto refused = registry_->DeleteVersion("houses", 2);
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("latest"));
  // With production on 1, the latest may go; production's version may not.
  ASSERT_TRUE(registry_->SetAlias("houses", "production", 1, "test").ok());
  EXPECT_EQ(registry_->DeleteVersion("houses", 1).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(registry_->DeleteVersion("houses", 2).ok());
  EXPECT_EQ(Publish("houses").version, 3);
}

TEST_F(ModelLifecycleTest, FailedStoreDeleteKeepsTheArtifact) {
  storage::VersionRecord first = Publish("houses");
  Publish("houses");
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kDeleteVersion, true);
  EXPECT_FALSE(registry_->DeleteVersion("houses", 1).ok());
  EXPECT_TRUE(artifacts_.Get(first.artifact_key).ok());
  EXPECT_TRUE(registry_->GetVersion(first.model_id, 1).ok());
}

TEST_F(ModelLifecycleTest, CollectorKeepsLastNAliasedAndInUseVersions) {
  std::string model_id;
  for (int idx = 0; idx < 6; ++idx) model_id = Publish("houses").model_id;
  Publish("other");  // no policy: untouched
  ASSERT_TRUE(registry_->SetAlias("houses", "staging", 2, "test").ok());
  ModelMetadataUpdate policy;
  policy.retention_keep_last = 2;
  ASSERT_TRUE(registry_->UpdateModel("houses", policy).ok());
  std::vector<std::pair<std::string, int64_t>> collected;
  RetentionCollector collector(
      *registry_, [&](const std::string& id) { return id == model_id ? std::set<int64_t>{3} : std::set<int64_t>{}; },
      [&](const storage::ModelRecord& model, const storage::VersionRecord& version) {
        collected.emplace_back(model.name, version.version);
      },
      std::chrono::hours(1));
  EXPECT_EQ(collector.CollectOnce(), 2);
  EXPECT_THAT(collected,
              ElementsAre(std::pair<std::string, int64_t>{"houses", 1}, std::pair<std::string, int64_t>{"houses", 4}));
  EXPECT_THAT(VersionNumbers(model_id), ElementsAre(2, 3, 5, 6));
  EXPECT_EQ(collector.CollectOnce(), 0);  // nothing more to do
  EXPECT_THAT(VersionNumbers(registry_->FindModel("other")->id), ElementsAre(1));
}

TEST_F(ModelLifecycleTest, CollectorThreadRunsWhenPoked) {
  std::string model_id;
  for (int idx = 0; idx < 3; ++idx) model_id = Publish("houses").model_id;
  ModelMetadataUpdate policy;
  policy.retention_keep_last = 1;
  ASSERT_TRUE(registry_->UpdateModel("houses", policy).ok());
  core::Mutex mu;
  core::CondVar done;
  int collected = 0;
  RetentionCollector collector(
      *registry_, nullptr,
      [&](const storage::ModelRecord&, const storage::VersionRecord&) {
        core::MutexLock lock(mu);
        ++collected;
        done.NotifyAll();
      },
      std::chrono::hours(1));
  collector.Start();
  collector.Poke();
  {
    core::MutexLock lock(mu);
    done.WaitFor(mu, std::chrono::seconds(30), [&]() AMP_REQUIRES(mu) { return collected == 2; });
  }
  collector.Shutdown();
  EXPECT_THAT(VersionNumbers(model_id), ElementsAre(3));
}

}  // namespace
}  // namespace amp::registry
