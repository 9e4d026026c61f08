// TrainModel for classifiers: classes and holdout scores, random forests, balanced class weights.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ml/model_codec.h"
#include "ml/xgboost/xgboost_model.h"
#include "training/holdout_split.h"
#include "training/trainer.h"
#include "training/trainer_test_fixtures.h"

namespace amp::training {
namespace {

using ::testing::HasSubstr;

// The synthetic table with the target turned into a class: "low" / "high" (binary) or "low" / "mid" / "high" by
// the value of y, as a categorical column.
data::Table ClassTable(int64_t rows, int class_count) {
  const data::Table numeric = SyntheticTable(rows, 0);
  data::Column label{"label", data::ColumnType::kCategorical, {}, {}, {}};
  label.categories =
      class_count == 2 ? std::vector<std::string>{"high", "low"} : std::vector<std::string>{"mid", "high", "low"};
  for (double y : numeric.column(0).numbers) {
    if (class_count == 2) {
      label.codes.push_back(y > 5.0 ? 0 : 1);
    } else {
      label.codes.push_back(y > 15.0 ? 1 : y < -5.0 ? 2 : 0);
    }
  }
  std::vector<data::Column> columns = numeric.columns();
  columns[0] = label;
  return data::Table(rows, columns);
}

TEST(TrainerTest, ClassifiersLearnTheClassesAndScoreTheHoldout) {
  struct Case {
    std::string algorithm;
    int class_count;
    double min_accuracy;
  } cases[] = {
      {"logistic_regression", 2, 0.95},
      {"logistic_regression", 3, 0.9},
      {"xgboost_classifier", 2, 0.85},
      {"xgboost_classifier", 3, 0.8},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.algorithm + " " + std::to_string(c.class_count));
    TrainPlan plan = SyntheticPlan();
    plan.algorithm = c.algorithm;
    plan.task = c.class_count == 2 ? ml::Task::kBinaryClassification : ml::Task::kMulticlassClassification;
    plan.target = {"label", data::ColumnType::kCategorical};
    std::atomic<bool> cancelled{false};
    core::Result<TrainingOutcome> outcome = TrainModel(ClassTable(600, c.class_count), plan, cancelled);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    const ml::ModelSignature& signature = outcome->model->signature();
    EXPECT_EQ(signature.task, plan.task);
    EXPECT_EQ(signature.classes, c.class_count == 2 ? std::vector<std::string>({"high", "low"})
                                                    : std::vector<std::string>({"high", "low", "mid"}));
    EXPECT_EQ(outcome->model->algorithm(), c.algorithm);
    const std::map<std::string, double>& metrics = outcome->metrics;
    ASSERT_TRUE(metrics.count("accuracy"));
    EXPECT_GT(metrics.at("accuracy"), c.min_accuracy);
    EXPECT_GT(metrics.at("roc_auc"), 0.9);
    for (const char* key : {"balanced_accuracy", "f1_macro", "log_loss", "precision[high]", "confusion[low][low]"}) {
      EXPECT_TRUE(metrics.count(key)) << key;
    }
    double holdout = 0.0;
    for (const auto& [key, value] : metrics) holdout += key.rfind("confusion[", 0) == 0 ? value : 0.0;
    EXPECT_EQ(holdout, 120.0);
    // One ROC curve for a binary classifier (its AUC is the roc_auc metric), one per class otherwise.
    rapidjson::Document curves;
    curves.Parse(outcome->evaluation_curves_json.c_str());
    ASSERT_TRUE(curves.IsObject()) << outcome->evaluation_curves_json;
    ASSERT_EQ(curves["roc"].Size(), c.class_count == 2 ? 1u : 3u);
    if (c.class_count == 2) {
      EXPECT_DOUBLE_EQ(curves["roc"][0]["auc"].GetDouble(), metrics.at("roc_auc"));
    }
    EXPECT_EQ(curves["precision_recall"].Size(), curves["roc"].Size());
    // A high x1 is the "high" class.
    EXPECT_EQ(signature.classes[static_cast<size_t>(PredictOne(*outcome->model, 9.0, -5.0, "b"))], "high");
  }
}

TEST(TrainerTest, AClassWithoutTrainingRowsIsFailedPrecondition) {
  std::vector<data::Column> columns = ClassTable(50, 2).columns();
  columns[0].categories.push_back("rare");
  columns[0].codes.back() = 2;  // the last row alone is "rare"
  TrainPlan plan = SyntheticPlan();
  plan.algorithm = "logistic_regression";
  plan.task = ml::Task::kMulticlassClassification;
  plan.target = {"label", data::ColumnType::kCategorical};
  plan.holdout_fraction = 0.5;
  // A seed whose holdout takes the rare row.
  for (plan.seed = 0; plan.seed < 1000; ++plan.seed) {
    const std::vector<int64_t> holdout = SplitHoldout(50, plan.holdout_fraction, plan.seed).holdout_rows;
    if (std::find(holdout.begin(), holdout.end(), 49) != holdout.end()) break;
  }
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(data::Table(50, columns), plan, cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(outcome.status().message(), HasSubstr("class 'rare' of target 'label' has no row in the training part"));
  // Without a holdout it trains, with three classes.
  plan.holdout_fraction = 0.0;
  outcome = TrainModel(data::Table(50, columns), plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->model->signature().classes, std::vector<std::string>({"high", "low", "rare"}));
}

// What PlanTraining sets for a random forest, smaller.
void MakeRandomForest(TrainPlan& plan, bool classifier) {
  plan.algorithm = classifier ? "random_forest_classifier" : "random_forest_regressor";
  plan.boosting.num_parallel_tree = 50;
  plan.boosting.n_estimators = 1;
  plan.boosting.learning_rate = 1.0;
  plan.boosting.max_depth = 10;
  plan.boosting.subsample = 0.632;
  plan.boosting.colsample_bynode = classifier ? 0.0 : 1.0;
  plan.boosting.reg_lambda = 1e-5;
}

TEST(TrainerTest, RandomForestsTrainServeAndRoundTrip) {
  for (int class_count : {0, 2, 3}) {
    SCOPED_TRACE(class_count);
    TrainPlan plan = SyntheticPlan();
    MakeRandomForest(plan, class_count > 0);
    data::Table table = SyntheticTable(600, 0);
    if (class_count > 0) {
      plan.task = class_count == 2 ? ml::Task::kBinaryClassification : ml::Task::kMulticlassClassification;
      plan.target = {"label", data::ColumnType::kCategorical};
      table = ClassTable(600, class_count);
    }
    std::atomic<bool> cancelled{false};
    core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    EXPECT_EQ(outcome->model->algorithm(), plan.algorithm);
    if (class_count > 0) {
      EXPECT_GT(outcome->metrics.at("accuracy"), 0.8);
    } else {
      EXPECT_GT(outcome->metrics.at("r2"), 0.9);
    }
    // One round of 50 parallel trees (per class for a multiclass forest).
    const auto parameters = outcome->model->Parameters();
    const double trees = std::find_if(parameters.begin(), parameters.end(), [](const auto& p) {
                           return p.first == "trees";
                         })->second;
    EXPECT_EQ(trees, class_count == 3 ? 150.0 : 50.0);
    // The artifact reads back as the same algorithm and predicts the same.
    auto reloaded = ml::DeserializeModel(ml::SerializeModel(*outcome->model));
    ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
    EXPECT_EQ((*reloaded)->algorithm(), plan.algorithm);
    EXPECT_EQ(PredictOne(**reloaded, 3.0, 1.0, "a"), PredictOne(*outcome->model, 3.0, 1.0, "a"));
    // x1 drives the target: the most important feature.
    const auto importance = outcome->model->FeatureImportance();
    ASSERT_EQ(importance.size(), 3u);
    EXPECT_EQ(importance[0].first, "x1");
    EXPECT_GT(importance[0].second, 0.0);
  }
}

TEST(TrainerTest, RandomForestClassifiersGiveTheTreesMeanLeafClassShares) {
  // One feature separates the classes with a gap: every leaf is pure, so every tree gives its class a share of 1.
  // Through the logistic link of XGBoost's summed margins the forest would say sigmoid(2) = 0.88 at most.
  for (int class_count : {2, 3}) {
    SCOPED_TRACE(class_count);
    const int64_t rows = 300;
    data::Column label{"label", data::ColumnType::kCategorical, {}, {}, {"a", "b", "c"}};
    label.categories.resize(static_cast<size_t>(class_count));
    data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
    for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
      const int32_t class_idx = static_cast<int32_t>(row_idx % class_count);
      label.codes.push_back(class_idx);
      x1.numbers.push_back(10.0 * class_idx + static_cast<double>(row_idx % 7) / 7.0);
    }
    const data::Table table(rows, {label, x1});
    TrainPlan plan;
    MakeRandomForest(plan, true);
    plan.task = class_count == 2 ? ml::Task::kBinaryClassification : ml::Task::kMulticlassClassification;
    plan.target = {"label", data::ColumnType::kCategorical};
    plan.features = {{"x1", data::ColumnType::kNumeric}};
    std::atomic<bool> cancelled{false};
    core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    const auto* forest = dynamic_cast<const ml::XgboostModel*>(outcome->model.get());
    ASSERT_NE(forest, nullptr);
    EXPECT_TRUE(forest->leaf_frequencies());
    EXPECT_LT(outcome->metrics.at("log_loss"), 1e-4);
    for (int32_t class_idx = 0; class_idx < class_count; ++class_idx) {
      const std::vector<ml::FeatureValue> row = {ml::FeatureValue::Number(10.0 * class_idx + 0.5)};
      std::vector<double> probabilities(static_cast<size_t>(class_count));
      ASSERT_TRUE(forest->PredictProba(row, probabilities, nullptr).ok());
      EXPECT_GT(probabilities[static_cast<size_t>(class_idx)], 0.9999);
      double total = 0.0;
      for (double probability : probabilities) total += probability;
      EXPECT_NEAR(total, 1.0, 1e-12);
    }
    // The artifact says so and reads back the same.
    const std::string bytes = ml::SerializeModel(*outcome->model);
    EXPECT_NE(bytes.find("\"probabilities\":\"leaf_frequencies\""), std::string::npos);
    auto reloaded = ml::DeserializeModel(bytes);
    ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
    EXPECT_EQ(ml::SerializeModel(**reloaded), bytes);
  }
}

TEST(TrainerTest, BalancedClassWeightsRaiseTheRareClassRecallOfBoostedTrees) {
  // A 9:1 imbalance with overlapping classes: unweighted trees favour the majority.
  const int64_t rows = 2000;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  data::Column label{"label", data::ColumnType::kCategorical, {}, {}, {"common", "rare"}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const bool rare = row_idx % 10 == 0;
    label.codes.push_back(rare ? 1 : 0);
    x1.numbers.push_back(normal(rng) + (rare ? 1.0 : 0.0));
  }
  const data::Table table(rows, {label, x1});
  TrainPlan plan;
  plan.algorithm = "xgboost_classifier";
  plan.task = ml::Task::kBinaryClassification;
  plan.target = {"label", data::ColumnType::kCategorical};
  plan.features = {{"x1", data::ColumnType::kNumeric}};
  plan.boosting.n_estimators = 20;
  plan.boosting.max_depth = 2;
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> plain = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  plan.boosting.balanced = true;
  core::Result<TrainingOutcome> balanced = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(balanced.ok()) << balanced.status().ToString();
  EXPECT_GT(balanced->metrics.at("recall[rare]"), plain->metrics.at("recall[rare]") + 0.2);
  EXPECT_GT(balanced->metrics.at("balanced_accuracy"), plain->metrics.at("balanced_accuracy"));
}

}  // namespace
}  // namespace amp::training
