#include "registry/model_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/id.h"
#include "core/temp_dir.h"
#include "ml/linear/linear_model.h"
#include "ml/pipeline.h"
#include "registry/dataset_catalog.h"
#include "registry/dataset_deletion.h"
#include "storage/fault_injecting_artifact_store.h"
#include "storage/fault_injecting_metadata_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/local_artifact_store.h"
#include "storage/sha256.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::registry {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Each test's folder is named after this suite.
class TempDir : public core::TempDir {
 public:
  TempDir() : core::TempDir("amp_registry_test") { EXPECT_FALSE(path().empty()) << "cannot make a temporary folder"; }
};

// A linear model over one feature of each type, with awkward doubles so a lossy round trip would show.
std::shared_ptr<const ml::LinearModel> MakeModel(double intercept = 0.3) {
  ml::ModelSignature signature;
  signature.task = ml::Task::kRegression;
  signature.target = "price";
  signature.features = {{"area", data::ColumnType::kNumeric},
                        {"rooms", data::ColumnType::kInteger},
                        {"garden", data::ColumnType::kBoolean},
                        {"city", data::ColumnType::kCategorical}};
  std::vector<ml::FeatureTransform> transforms(4);
  transforms[0].feature = signature.features[0];
  transforms[0].impute_value = 71.3;
  transforms[0].center = 80.0 / 3.0;
  transforms[0].scale = 0.1;
  transforms[1].feature = signature.features[1];
  transforms[1].impute_value = 3;
  transforms[1].center = 2.5;
  transforms[1].scale = 1.1180339887498949;
  transforms[2].feature = signature.features[2];
  transforms[2].impute_value = 1;
  transforms[2].center = 0.6;
  transforms[2].scale = 0.4898979485566356;
  transforms[3].feature = signature.features[3];
  transforms[3].categories = {"Lyon", "Paris", "Rome"};
  transforms[3].impute_category = 1;
  ml::LinearSolution solution;
  solution.weights = {1.0 / 3.0, -2.718281828459045, 1e-9, 12345.678901234567, -0.1, 7e-300};
  solution.intercept = intercept;
  auto model = ml::LinearModel::Create(signature, ml::Pipeline(std::move(transforms)), std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

// A handful of rows exercising every path of Predict: plain values, missing values, an unseen category.
std::vector<ml::FeatureValue> SampleRows() {
  using ml::FeatureValue;
  return {
      FeatureValue::Number(100.25), FeatureValue::Number(3), FeatureValue::Number(1), FeatureValue::Text("Paris"),
      FeatureValue::Number(-0.1),   FeatureValue::Number(0), FeatureValue::Number(0), FeatureValue::Text("Lyon"),
      FeatureValue::Missing(),      FeatureValue::Missing(), FeatureValue::Missing(), FeatureValue::Missing(),
      FeatureValue::Number(1e6),    FeatureValue::Number(7), FeatureValue::Number(1), FeatureValue::Text("Oslo"),
  };
}

std::vector<double> PredictSamples(const ml::Model& model) {
  std::vector<ml::FeatureValue> rows = SampleRows();
  std::vector<double> out(rows.size() / model.signature().features.size());
  core::Status status = model.Predict(rows, out, nullptr);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

std::vector<uint64_t> Bits(const std::vector<double>& values) {
  std::vector<uint64_t> bits;
  for (double value : values) bits.push_back(std::bit_cast<uint64_t>(value));
  return bits;
}

VersionDraft MakeDraft() {
  VersionDraft draft;
  draft.algorithm = "linear_regression";
  draft.metrics = {{"rmse", 0.1}, {"r2", 1.0 / 3.0}};
  draft.params = {{"l2", 0.5}};
  draft.dataset_id = "ds_0123456789abcdef";
  draft.dataset_sha256 = std::string(64, 'd');
  draft.job_id = "job_0123456789abcdef";
  return draft;
}

struct Published {
  storage::ModelRecord model;
  storage::VersionRecord version;
};

class ModelRegistryTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    sqlite_ = std::move(opened).value();
    metadata_ = std::make_unique<storage::FaultInjectingMetadataStore>(*sqlite_);
    registry_ = std::make_unique<ModelRegistry>(*metadata_, faulty_, clock_);
  }

  std::unique_ptr<storage::SqliteMetadataStore> sqlite_;
  std::unique_ptr<storage::FaultInjectingMetadataStore> metadata_;
  storage::InMemoryArtifactStore memory_;
  storage::FaultInjectingArtifactStore faulty_{memory_};
  core::FakeClock clock_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_F(ModelRegistryTest, PublishingTwiceGivesVersionsOneAndTwoOfOneModel) {
  auto model = MakeModel();
  core::Result<storage::VersionRecord> first = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  clock_.AdvanceMicros(1000);
  core::Result<storage::VersionRecord> second = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(second->version, 2);
  EXPECT_EQ(first->model_id, second->model_id);
  EXPECT_TRUE(core::LooksLikeId(first->model_id, "mdl")) << first->model_id;
  EXPECT_NE(first->artifact_key, second->artifact_key);
  EXPECT_EQ(second->created_at_micros, first->created_at_micros + 1000);

  core::Result<std::vector<storage::VersionRecord>> versions = registry_->ListVersions(first->model_id);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].version, 2);
  core::Result<storage::VersionRecord> latest = registry_->GetLatestVersion(first->model_id);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->artifact_key, second->artifact_key);
  core::Result<storage::VersionRecord> got = registry_->GetVersion(first->model_id, 1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->artifact_key, first->artifact_key);
}

