#include "serving/model_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "ml/linear/linear_model.h"
#include "ml/pipeline.h"
#include "monitoring/monitoring_service.h"
#include "storage/fault_injecting_artifact_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::serving {
namespace {

constexpr double kSlope = 0.5;
constexpr double kProbe = 2.0;  // the input every test predicts on: prediction = intercept + kSlope * kProbe

// y = intercept + 0.5 * x over one numeric feature "x" (no scaling), so the prediction tells which model answered.
std::shared_ptr<const ml::LinearModel> MakeModel(double intercept) {
  ml::ModelSignature signature;
  signature.target = "y";
  signature.features = {{"x", data::ColumnType::kNumeric}};
  ml::FeatureTransform transform;
  transform.feature = signature.features[0];
  transform.impute_value = 0.0;
  transform.center = 0.0;
  transform.scale = 1.0;
  ml::LinearSolution solution;
  solution.weights = {kSlope};
  solution.intercept = intercept;
  auto model = ml::LinearModel::Create(signature, ml::Pipeline({transform}), std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

double ExpectedPrediction(int64_t version) { return static_cast<double>(version) + kSlope * kProbe; }

// Predicts on kProbe with the handle's model; NaN on error.
double PredictProbe(const ServableHandle& handle) {
  ml::FeatureValue row[] = {ml::FeatureValue::Number(kProbe)};
  double out[1] = {0.0};
  if (!handle->predictor->Predict(row, out, nullptr).ok()) return std::nan("");
  return out[0];
}

registry::VersionDraft Draft() {
  registry::VersionDraft draft;
  draft.algorithm = "linear_regression";
  return draft;
}

class ModelManagerTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { core::SetMinLogLevel(core::LogLevel::kWarning); }

  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    metadata_ = std::move(opened).value();
    registry_ = std::make_unique<registry::ModelRegistry>(*metadata_, faulty_, clock_);
    manager_ = std::make_unique<ModelManager>(*registry_);
  }

  void TearDown() override {
    // The registry keeps the manager's listener; nothing publishes after this point.
    manager_.reset();
  }

  // Publishes the next version of `name` with intercept equal to that version's number.
  storage::VersionRecord Publish(const std::string& name) {
    int64_t next = 1;
    if (auto model = registry_->FindModel(name); model.ok()) {
      if (auto latest = registry_->GetLatestVersion(model->id); latest.ok()) next = latest->version + 1;
    }
    auto version = registry_->PublishVersion(name, *MakeModel(static_cast<double>(next)), Draft());
    EXPECT_TRUE(version.ok()) << version.status().ToString();
    if (!version.ok()) return {};
    EXPECT_EQ(version->version, next);
    clock_.AdvanceMicros(1);
    return *version;
  }

  std::unique_ptr<storage::SqliteMetadataStore> metadata_;
  storage::InMemoryArtifactStore memory_;
  storage::FaultInjectingArtifactStore faulty_{memory_};
  core::FakeClock clock_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<ModelManager> manager_;
};

TEST_F(ModelManagerTest, LoadedVersionsCarryTheirMonitorWithTheStoredProfile) {
  monitoring::MonitoringService monitoring(*registry_, memory_, clock_, monitoring::MonitoringOptions{}, nullptr);
  ModelManagerOptions options;
  options.attach_monitor = [&monitoring](const storage::ModelRecord& model, const storage::VersionRecord& version,
                                         const ml::Model& predictor) {
    return monitoring.Attach(model, version, predictor.signature());
  };
  manager_ = std::make_unique<ModelManager>(*registry_, options);
  auto model = MakeModel(1.0);
  std::vector<ml::FeatureValue> rows;
  for (int row_idx = 0; row_idx < 50; ++row_idx) rows.push_back(ml::FeatureValue::Number(row_idx));
  std::vector<double> predictions(rows.size());
  ASSERT_TRUE(model->Predict(rows, predictions, nullptr).ok());
  registry::VersionDraft draft = Draft();
  draft.profile_json = monitoring::EncodeTrainingProfile(
      monitoring::BuildTrainingProfile(model->signature(), rows, rows.size(), predictions));
  ASSERT_TRUE(registry_->PublishVersion("houses", *model, draft).ok());

  auto served = manager_->Resolve("houses");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  ASSERT_TRUE((*served)->monitor);
  EXPECT_TRUE((*served)->monitor->has_profile());
  EXPECT_EQ(monitoring.Find((*served)->model.id, 1), (*served)->monitor);
  auto profile = registry_->ReadProfile((*served)->version);
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(*profile, draft.profile_json);
  manager_.reset();
}

TEST_F(ModelManagerTest, ResolveByNameAndByIdLoadsLazilyOnce) {
  storage::VersionRecord published = Publish("houses");
  EXPECT_EQ(manager_->stats().loads, 0);  // not listening: nothing loads until asked
  EXPECT_EQ(manager_->stats().loaded_versions, 0);

  core::Result<ServableHandle> by_name = manager_->Resolve("houses");
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ((*by_name)->version.version, 1);
  EXPECT_EQ((*by_name)->model.name, "houses");
  EXPECT_EQ((*by_name)->model.id, published.model_id);
  EXPECT_EQ(PredictProbe(*by_name), ExpectedPrediction(1));
  EXPECT_EQ(manager_->stats().loads, 1);
  EXPECT_EQ(manager_->stats().loaded_versions, 1);

  core::Result<ServableHandle> by_id = manager_->Resolve(published.model_id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->get(), by_name->get());  // the same servable, not a second load
  EXPECT_EQ(manager_->stats().loads, 1);
}

TEST_F(ModelManagerTest, ResolveByIdFirstAlsoLoadsLazily) {
  storage::VersionRecord published = Publish("houses");
  core::Result<ServableHandle> by_id = manager_->Resolve(published.model_id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  core::Result<ServableHandle> by_name = manager_->Resolve("houses");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_id->get(), by_name->get());
  EXPECT_EQ(manager_->stats().loads, 1);
}

TEST_F(ModelManagerTest, LazyResolveServesTheLatestVersion) {
  Publish("houses");
  Publish("houses");
  Publish("houses");
  core::Result<ServableHandle> served = manager_->Resolve("houses");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ((*served)->version.version, 3);
  EXPECT_EQ(PredictProbe(*served), ExpectedPrediction(3));
}

TEST_F(ModelManagerTest, PublishedVersionSwapsInWhileOldHandlesStayUsable) {
  manager_->ListenToRegistry();
  Publish("houses");
  EXPECT_EQ(manager_->stats().loads, 1);  // loaded on publish, off the request path
  core::Result<ServableHandle> first = manager_->Resolve("houses");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ((*first)->version.version, 1);
  ServableHandle old_handle = *first;

  Publish("houses");
  core::Result<ServableHandle> second = manager_->Resolve("houses");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->version.version, 2);
  EXPECT_EQ(PredictProbe(*second), ExpectedPrediction(2));
  EXPECT_EQ(manager_->stats().loads, 2);

