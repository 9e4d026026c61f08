#include "training/trainer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ml/model_codec.h"
#include "training/trainer_test_fixtures.h"

namespace amp::training {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(TrainerTest, RecoversTheRelationship) {
  const data::Table table = SyntheticTable(500, 0);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows, 400);
  EXPECT_EQ(outcome->holdout_rows, 100);
  EXPECT_THAT(outcome->notes, IsEmpty());
  ASSERT_TRUE(outcome->metrics.count("r2"));
  EXPECT_GT(outcome->metrics.at("r2"), 0.999);
  EXPECT_LT(outcome->metrics.at("rmse"), 0.01);
  EXPECT_LT(outcome->metrics.at("mae"), 0.01);
  // The holdout's residual sample is stored for the residual plot: all 100 rows (fewer than the 500 kept).
  rapidjson::Document curves;
  curves.Parse(outcome->evaluation_curves_json.c_str());
  ASSERT_TRUE(curves.IsObject()) << outcome->evaluation_curves_json;
  EXPECT_EQ(curves["residuals"]["rows"].GetInt(), 100);
  EXPECT_EQ(curves["residuals"]["predicted"].Size(), 100u);
  EXPECT_FALSE(curves.HasMember("roc"));

  const ml::Model& model = *outcome->model;
  EXPECT_EQ(model.algorithm(), "linear_regression");
  EXPECT_EQ(model.signature().target, "y");
  ASSERT_EQ(model.signature().features.size(), 3u);
  EXPECT_EQ(model.signature().features[2], (ml::FeatureSpec{"cat", data::ColumnType::kCategorical}));
  EXPECT_NEAR(PredictOne(model, 0.0, 0.0, "a"), 5.0, 1e-3);
  EXPECT_NEAR(PredictOne(model, 1.0, 2.0, "b"), 3.0 - 4.0 + 5.0 + 4.0, 1e-3);
  EXPECT_NEAR(PredictOne(model, -7.5, 3.0, "c"), -22.5 - 6.0 + 5.0 - 2.5, 1e-3);
  // Slopes on the raw scale.
  EXPECT_NEAR(PredictOne(model, 1.0, 0.0, "a") - PredictOne(model, 0.0, 0.0, "a"), 3.0, 1e-3);
  EXPECT_NEAR(PredictOne(model, 0.0, 1.0, "a") - PredictOne(model, 0.0, 0.0, "a"), -2.0, 1e-3);
}

TEST(TrainerTest, RowsWithMissingTargetAreDroppedAndNoted) {
  const data::Table table = SyntheticTable(210, 10);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows + outcome->holdout_rows, 200);
  EXPECT_EQ(outcome->holdout_rows, 40);
  EXPECT_THAT(outcome->notes, ElementsAre(HasSubstr("10 rows with a missing target 'y' were dropped")));
  EXPECT_GT(outcome->metrics.at("r2"), 0.999);
}

TEST(TrainerTest, NoHoldoutGivesNoMetrics) {
  const data::Table table = SyntheticTable(50, 0);
  TrainPlan plan = SyntheticPlan();
  plan.holdout_fraction = 0.0;
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows, 50);
  EXPECT_EQ(outcome->holdout_rows, 0);
  EXPECT_THAT(outcome->metrics, IsEmpty());
  EXPECT_EQ(outcome->evaluation_curves_json, "");
}

TEST(TrainerTest, CancelledBeforeStartIsCancelled) {
  const data::Table table = SyntheticTable(100, 0);
  std::atomic<bool> cancelled{true};
  core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kCancelled);
}

TEST(TrainerTest, CancelledDuringTrainingIsCancelled) {
  // The flag is raised from the progress callback, i.e. while the job runs.
  const data::Table table = SyntheticTable(100, 0);
  for (int raise_at = 1; raise_at <= 3; ++raise_at) {
    SCOPED_TRACE("raised at progress report " + std::to_string(raise_at));
    std::atomic<bool> cancelled{false};
    int reports = 0;
    core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled, [&](std::string_view) {
      if (++reports == raise_at) cancelled = true;
    });
    if (raise_at == 3) {
      // The last report is for scoring the holdout, after the last cancellation point: the job completes.
      EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
      continue;
    }
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().code(), core::StatusCode::kCancelled);
  }
}

TEST(TrainerTest, ReportsProgress) {
  const data::Table table = SyntheticTable(100, 0);
  std::atomic<bool> cancelled{false};
  std::vector<std::string> reports;
  core::Result<TrainingOutcome> outcome =
      TrainModel(table, SyntheticPlan(), cancelled, [&](std::string_view message) { reports.emplace_back(message); });
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_THAT(reports, ElementsAre(HasSubstr("preprocessing"), HasSubstr("least-squares"), HasSubstr("holdout")));
}