TEST_F(ModelRegistryTest, PublishedVersionRecordsTheModelDraftAndChecksum) {
  auto model = MakeModel();
  const int64_t now = clock_.NowMicros();
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(version->created_at_micros, now);
  EXPECT_EQ(version->algorithm, "linear_regression");
  EXPECT_EQ(version->task, "regression");
  EXPECT_EQ(version->target, "price");
  EXPECT_THAT(version->features, ElementsAre(storage::FeatureField{"area", data::ColumnType::kNumeric},
                                             storage::FeatureField{"rooms", data::ColumnType::kInteger},
                                             storage::FeatureField{"garden", data::ColumnType::kBoolean},
                                             storage::FeatureField{"city", data::ColumnType::kCategorical}));
  EXPECT_EQ(version->metrics, MakeDraft().metrics);
  EXPECT_EQ(version->params, MakeDraft().params);
  EXPECT_EQ(version->dataset_id, "ds_0123456789abcdef");
  EXPECT_EQ(version->dataset_sha256, std::string(64, 'd'));
  EXPECT_EQ(version->job_id, "job_0123456789abcdef");
  EXPECT_THAT(version->artifact_key, StartsWith("models/" + version->model_id + "/"));
  EXPECT_TRUE(storage::ValidateArtifactKey(version->artifact_key).ok());

  core::Result<std::string> bytes = memory_.Get(version->artifact_key);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(version->artifact_sha256, storage::Sha256Hex(*bytes));
  EXPECT_EQ(version->artifact_size_bytes, static_cast<int64_t>(bytes->size()));

  // What the store holds is what PublishVersion returned.
  core::Result<storage::VersionRecord> stored = registry_->GetVersion(version->model_id, 1);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->artifact_sha256, version->artifact_sha256);
  EXPECT_EQ(stored->features, version->features);
  EXPECT_EQ(stored->metrics, version->metrics);
  // The model's feature importance is recorded with the version, one entry per feature, most important first.
  EXPECT_EQ(version->feature_importance, model->FeatureImportance());
  EXPECT_EQ(version->feature_importance.size(), 4u);
  EXPECT_EQ(stored->feature_importance, version->feature_importance);
}

// Holdout metrics can be non-finite (an RMSE that overflowed); the version must still be recorded and readable.
TEST_F(ModelRegistryTest, NonFiniteMetricsAreRecordedAndReadBack) {
  VersionDraft draft = MakeDraft();
  draft.metrics = {{"rmse", std::numeric_limits<double>::infinity()}, {"r2", std::nan("")}};
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *MakeModel(), draft);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  core::Result<storage::VersionRecord> latest = registry_->GetLatestVersion(version->model_id);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->metrics.at("rmse"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(latest->metrics.at("r2")));
  core::Result<std::vector<ModelSummary>> models = registry_->ListModels();
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  EXPECT_EQ(models->size(), 1u);
}