  // A request that took version 1 before the swap finishes on version 1.
  EXPECT_EQ(old_handle->version.version, 1);
  EXPECT_EQ(PredictProbe(old_handle), ExpectedPrediction(1));

  // Once the last request lets go, version 1 is freed: the manager itself no longer holds it.
  std::weak_ptr<const Servable> watcher = old_handle;
  first = core::NotFound("dropped");
  old_handle.reset();
  EXPECT_TRUE(watcher.expired());
}

TEST_F(ModelManagerTest, VersionThatFailsToLoadNeverReplacesTheServedOne) {
  manager_->ListenToRegistry();
  Publish("houses");
  Publish("houses");
  ASSERT_EQ((*manager_->Resolve("houses"))->version.version, 2);
  EXPECT_EQ(manager_->stats().load_failures, 0);

  faulty_.CorruptReads(true);  // only while the listener loads version 3
  Publish("houses");
  faulty_.CorruptReads(false);

  EXPECT_EQ(manager_->stats().load_failures, 1);
  EXPECT_EQ(manager_->stats().loads, 2);
  core::Result<ServableHandle> served = manager_->Resolve("houses");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ((*served)->version.version, 2);
  EXPECT_EQ(PredictProbe(*served), ExpectedPrediction(2));

  // A later good version is still picked up.
  Publish("houses");
  served = manager_->Resolve("houses");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ((*served)->version.version, 4);
  EXPECT_EQ(PredictProbe(*served), ExpectedPrediction(4));
  EXPECT_EQ(manager_->stats().load_failures, 1);
}

TEST_F(ModelManagerTest, LazyLoadFailureIsReportedAndCounted) {
  Publish("houses");
  faulty_.CorruptReads(true);
  core::Result<ServableHandle> failed = manager_->Resolve("houses");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), core::StatusCode::kDataLoss) << failed.status().ToString();
  EXPECT_EQ(manager_->stats().load_failures, 1);
  EXPECT_EQ(manager_->stats().loaded_versions, 0);

  faulty_.CorruptReads(false);
  core::Result<ServableHandle> served = manager_->Resolve("houses");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ((*served)->version.version, 1);
}

