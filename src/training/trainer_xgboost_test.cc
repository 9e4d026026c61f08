// TrainModel with XGBoost: learning, determinism, early stopping, progress and cancellation, the codec, float range.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ml/model_codec.h"
#include "ml/xgboost/xgboost_model.h"
#include "training/trainer.h"
#include "training/trainer_test_fixtures.h"

namespace amp::training {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TrainPlan XgboostPlan(std::map<std::string, double> params = {}) {
  storage::TrainRequest request;
  request.algorithm = "xgboost_regressor";
  request.target = "y";
  request.features = {"x1", "x2", "cat"};
  request.params = std::move(params);
  data::TableSummary schema;
  schema.row_count = 100;
  for (const auto& [name, type] :
       std::vector<std::pair<std::string, data::ColumnType>>{{"y", data::ColumnType::kNumeric},
                                                             {"x1", data::ColumnType::kNumeric},
                                                             {"x2", data::ColumnType::kInteger},
                                                             {"cat", data::ColumnType::kCategorical}}) {
    data::ColumnSummary column;
    column.name = name;
    column.type = type;
    schema.columns.push_back(column);
  }
  core::Result<TrainPlan> plan = PlanTraining(request, schema);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return *plan;
}

TEST(TrainerTest, XgboostLearnsTheRelationship) {
  const data::Table table = SyntheticTable(2000, 0);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, XgboostPlan(), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows, 1600);
  EXPECT_EQ(outcome->holdout_rows, 400);
  EXPECT_GT(outcome->metrics.at("r2"), 0.99);
  const ml::Model& model = *outcome->model;
  EXPECT_EQ(model.algorithm(), "xgboost_regressor");
  EXPECT_EQ(model.signature().features[2], (ml::FeatureSpec{"cat", data::ColumnType::kCategorical}));
  // Trees step rather than slope, but on average over the inputs the categories' effects (a = 0, b = 4, c = -2.5)
  // show.
  double effect_b = 0.0;
  double effect_c = 0.0;
  int points = 0;
  for (double x1 = -9.0; x1 <= 9.0; x1 += 0.5) {
    for (double x2 = -6.0; x2 <= 6.0; x2 += 1.0) {
      const double base = PredictOne(model, x1, x2, "a");
      effect_b += PredictOne(model, x1, x2, "b") - base;
      effect_c += PredictOne(model, x1, x2, "c") - base;
      ++points;
    }
  }
  EXPECT_NEAR(effect_b / points, 4.0, 0.5);
  EXPECT_NEAR(effect_c / points, -2.5, 0.5);
  EXPECT_THAT(model.Parameters(), Contains(Pair("trees", 100.0)));
}

// The seed drives the holdout split and XGBoost's row and column sampling.
TEST(TrainerTest, XgboostIsDeterministic) {
  ExpectSeededAndDeterministic(
      SyntheticTable(500, 3), XgboostPlan({{"subsample", 0.7}, {"colsample_bytree", 0.7}, {"n_estimators", 30.0}}));
}

TEST(TrainerTest, XgboostEarlyStoppingKeepsTheBestRounds) {
  const data::Table table = SyntheticTable(600, 0);
  const TrainPlan plan = XgboostPlan({{"n_estimators", 2000.0}, {"early_stopping_rounds", 5.0}});
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->train_rows, 480);  // the validation fold is part of the training part
  double trees = 0.0;
  for (const auto& [name, value] : outcome->model->Parameters()) trees = name == "trees" ? value : trees;
  EXPECT_GE(trees, 1.0);
  EXPECT_LT(trees, 2000.0);
  ASSERT_THAT(outcome->notes, ElementsAre(HasSubstr("early stopping kept")));
  EXPECT_THAT(outcome->notes[0], HasSubstr("on 48 held-out training rows"));
  EXPECT_GT(outcome->metrics.at("r2"), 0.95);

  // Two usable rows leave one to train: nothing to hold out for validation.
  const data::Table two = SyntheticTable(2, 0);
  outcome = TrainModel(two, plan, cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(outcome.status().message(), HasSubstr("early stopping needs at least 2 training rows"));
}

TEST(TrainerTest, XgboostReportsProgressAndCanBeCancelledBetweenRounds) {
  const data::Table table = SyntheticTable(300, 0);
  std::atomic<bool> cancelled{false};
  std::vector<std::string> reports;
  core::Result<TrainingOutcome> outcome =
      TrainModel(table, XgboostPlan(), cancelled, [&](std::string_view message) { reports.emplace_back(message); });
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(reports.size(), 12u);
  EXPECT_THAT(reports.front(), HasSubstr("preprocessing"));
  EXPECT_EQ(reports[1], "boosting trees");
  EXPECT_EQ(reports[2], "boosting trees: 10 of 100");
  EXPECT_EQ(reports[10], "boosting trees: 90 of 100");
  EXPECT_THAT(reports.back(), HasSubstr("holdout"));

  outcome = TrainModel(table, XgboostPlan(), cancelled, [&](std::string_view message) {
    if (message == "boosting trees: 30 of 100") cancelled = true;
  });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kCancelled);
}

TEST(TrainerTest, XgboostModelSurvivesTheCodec) {
  data::Table base = SyntheticTable(300, 0);
  std::vector<data::Column> columns = base.columns();
  for (size_t row_idx = 0; row_idx < 300; row_idx += 7) columns[1].numbers[row_idx] = kNaN;
  for (size_t row_idx = 3; row_idx < 300; row_idx += 11) columns[3].codes[row_idx] = -1;
  const data::Table table(base.row_count(), columns);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, XgboostPlan({{"n_estimators", 20.0}}), cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_GT(outcome->metrics.at("r2"), 0.8);
  const std::string artifact = ml::SerializeModel(*outcome->model);
  core::Result<std::shared_ptr<const ml::Model>> decoded = ml::DeserializeModel(artifact);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(ml::SerializeModel(**decoded), artifact);
  for (double x1 : {-9.0, -1.25, 0.0, 3.5, 9.99}) {
    for (std::string_view cat : {"a", "b", "c", "unseen"}) {
      EXPECT_EQ(PredictOne(**decoded, x1, -3.0, cat), PredictOne(*outcome->model, x1, -3.0, cat));
    }
  }
}

TEST(TrainerTest, XgboostRefusesValuesBeyondTheFloatRange) {
  struct Case {
    std::string name;
    size_t column;
    double value;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"feature", 1, 1e200, "feature 'x1' has values beyond the float range"},
      {"target", 0, -1e39, "target 'y' has values beyond the float range"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    data::Table base = SyntheticTable(50, 0);
    std::vector<data::Column> columns = base.columns();
    for (size_t row_idx = 0; row_idx < 50; row_idx += 2) columns[c.column].numbers[row_idx] = c.value;
    const data::Table table(base.row_count(), columns);
    std::atomic<bool> cancelled{false};
    core::Result<TrainingOutcome> outcome = TrainModel(table, XgboostPlan(), cancelled);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_THAT(outcome.status().message(), HasSubstr(c.want));
  }
}

}  // namespace
}  // namespace amp::training