TEST_F(ModelRegistryTest, FindModelByIdAndByName) {
  auto model = MakeModel();
  const int64_t created = clock_.NowMicros();
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(version.ok());
  core::Result<storage::ModelRecord> by_name = registry_->FindModel("houses");
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(by_name->id, version->model_id);
  EXPECT_EQ(by_name->name, "houses");
  EXPECT_EQ(by_name->created_at_micros, created);
  core::Result<storage::ModelRecord> by_id = registry_->FindModel(version->model_id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->name, "houses");
}

TEST_F(ModelRegistryTest, FindUnknownModelIsNotFound) {
  for (std::string_view ref : {"nope", "mdl_0000000000000000", "", "'; DROP TABLE models; --"}) {
    SCOPED_TRACE(ref);
    core::Result<storage::ModelRecord> found = registry_->FindModel(ref);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.status().code(), core::StatusCode::kNotFound);
  }
}

TEST_F(ModelRegistryTest, NameShapedLikeAnIdIsFoundByName) {
  auto model = MakeModel();
  ASSERT_TRUE(registry_->PublishVersion("mdl_0123456789abcdef", *model, MakeDraft()).ok());
  core::Result<storage::ModelRecord> found = registry_->FindModel("mdl_0123456789abcdef");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->name, "mdl_0123456789abcdef");
  EXPECT_NE(found->id, "mdl_0123456789abcdef");
}

TEST_F(ModelRegistryTest, ModelsAreVersionedIndependently) {
  auto model = MakeModel();
  EXPECT_EQ(registry_->PublishVersion("a", *model, MakeDraft())->version, 1);
  EXPECT_EQ(registry_->PublishVersion("b", *model, MakeDraft())->version, 1);
  EXPECT_EQ(registry_->PublishVersion("a", *model, MakeDraft())->version, 2);
  core::Result<std::vector<ModelSummary>> models = registry_->ListModels();
  ASSERT_TRUE(models.ok());
  ASSERT_EQ(models->size(), 2u);
  for (const ModelSummary& summary : *models) {
    ASSERT_TRUE(summary.latest.has_value());
    EXPECT_EQ(summary.latest->version, summary.model.name == "a" ? 2 : 1) << summary.model.name;
  }
}

TEST_F(ModelRegistryTest, ListenersAreCalledWithTheNewVersion) {
  struct Call {
    std::string model_id;
    std::string model_name;
    int64_t version;
    std::string artifact_key;
  };
  std::vector<Call> calls;
  int second_listener_calls = 0;
  registry_->AddVersionListener([&](const storage::ModelRecord& model, const storage::VersionRecord& version) {
    calls.push_back({model.id, model.name, version.version, version.artifact_key});
    // The version is already recorded when listeners hear of it.
    EXPECT_TRUE(registry_->GetVersion(model.id, version.version).ok());
  });
  registry_->AddVersionListener(
      [&](const storage::ModelRecord&, const storage::VersionRecord&) { ++second_listener_calls; });
  auto model = MakeModel();
  core::Result<storage::VersionRecord> first = registry_->PublishVersion("houses", *model, MakeDraft());
  core::Result<storage::VersionRecord> second = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].model_id, first->model_id);
  EXPECT_EQ(calls[0].model_name, "houses");
  EXPECT_EQ(calls[0].version, 1);
  EXPECT_EQ(calls[0].artifact_key, first->artifact_key);
  EXPECT_EQ(calls[1].version, 2);
  EXPECT_EQ(calls[1].artifact_key, second->artifact_key);
  EXPECT_EQ(second_listener_calls, 2);
}