TEST_F(ModelManagerTest, ResolveVersionPinsAnOldVersion) {
  manager_->ListenToRegistry();
  storage::VersionRecord first = Publish("houses");
  Publish("houses");
  Publish("houses");

  core::Result<ServableHandle> pinned = manager_->ResolveVersion("houses", 1);
  ASSERT_TRUE(pinned.ok()) << pinned.status().ToString();
  EXPECT_EQ((*pinned)->version.version, 1);
  EXPECT_EQ((*pinned)->version.artifact_key, first.artifact_key);
  EXPECT_EQ(PredictProbe(*pinned), ExpectedPrediction(1));
  const int64_t loads_after_pin = manager_->stats().loads;

  // Pinned again (by id this time): the same servable, no new load.
  core::Result<ServableHandle> again = manager_->ResolveVersion(first.model_id, 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), pinned->get());
  EXPECT_EQ(manager_->stats().loads, loads_after_pin);

  // Pinning does not change what is served.
  EXPECT_EQ((*manager_->Resolve("houses"))->version.version, 3);
  // Asking for the served version by number gives the served handle.
  core::Result<ServableHandle> current = manager_->ResolveVersion("houses", 3);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->get(), manager_->Resolve("houses")->get());

  core::Result<ServableHandle> middle = manager_->ResolveVersion("houses", 2);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(PredictProbe(*middle), ExpectedPrediction(2));
  EXPECT_EQ(manager_->stats().loaded_versions, 3);  // one served + two pinned
}

TEST_F(ModelManagerTest, ResolveVersionThatDoesNotExistIsNotFound) {
  Publish("houses");
  for (int64_t version : {int64_t{0}, int64_t{-1}, int64_t{2}}) {
    SCOPED_TRACE(version);
    core::Result<ServableHandle> handle = manager_->ResolveVersion("houses", version);
    ASSERT_FALSE(handle.ok());
    EXPECT_EQ(handle.status().code(), core::StatusCode::kNotFound);
  }
}

TEST_F(ModelManagerTest, UnknownModelIsNotFound) {
  Publish("houses");
  for (std::string_view ref : {"nope", "mdl_0000000000000000", ""}) {
    SCOPED_TRACE(ref);
    EXPECT_EQ(manager_->Resolve(ref).status().code(), core::StatusCode::kNotFound);
    EXPECT_EQ(manager_->ResolveVersion(ref, 1).status().code(), core::StatusCode::kNotFound);
  }
  EXPECT_EQ(manager_->stats().loads, 0);
  EXPECT_EQ(manager_->stats().load_failures, 0);
}

TEST_F(ModelManagerTest, ModelWithoutVersionIsNotFound) {
  faulty_.FailNthWrite(1);  // the model row is created, its first version is not
  ASSERT_FALSE(registry_->PublishVersion("empty", *MakeModel(1), Draft()).ok());
  ASSERT_TRUE(registry_->FindModel("empty").ok());
  core::Result<ServableHandle> handle = manager_->Resolve("empty");
  ASSERT_FALSE(handle.ok());
  EXPECT_EQ(handle.status().code(), core::StatusCode::kNotFound);
  EXPECT_THAT(handle.status().message(), testing::HasSubstr("no published version"));
}

TEST_F(ModelManagerTest, ModelsAreServedIndependently) {
  manager_->ListenToRegistry();
  Publish("a");
  Publish("a");
  Publish("b");
  EXPECT_EQ((*manager_->Resolve("a"))->version.version, 2);
  EXPECT_EQ((*manager_->Resolve("b"))->version.version, 1);
  EXPECT_EQ((*manager_->Resolve("b"))->model.name, "b");
}

TEST_F(ModelManagerTest, LoadAllLoadsEveryLatestVersionUpFront) {
  Publish("a");
  Publish("a");
  Publish("b");
  faulty_.FailNthWrite(1);
  ASSERT_FALSE(registry_->PublishVersion("empty", *MakeModel(1), Draft()).ok());

  manager_->LoadAll();
  EXPECT_EQ(manager_->stats().loads, 2);
  EXPECT_EQ(manager_->stats().loaded_versions, 2);
  EXPECT_EQ(manager_->stats().load_failures, 0);
  EXPECT_EQ((*manager_->Resolve("a"))->version.version, 2);
  EXPECT_EQ((*manager_->Resolve("b"))->version.version, 1);
  EXPECT_EQ(manager_->stats().loads, 2);  // served from memory
}