TEST(TrainerTest, TooFewRowsIsFailedPrecondition) {
  struct Case {
    int64_t rows;
    int64_t missing_targets;
  };
  for (const Case& c : std::vector<Case>{{0, 0}, {1, 0}, {5, 4}, {5, 5}}) {
    SCOPED_TRACE(std::to_string(c.rows) + " rows, " + std::to_string(c.missing_targets) + " without target");
    const data::Table table = SyntheticTable(c.rows, c.missing_targets);
    std::atomic<bool> cancelled{false};
    core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_THAT(outcome.status().message(), HasSubstr("'y'"));
  }
  // Two rows are enough: one trains, one is held out.
  const data::Table two = SyntheticTable(2, 0);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(two, SyntheticPlan(), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows, 1);
  EXPECT_EQ(outcome->holdout_rows, 1);
}

TEST(TrainerTest, CategoricalFeatureWithoutTrainingValuesIsFailedPrecondition) {
  data::Table base = SyntheticTable(20, 0);
  std::vector<data::Column> columns = base.columns();
  for (int32_t& code : columns[3].codes) code = -1;
  const data::Table table(base.row_count(), columns);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(outcome.status().message(), HasSubstr("'cat'"));
}

TEST(TrainerTest, MissingFeatureValuesAreImputed) {
  data::Table base = SyntheticTable(300, 0);
  std::vector<data::Column> columns = base.columns();
  for (size_t row_idx = 0; row_idx < 300; row_idx += 7) columns[1].numbers[row_idx] = kNaN;
  for (size_t row_idx = 3; row_idx < 300; row_idx += 11) columns[3].codes[row_idx] = -1;
  const data::Table table(base.row_count(), columns);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->metrics.count("r2"));
  EXPECT_GT(outcome->metrics.at("r2"), 0.5);
}

// Another seed holds out other rows, so the fit differs.
TEST(TrainerTest, Deterministic) { ExpectSeededAndDeterministic(SyntheticTable(300, 3), SyntheticPlan()); }

TEST(TrainerTest, TrainedModelSurvivesTheCodec) {
  const data::Table table = SyntheticTable(100, 0);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  core::Result<std::shared_ptr<const ml::Model>> decoded = ml::DeserializeModel(ml::SerializeModel(*outcome->model));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(PredictOne(**decoded, 1.25, -3.0, "c"), PredictOne(*outcome->model, 1.25, -3.0, "c"));
}