TEST_F(ModelRegistryTest, LoadedModelPredictsBitForBitLikeTheOriginal) {
  auto model = MakeModel();
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(version.ok());
  core::Result<std::shared_ptr<const ml::Model>> loaded = registry_->LoadModel(*version);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->algorithm(), "linear_regression");
  EXPECT_EQ((*loaded)->signature(), model->signature());
  std::vector<double> want = PredictSamples(*model);
  std::vector<double> got = PredictSamples(**loaded);
  EXPECT_EQ(Bits(got), Bits(want));
  // Parameters too, to the last bit.
  auto want_params = model->Parameters();
  auto got_params = (*loaded)->Parameters();
  ASSERT_EQ(got_params.size(), want_params.size());
  for (size_t idx = 0; idx < want_params.size(); ++idx) {
    EXPECT_EQ(got_params[idx].first, want_params[idx].first);
    EXPECT_EQ(std::bit_cast<uint64_t>(got_params[idx].second), std::bit_cast<uint64_t>(want_params[idx].second))
        << want_params[idx].first;
  }
}

TEST_F(ModelRegistryTest, EachVersionLoadsItsOwnModel) {
  core::Result<storage::VersionRecord> first = registry_->PublishVersion("houses", *MakeModel(1.0), MakeDraft());
  core::Result<storage::VersionRecord> second = registry_->PublishVersion("houses", *MakeModel(2.0), MakeDraft());
  ASSERT_TRUE(first.ok() && second.ok());
  auto loaded_first = registry_->LoadModel(*first);
  auto loaded_second = registry_->LoadModel(*second);
  ASSERT_TRUE(loaded_first.ok() && loaded_second.ok());
  EXPECT_EQ(Bits(PredictSamples(**loaded_first)), Bits(PredictSamples(*MakeModel(1.0))));
  EXPECT_EQ(Bits(PredictSamples(**loaded_second)), Bits(PredictSamples(*MakeModel(2.0))));
}

TEST_F(ModelRegistryTest, CorruptReadIsDataLoss) {
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_TRUE(version.ok());
  faulty_.CorruptReads(true);
  core::Result<std::shared_ptr<const ml::Model>> loaded = registry_->LoadModel(*version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), core::StatusCode::kDataLoss) << loaded.status().ToString();
  faulty_.CorruptReads(false);
  EXPECT_TRUE(registry_->LoadModel(*version).ok());
}

TEST_F(ModelRegistryTest, TornWriteIsCaughtAtLoadAsDataLoss) {
  faulty_.ShortenWrites(true);
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_TRUE(version.ok()) << version.status().ToString();  // the store lied about the write
  core::Result<std::shared_ptr<const ml::Model>> loaded = registry_->LoadModel(*version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), core::StatusCode::kDataLoss);
}

TEST_F(ModelRegistryTest, MissingArtifactIsNotFound) {
  core::Result<storage::VersionRecord> version = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(memory_.Delete(version->artifact_key).ok());
  EXPECT_EQ(registry_->LoadModel(*version).status().code(), core::StatusCode::kNotFound);
}

TEST_F(ModelRegistryTest, FailedArtifactWriteRecordsNoVersionAndNotifiesNobody) {
  int notified = 0;
  registry_->AddVersionListener([&](const storage::ModelRecord&, const storage::VersionRecord&) { ++notified; });
  faulty_.FailNthWrite(1);
  core::Result<storage::VersionRecord> failed = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("storing the model artifact"));
  EXPECT_EQ(notified, 0);
  EXPECT_EQ(memory_.size(), 0u);

  core::Result<storage::ModelRecord> model = registry_->FindModel("houses");
  if (model.ok()) {  // the model row may exist; a version row must not
    EXPECT_EQ(registry_->GetLatestVersion(model->id).status().code(), core::StatusCode::kNotFound);
    EXPECT_THAT(*registry_->ListVersions(model->id), IsEmpty());
  }
  // The next publish is version 1, not 2.
  core::Result<storage::VersionRecord> next = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->version, 1);
  EXPECT_EQ(notified, 1);
}

TEST_F(ModelRegistryTest, TheTrainingProfileIsStoredBesideTheArtifact) {
  VersionDraft draft = MakeDraft();
  draft.profile_json = R"({"format": "amp-training-profile-1"})";
  core::Result<storage::VersionRecord> with_profile = registry_->PublishVersion("houses", *MakeModel(), draft);
  ASSERT_TRUE(with_profile.ok()) << with_profile.status().ToString();
  core::Result<std::string> profile = registry_->ReadProfile(*with_profile);
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(*profile, draft.profile_json);

  core::Result<storage::VersionRecord> without = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(registry_->ReadProfile(*without).status().code(), core::StatusCode::kNotFound);

  // A profile that cannot be stored fails the publish and leaves nothing behind.
  const size_t stored = memory_.size();
  faulty_.FailNthWrite(2);
  core::Result<storage::VersionRecord> failed = registry_->PublishVersion("houses", *MakeModel(), draft);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("storing the training profile"));
  EXPECT_EQ(memory_.size(), stored);
  EXPECT_EQ(registry_->GetLatestVersion(with_profile->model_id)->version, 2);
}