TEST_F(ModelManagerTest, LoadAllSkipsModelsThatFailToLoad) {
  Publish("a");
  Publish("b");
  faulty_.CorruptReads(true);
  manager_->LoadAll();
  faulty_.CorruptReads(false);
  EXPECT_EQ(manager_->stats().load_failures, 2);
  EXPECT_EQ(manager_->stats().loaded_versions, 0);
  EXPECT_TRUE(manager_->Resolve("a").ok());  // the next request loads it
}

// Several first requests for a model nobody has loaded yet race down the cold path; all get the same version and
// afterwards one servable is served.
TEST_F(ModelManagerTest, ConcurrentColdResolvesAgree) {
  Publish("houses");
  Publish("houses");
  constexpr int kThreads = 4;
  std::vector<ServableHandle> handles(kThreads);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      auto handle = manager_->Resolve("houses");
      if (handle.ok()) handles[static_cast<size_t>(thread_idx)] = *handle;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const ServableHandle& handle : handles) {
    ASSERT_NE(handle, nullptr);
    EXPECT_EQ(handle->version.version, 2);
    EXPECT_EQ(PredictProbe(handle), ExpectedPrediction(2));
  }
  EXPECT_EQ(manager_->stats().loaded_versions, 1);
  ServableHandle served = *manager_->Resolve("houses");
  const int64_t loads = manager_->stats().loads;
  EXPECT_GE(loads, 1);
  EXPECT_LE(loads, kThreads);
  EXPECT_EQ(manager_->Resolve("houses")->get(), served.get());
  EXPECT_EQ(manager_->stats().loads, loads);
}

// Readers resolve and predict while versions are published and swapped in. Every prediction must come from the
// version its handle names, and a reader never goes back to an older version.
TEST_F(ModelManagerTest, ConcurrentResolveAndPredictDuringPublishes) {
  constexpr int kReaders = 4;
  constexpr int kVersions = 50;
  manager_->ListenToRegistry();
  storage::VersionRecord first = Publish("houses");

  std::atomic<bool> stop{false};
  std::atomic<int64_t> failures{0};
  std::atomic<int64_t> wrong_predictions{0};
  std::atomic<int64_t> went_backwards{0};
  std::atomic<int64_t> predictions{0};
  std::vector<std::thread> readers;
  for (int reader_idx = 0; reader_idx < kReaders; ++reader_idx) {
    readers.emplace_back([&, reader_idx] {
      int64_t last_version = 0;
      const std::string ref = reader_idx % 2 == 0 ? std::string("houses") : first.model_id;
      // At least a few rounds after the last publish, however the threads are scheduled.
      int rounds_after_stop = 0;
      while (rounds_after_stop < 3) {
        if (stop.load()) ++rounds_after_stop;
        core::Result<ServableHandle> handle = manager_->Resolve(ref);
        if (!handle.ok()) {
          ++failures;
          continue;
        }
        const int64_t version = (*handle)->version.version;
        if (version < last_version) ++went_backwards;
        last_version = version;
        ml::FeatureValue rows[] = {ml::FeatureValue::Number(kProbe), ml::FeatureValue::Number(kProbe)};
        double out[2] = {0.0, 0.0};
        if (!(*handle)->predictor->Predict(rows, out, nullptr).ok()) {
          ++failures;
          continue;
        }
        if (out[0] != ExpectedPrediction(version) || out[1] != ExpectedPrediction(version)) ++wrong_predictions;
        ++predictions;
      }
    });
  }

  for (int version = 2; version <= kVersions; ++version) Publish("houses");
  stop = true;
  for (std::thread& reader : readers) reader.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong_predictions.load(), 0);
  EXPECT_EQ(went_backwards.load(), 0);
  EXPECT_GE(predictions.load(), kReaders * 3);
  core::Result<ServableHandle> served = manager_->Resolve("houses");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ((*served)->version.version, kVersions);
  EXPECT_EQ(PredictProbe(*served), ExpectedPrediction(kVersions));
  EXPECT_EQ(manager_->stats().loads, kVersions);
  EXPECT_EQ(manager_->stats().load_failures, 0);
  EXPECT_EQ(manager_->stats().loaded_versions, 1);
}

}  // namespace
}  // namespace amp::serving