TEST(TrainerTest, HugeValuesFailCleanlyOrGiveALoadableModel) {
  // Values a CSV can hold whose statistics overflow a double. Training may refuse them, but must never store a
  // model that cannot be read back.
  struct Case {
    std::string name;
    std::vector<double> x1;
  };
  const std::vector<Case> cases = {
      {"variance overflows", {1e200, -1e200, 1e200, -1e200, 1e200, -1e200, 1e200, -1e200, 1e200, -1e200}},
      {"median of the two middle values overflows",
       {1.7e308, 1.7e308, 1.7e308, 1.7e308, kNaN, 1.7e308, 1.7e308, 1.7e308, 1.7e308, kNaN}},
      {"mean overflows", {1.7e308, -1.7e308, 1.7e308, 1.7e308, -1.7e308, 1.7e308, 1.7e308, 1.7e308, 1.7e308, 1.0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    data::Table base = SyntheticTable(static_cast<int64_t>(c.x1.size()), 0);
    std::vector<data::Column> columns = base.columns();
    columns[1].numbers = c.x1;
    const data::Table table(base.row_count(), columns);
    TrainPlan plan = SyntheticPlan();
    plan.holdout_fraction = 0.0;
    std::atomic<bool> cancelled{false};
    core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
    if (!outcome.ok()) {
      EXPECT_EQ(outcome.status().code(), core::StatusCode::kFailedPrecondition) << outcome.status().ToString();
      continue;
    }
    core::Result<std::shared_ptr<const ml::Model>> decoded = ml::DeserializeModel(ml::SerializeModel(*outcome->model));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  }
}

TEST(TrainerTest, ColumnsNotLoadedAreInternal) {
  const data::Table table = SyntheticTable(10, 0);
  TrainPlan plan = SyntheticPlan();
  plan.features.push_back({"x3", data::ColumnType::kNumeric});
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kInternal);
  plan = SyntheticPlan();
  plan.target.name = "z";
  outcome = TrainModel(table, plan, cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kInternal);
}

TEST(TrainerTest, ElasticNetShrinksAndNotesNothingWhenConverged) {
  TrainPlan plan = SyntheticPlan();
  plan.elastic_net.alpha = 0.5;
  plan.elastic_net.l1_ratio = 1.0;
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> lasso = TrainModel(SyntheticTable(500, 0), plan, cancelled);
  ASSERT_TRUE(lasso.ok()) << lasso.status().ToString();
  EXPECT_THAT(lasso->notes, IsEmpty());
  EXPECT_GT(lasso->metrics.at("r2"), 0.99);
  core::Result<TrainingOutcome> ols = TrainModel(SyntheticTable(500, 0), SyntheticPlan(), cancelled);
  ASSERT_TRUE(ols.ok());
  // The lasso optimum cannot have a larger L1 norm than a least-squares optimum (its loss is no lower).
  auto l1_norm = [](const ml::Model& model) {
    double norm = 0.0;
    const auto parameters = model.Parameters();
    for (size_t idx = 1; idx < parameters.size(); ++idx) norm += std::fabs(parameters[idx].second);  // 0: intercept
    return norm;
  };
  EXPECT_LT(l1_norm(*lasso->model), l1_norm(*ols->model));
  // A sweep budget of one is not enough: the job says so.
  plan.elastic_net.max_iterations = 1;
  core::Result<TrainingOutcome> short_run = TrainModel(SyntheticTable(500, 0), plan, cancelled);
  ASSERT_TRUE(short_run.ok());
  EXPECT_THAT(short_run->notes, Contains(HasSubstr("did not converge in 1 sweeps")));
}

TEST(TrainerTest, KMeansClustersATableWithoutATarget) {
  // Three well separated blobs in (a, b), plus a categorical column that follows the blob.
  const int64_t rows = 300;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 0.3);
  data::Column a{"a", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column b{"b", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column kind{"kind", data::ColumnType::kCategorical, {}, {}, {"x", "y", "z"}};
  const double centres[3][2] = {{0.0, 0.0}, {10.0, 0.0}, {0.0, 10.0}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const auto blob = static_cast<size_t>(row_idx % 3);
    a.numbers.push_back(centres[blob][0] + noise(rng));
    b.numbers.push_back(centres[blob][1] + noise(rng));
    kind.codes.push_back(static_cast<int32_t>(blob));
  }
  TrainPlan plan;
  plan.algorithm = "kmeans";
  plan.task = ml::Task::kClustering;
  plan.target = {"cluster", data::ColumnType::kInteger};
  plan.features = {{"a", data::ColumnType::kNumeric}, {"b", data::ColumnType::kNumeric}};
  plan.kmeans.k = 3;
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(data::Table(rows, {a, b, kind}), plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows, 240);
  EXPECT_EQ(outcome->holdout_rows, 60);
  EXPECT_EQ(outcome->model->algorithm(), "kmeans");
  EXPECT_EQ(outcome->model->signature().task, ml::Task::kClustering);
  EXPECT_EQ(outcome->model->ClusterCount(), 3u);
  // Standardized blobs are tight: a small mean squared distance on the training part and the holdout alike.
  EXPECT_LT(outcome->metrics.at("mean_squared_distance"), 0.05);
  EXPECT_LT(outcome->metrics.at("holdout_mean_squared_distance"), 0.05);
  // Points of one blob share a cluster, points of different blobs do not.
  auto cluster_of = [&](double x, double y) {
    const std::vector<ml::FeatureValue> row = {ml::FeatureValue::Number(x), ml::FeatureValue::Number(y)};
    std::vector<double> out(1);
    EXPECT_TRUE(outcome->model->Predict(row, out, nullptr).ok());
    return out[0];
  };
  EXPECT_EQ(cluster_of(0.1, 0.2), cluster_of(-0.2, -0.1));
  EXPECT_NE(cluster_of(0.0, 0.0), cluster_of(10.0, 0.0));
  EXPECT_NE(cluster_of(0.0, 10.0), cluster_of(10.0, 0.0));
  EXPECT_NE(cluster_of(0.0, 10.0), cluster_of(0.0, 0.0));
  // Same data, plan and seed: the same model, byte for byte.
  core::Result<TrainingOutcome> again = TrainModel(data::Table(rows, {a, b, kind}), plan, cancelled);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ml::SerializeModel(*again->model), ml::SerializeModel(*outcome->model));
  // More clusters than training rows cannot work.
  plan.kmeans.k = 250;
  core::Result<TrainingOutcome> too_many = TrainModel(data::Table(rows, {a, b, kind}), plan, cancelled);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), core::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace amp::training