TEST_F(ModelRegistryTest, FailedVersionRecordDeletesTheArtifact) {
  int notified = 0;
  registry_->AddVersionListener([&](const storage::ModelRecord&, const storage::VersionRecord&) { ++notified; });
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kAddVersion, true);
  core::Result<storage::VersionRecord> failed = registry_->PublishVersion("houses", *MakeModel(), MakeDraft());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(memory_.size(), 0u);  // no orphaned artifact
  EXPECT_EQ(notified, 0);
}

TEST_F(ModelRegistryTest, ModelWithoutVersionIsListedWithoutLatest) {
  faulty_.FailNthWrite(1);
  ASSERT_FALSE(registry_->PublishVersion("empty", *MakeModel(), MakeDraft()).ok());
  ASSERT_TRUE(registry_->PublishVersion("full", *MakeModel(), MakeDraft()).ok());
  core::Result<std::vector<ModelSummary>> models = registry_->ListModels();
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  for (const ModelSummary& summary : *models) {
    if (summary.model.name == "full") {
      ASSERT_TRUE(summary.latest.has_value());
      EXPECT_EQ(summary.latest->version, 1);
    } else {
      EXPECT_EQ(summary.model.name, "empty");
      EXPECT_FALSE(summary.latest.has_value());
    }
  }
}