namespace amp::serving {
namespace {

class ModelManagerBudgetTest : public ModelManagerTest {
 protected:
  // A budget that holds exactly `models` one-feature models.
  void UseBudgetFor(int models) {
    const int64_t one_model = MakeModel(1.0)->MemoryBytes();
    ModelManagerOptions options;
    options.cache_bytes = one_model * models;
    manager_ = std::make_unique<ModelManager>(*registry_, options);
  }
};

TEST_F(ModelManagerBudgetTest, LeastRecentlyUsedModelIsEvictedAndReloadsOnDemand) {
  for (const char* name : {"a", "b", "c"}) Publish(name);
  UseBudgetFor(2);
  ASSERT_TRUE(manager_->Resolve("a").ok());
  ASSERT_TRUE(manager_->Resolve("b").ok());
  ASSERT_TRUE(manager_->Resolve("a").ok());  // "a" is now more recent than "b"
  EXPECT_EQ(manager_->stats().evictions, 0);
  ASSERT_TRUE(manager_->Resolve("c").ok());  // over budget: "b" goes
  ModelManagerStats stats = manager_->stats();
  EXPECT_EQ(stats.evictions, 1);
  EXPECT_EQ(stats.loaded_versions, 2);
  EXPECT_EQ(stats.loads, 3);
  ASSERT_TRUE(manager_->Resolve("a").ok());
  EXPECT_EQ(manager_->stats().loads, 3);  // still loaded
  auto b = manager_->Resolve("b");  // reloads, evicting the least recent ("c")
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(PredictProbe(*b), ExpectedPrediction(1));
  EXPECT_EQ(manager_->stats().loads, 4);
  EXPECT_EQ(manager_->stats().evictions, 2);
  EXPECT_LE(manager_->stats().loaded_bytes, MakeModel(1.0)->MemoryBytes() * 2);
}

TEST_F(ModelManagerBudgetTest, HandleToAnEvictedVersionStaysUsable) {
  Publish("a");
  Publish("b");
  UseBudgetFor(1);
  auto a = manager_->Resolve("a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(manager_->Resolve("b").ok());  // evicts "a"
  EXPECT_EQ(manager_->stats().evictions, 1);
  EXPECT_EQ(PredictProbe(*a), ExpectedPrediction(1));  // the request that held it finishes on it
}

TEST_F(ModelManagerBudgetTest, RoundRobinOverManyModelsAlwaysAnswersCorrectly) {
  constexpr int kModels = 12;
  for (int idx = 0; idx < kModels; ++idx) Publish("m" + std::to_string(idx));
  UseBudgetFor(3);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int thread_idx = 0; thread_idx < 3; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < 20; ++round) {
        for (int idx = 0; idx < kModels; ++idx) {
          auto handle = manager_->Resolve("m" + std::to_string((idx + thread_idx) % kModels));
          if (!handle.ok() || PredictProbe(*handle) != ExpectedPrediction(1)) ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  ModelManagerStats stats = manager_->stats();
  EXPECT_GT(stats.evictions, 0);
  EXPECT_LE(stats.loaded_versions, 3);
  EXPECT_EQ(stats.load_failures, 0);
}

}  // namespace
}  // namespace amp::serving

namespace amp::serving {
namespace {

TEST_F(ModelManagerTest, ProductionAliasDecidesTheServedVersionAndRollsBack) {
  manager_->ListenToRegistry();
  Publish("houses");
  Publish("houses");
  EXPECT_EQ(PredictProbe(*manager_->Resolve("houses")), ExpectedPrediction(2));  // latest while no alias
  ASSERT_TRUE(registry_->SetAlias("houses", "production", 1, "tester").ok());
  EXPECT_EQ(PredictProbe(*manager_->Resolve("houses")), ExpectedPrediction(1));  // rolled back
  Publish("houses");  // a new version does not displace the aliased one
  EXPECT_EQ((*manager_->Resolve("houses"))->version.version, 1);
  ASSERT_TRUE(registry_->SetAlias("houses", "production", 3, "tester").ok());
  EXPECT_EQ((*manager_->Resolve("houses"))->version.version, 3);
  ASSERT_TRUE(registry_->DeleteAlias("houses", "production", "tester").ok());
  EXPECT_EQ((*manager_->Resolve("houses"))->version.version, 3);  // latest again
}

TEST_F(ModelManagerTest, ResolveAliasFollowsMovesAndLatestIsTheNewest) {
  manager_->ListenToRegistry();
  Publish("houses");
  Publish("houses");
  ASSERT_TRUE(registry_->SetAlias("houses", "staging", 1, "tester").ok());
  EXPECT_EQ((*manager_->ResolveAlias("houses", "staging"))->version.version, 1);
  ASSERT_TRUE(registry_->SetAlias("houses", "staging", 2, "tester").ok());
  EXPECT_EQ((*manager_->ResolveAlias("houses", "staging"))->version.version, 2);
  EXPECT_EQ((*manager_->ResolveAlias("houses", "latest"))->version.version, 2);
  EXPECT_EQ(manager_->ResolveAlias("houses", "canary").status().code(), core::StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, AfterARestartTheAliasedVersionIsServed) {
  Publish("houses");
  Publish("houses");
  ASSERT_TRUE(registry_->SetAlias("houses", "production", 1, "tester").ok());
  ModelManager fresh(*registry_);  // as after a restart: nothing loaded
  EXPECT_EQ((*fresh.Resolve("houses"))->version.version, 1);
}

TEST_F(ModelManagerTest, AliasMovesUnderConcurrentLoadNeverFailARequest) {
  manager_->ListenToRegistry();
  Publish("houses");
  Publish("houses");
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> answered{0};
  std::vector<std::thread> readers;
  for (int thread_idx = 0; thread_idx < 3; ++thread_idx) {
    readers.emplace_back([&] {
      while (!stop) {
        auto handle = manager_->Resolve("houses");
        if (!handle.ok() || PredictProbe(*handle) != ExpectedPrediction((*handle)->version.version)) ++failures;
        ++answered;
      }
    });
  }
  for (int move = 0; move < 100; ++move) {
    ASSERT_TRUE(registry_->SetAlias("houses", "production", 1 + move % 2, "tester").ok());
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(answered.load(), 0);
  EXPECT_EQ((*manager_->Resolve("houses"))->version.version, 2);  // the last move (move 99 -> version 2)
}

// Another replica shares the stores: its registry publishes, moves aliases and deletes, and this manager only learns
// of it through Refresh (which the change feed calls).
TEST_F(ModelManagerTest, RefreshFollowsChangesMadeThroughAnotherRegistry) {
  manager_->ListenToRegistry();
  registry::ModelRegistry other(*metadata_, faulty_, clock_);
  auto publish_elsewhere = [&](int64_t version) {
    auto published = other.PublishVersion("m", *MakeModel(static_cast<double>(version)), Draft());
    ASSERT_TRUE(published.ok()) << published.status().ToString();
    ASSERT_EQ(published->version, version);
    clock_.AdvanceMicros(1);
  };
  publish_elsewhere(1);
  auto served = manager_->Resolve("m");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ((*served)->version.version, 1);

  publish_elsewhere(2);
  EXPECT_EQ((*manager_->Resolve("m"))->version.version, 1);  // not told yet
  manager_->Refresh();
  served = manager_->Resolve("m");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ((*served)->version.version, 2);
  EXPECT_DOUBLE_EQ(PredictProbe(*served), ExpectedPrediction(2));

  // A rollback through the other replica, and a cached alias that moves.
  ASSERT_TRUE(other.SetAlias("m", "production", 1, "test").ok());
  ASSERT_TRUE(other.SetAlias("m", "staging", 2, "test").ok());
  EXPECT_EQ((*manager_->ResolveAlias("m", "staging"))->version.version, 2);  // cached now
  manager_->Refresh();
  EXPECT_EQ((*manager_->Resolve("m"))->version.version, 1);
  ASSERT_TRUE(other.SetAlias("m", "staging", 1, "test").ok());
  manager_->Refresh();
  EXPECT_EQ((*manager_->ResolveAlias("m", "staging"))->version.version, 1);

  // A pinned version deleted elsewhere is dropped; so is a deleted model.
  EXPECT_EQ((*manager_->ResolveVersion("m", 2))->version.version, 2);
  ASSERT_TRUE(other.DeleteAlias("m", "staging", "test").ok());
  ASSERT_TRUE(other.SetAlias("m", "production", 1, "test").ok());
  ASSERT_TRUE(other.DeleteVersion("m", 2).ok());
  manager_->Refresh();
  EXPECT_FALSE(manager_->HeldVersions((*manager_->Resolve("m"))->model.id).contains(2));
  EXPECT_EQ(manager_->ResolveVersion("m", 2).status().code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(other.DeleteModel("m").ok());
  manager_->Refresh();
  EXPECT_EQ(manager_->Resolve("m").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(manager_->stats().loaded_versions, 0);
}

}  // namespace
}  // namespace amp::serving