TEST_F(ModelRegistryTest, BadModelNameIsRejectedAndNothingIsStored) {
  int notified = 0;
  registry_->AddVersionListener([&](const storage::ModelRecord&, const storage::VersionRecord&) { ++notified; });
  for (std::string_view name : {"", "../x", "a/b", "-leading-dash", "'; DROP TABLE models; --"}) {
    SCOPED_TRACE(name);
    core::Result<storage::VersionRecord> version = registry_->PublishVersion(name, *MakeModel(), MakeDraft());
    ASSERT_FALSE(version.ok());
    EXPECT_EQ(version.status().code(), core::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(notified, 0);
  EXPECT_EQ(memory_.size(), 0u);
  EXPECT_THAT(*registry_->ListModels(), IsEmpty());
}

TEST_F(ModelRegistryTest, ConcurrentFirstPublishesShareOneModel) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5;
  auto model = MakeModel();
  std::vector<std::vector<int64_t>> numbers(kThreads);
  std::vector<std::string> model_ids(kThreads);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < kPerThread; ++round) {
        auto version = registry_->PublishVersion("shared", *model, MakeDraft());
        numbers[static_cast<size_t>(thread_idx)].push_back(version.ok() ? version->version : -1);
        if (version.ok()) model_ids[static_cast<size_t>(thread_idx)] = version->model_id;
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
  for (const std::string& model_id : model_ids) EXPECT_EQ(model_id, model_ids[0]);
  EXPECT_EQ(registry_->ListModels()->size(), 1u);
}

// The same publish/load cycle against the real stores on disk.
TEST(ModelRegistryOnDiskTest, PublishAndLoadThroughFiles) {
  TempDir temp;
  auto metadata = storage::SqliteMetadataStore::Open((temp.path() / "meta.db").string());
  ASSERT_TRUE(metadata.ok());
  auto artifacts = storage::LocalArtifactStore::Open(temp.path() / "artifacts");
  ASSERT_TRUE(artifacts.ok());
  core::FakeClock clock;
  auto model = MakeModel();
  storage::VersionRecord version;
  {
    ModelRegistry registry(**metadata, **artifacts, clock);
    auto published = registry.PublishVersion("houses", *model, MakeDraft());
    ASSERT_TRUE(published.ok()) << published.status().ToString();
    version = *published;
    EXPECT_TRUE(fs::is_regular_file(temp.path() / "artifacts" / version.artifact_key));
  }
  // A fresh registry over reopened stores (a restart) still finds and loads it.
  metadata->reset();
  auto reopened = storage::SqliteMetadataStore::Open((temp.path() / "meta.db").string());
  ASSERT_TRUE(reopened.ok());
  ModelRegistry registry(**reopened, **artifacts, clock);
  auto found = registry.FindModel("houses");
  ASSERT_TRUE(found.ok());
  auto latest = registry.GetLatestVersion(found->id);
  ASSERT_TRUE(latest.ok());
  auto loaded = registry.LoadModel(*latest);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(Bits(PredictSamples(**loaded)), Bits(PredictSamples(*model)));
}

// ---- ValidateModelName: a pure rule, tested with a table. ----

struct NameCase {
  std::string label;
  std::string name;
  bool valid;
};
// How gtest prints a case (in --gtest_list_tests and failures): its label and name, not the struct's bytes.
void PrintTo(const NameCase& name_case, std::ostream* out) {
  *out << name_case.label << ": " << testing::PrintToString(name_case.name)
       << (name_case.valid ? " valid" : " invalid");
}

class ValidateModelNameTest : public testing::TestWithParam<NameCase> {};

TEST_P(ValidateModelNameTest, Decides) {
  core::Status status = ValidateModelName(GetParam().name);
  if (GetParam().valid) {
    EXPECT_TRUE(status.ok()) << status.ToString();
  } else {
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument) << "'" << GetParam().name << "' was accepted";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidateModelNameTest,
    testing::Values(NameCase{"Simple", "houses", true}, NameCase{"Digits", "2024", true},
                    NameCase{"DigitFirst", "1st-model", true}, NameCase{"Spaces", "house prices v2", true},
                    NameCase{"Punctuation", "a.b_c-d", true}, NameCase{"UpperCase", "Houses", true},
                    NameCase{"OneChar", "x", true}, NameCase{"Max128", std::string(128, 'm'), true},
                    NameCase{"Empty", "", false}, NameCase{"TooLong129", std::string(129, 'm'), false},
                    NameCase{"TooLong200", std::string(200, 'm'), false}, NameCase{"LeadingSpace", " x", false},
                    NameCase{"LeadingDot", ".x", false}, NameCase{"LeadingDash", "-x", false},
                    NameCase{"LeadingUnderscore", "_x", false}, NameCase{"DotDot", "..", false},
                    NameCase{"Traversal", "../x", false}, NameCase{"Slash", "a/b", false},
                    NameCase{"Backslash", "a\\b", false}, NameCase{"Quote", "o'brien", false},
                    NameCase{"Semicolon", "a;b", false}, NameCase{"SqlInjection", "x'; DROP TABLE models; --", false},
                    NameCase{"Tab", "a\tb", false}, NameCase{"Newline", "a\nb", false},
                    NameCase{"Nul", std::string("a\0b", 3), false}, NameCase{"NonAscii", "caf\xc3\xa9", false},
                    NameCase{"Percent", "50%", false}),
    [](const testing::TestParamInfo<NameCase>& info) { return info.param.label; });

VersionDraft DraftOn(const std::string& dataset_id) {
  VersionDraft draft = MakeDraft();
  draft.dataset_id = dataset_id;
  return draft;
}

TEST_F(ModelRegistryTest, DeleteModelRemovesRecordsAliasesArtifactsAndTellsListeners) {
  auto model = MakeModel();
  auto first = registry_->PublishVersion("houses", *model, MakeDraft());
  auto second = registry_->PublishVersion("houses", *model, MakeDraft());
  auto other = registry_->PublishVersion("flats", *model, MakeDraft());
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  ASSERT_TRUE(registry_->SetAlias("houses", "production", 1, "test").ok());
  std::vector<std::string> told;
  registry_->AddModelDeletionListener([&told](const storage::ModelRecord& deleted) { told.push_back(deleted.name); });

  // A failed store write changes nothing.
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kDelete, true);
  EXPECT_FALSE(registry_->DeleteModel("houses").ok());
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kDelete, false);
  EXPECT_TRUE(registry_->FindModel("houses").ok());
  EXPECT_TRUE(told.empty());
  EXPECT_TRUE(memory_.Get(first->artifact_key).ok());

  ASSERT_TRUE(registry_->DeleteModel("houses").ok());
  EXPECT_EQ(told, std::vector<std::string>{"houses"});
  EXPECT_EQ(registry_->FindModel("houses").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(registry_->FindModel(first->model_id).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(memory_.Get(first->artifact_key).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(memory_.Get(second->artifact_key).status().code(), core::StatusCode::kNotFound);
  auto aliases = registry_->ListAliases(first->model_id);
  ASSERT_TRUE(aliases.ok());
  EXPECT_TRUE(aliases->empty());
  auto events = registry_->ListAliasEvents(first->model_id);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  // The other model is untouched, and the name can be used again for a new model.
  EXPECT_TRUE(memory_.Get(other->artifact_key).ok());
  auto reborn = registry_->PublishVersion("houses", *model, MakeDraft());
  ASSERT_TRUE(reborn.ok());
  EXPECT_EQ(reborn->version, 1);
  EXPECT_NE(reborn->model_id, first->model_id);
  EXPECT_EQ(registry_->DeleteModel("no-such-model").code(), core::StatusCode::kNotFound);
}

TEST_F(ModelRegistryTest, DeletingADatasetCascadesOnlyWhenAsked) {
  core::TempDir temp("amp_registry_test");
  DatasetCatalog catalog(*metadata_, faulty_, clock_);
  auto ingest = [&](const std::string& name) {
    std::filesystem::path upload = temp.path() / (name + ".csv");
    std::ofstream(upload) << "x,y\n1,2\n2,4\n";
    auto dataset = catalog.Ingest(name, upload);
    EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
    return *dataset;
  };
  storage::DatasetRecord doomed = ingest("doomed");
  storage::DatasetRecord kept = ingest("kept");
  auto model = MakeModel();
  ASSERT_TRUE(registry_->PublishVersion("a", *model, DraftOn(doomed.id)).ok());
  ASSERT_TRUE(registry_->PublishVersion("b", *model, DraftOn(kept.id)).ok());
  ASSERT_TRUE(registry_->PublishVersion("b", *model, DraftOn(doomed.id)).ok());
  ASSERT_TRUE(registry_->PublishVersion("c", *model, DraftOn(kept.id)).ok());

  auto trained_on = registry_->ModelsTrainedOn(doomed.id);
  ASSERT_TRUE(trained_on.ok());
  ASSERT_EQ(trained_on->size(), 2u);

  // Without cascade: the dataset and its file go, the models stay and are named.
  auto plain = DeleteDataset(catalog, *registry_, kept.id, false);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE(plain->deleted_models.empty());
  ASSERT_EQ(plain->kept_models.size(), 2u);
  EXPECT_EQ(catalog.Get(kept.id).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(memory_.Get(kept.artifact_key).status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(registry_->FindModel("c").ok());

  // A failing model deletion leaves the dataset in place, so the call can be repeated.
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kDelete, true);
  EXPECT_FALSE(DeleteDataset(catalog, *registry_, doomed.id, true).ok());
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kDelete, false);
  EXPECT_TRUE(catalog.Get(doomed.id).ok());
  EXPECT_TRUE(memory_.Get(doomed.artifact_key).ok());

  auto cascaded = DeleteDataset(catalog, *registry_, doomed.id, true);
  ASSERT_TRUE(cascaded.ok()) << cascaded.status().ToString();
  std::vector<std::string> deleted_names;
  for (const storage::ModelRecord& deleted : cascaded->deleted_models) deleted_names.push_back(deleted.name);
  std::sort(deleted_names.begin(), deleted_names.end());
  EXPECT_THAT(deleted_names, ElementsAre("a", "b"));
  EXPECT_EQ(registry_->FindModel("a").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(registry_->FindModel("b").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(registry_->FindModel("c").ok());
  EXPECT_EQ(catalog.Get(doomed.id).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(memory_.Get(doomed.artifact_key).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(DeleteDataset(catalog, *registry_, doomed.id, true).status().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace amp::registry
