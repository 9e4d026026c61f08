// Model::FeatureImportance of every family: the per-column measure, mapped back to the user's features.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "data/table.h"
#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/pipeline.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

// x (numeric), color (categorical: blue 1/4 of the rows, red 3/4), z (numeric).
data::Table SmallTable() {
  data::Column x{"x", data::ColumnType::kNumeric, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {0, 1, 1, 1, 0, 1, 1, 1}, {"blue", "red"}};
  data::Column z{"z", data::ColumnType::kNumeric, {5.0, 3.0, 1.0, 4.0, 2.0, 8.0, 6.0, 7.0}, {}, {}};
  return data::Table(8, {x, color, z});
}

Pipeline FitPipeline(NumberScaling scaling = NumberScaling::kStandardize) {
  const data::Table table = SmallTable();
  std::vector<int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
  auto pipeline = Pipeline::Fit(table, {0, 1, 2}, rows, scaling);
  EXPECT_TRUE(pipeline.ok());
  return *pipeline;
}

ModelSignature Signature(Task task, std::vector<std::string> classes = {}) {
  ModelSignature signature;
  signature.task = task;
  signature.target = "y";
  signature.features = {{"x", data::ColumnType::kNumeric},
                        {"color", data::ColumnType::kCategorical},
                        {"z", data::ColumnType::kNumeric}};
  signature.classes = std::move(classes);
  return signature;
}

TEST(FeatureImportanceTest, ImportanceByFeatureSumsOneHotColumnsAndSortsDescending) {
  const Pipeline pipeline = FitPipeline();
  ASSERT_EQ(pipeline.EncodedWidth(), 4);  // x, color=blue, color=red, z
  const std::vector<double> per_column = {1.0, 0.5, 0.75, 1.0};
  const auto importance = ImportanceByFeature(pipeline, per_column);
  ASSERT_EQ(importance.size(), 3u);
  EXPECT_EQ(importance[0], std::make_pair(std::string("color"), 1.25));
  EXPECT_EQ(importance[1], std::make_pair(std::string("x"), 1.0));  // ties keep feature order
  EXPECT_EQ(importance[2], std::make_pair(std::string("z"), 1.0));
}

TEST(FeatureImportanceTest, LinearUsesStandardizedCoefficientMagnitudes) {
  LinearSolution solution;
  solution.weights = {-2.0, 1.0, -3.0, 0.5};
  auto model = LinearModel::Create(Signature(Task::kRegression), FitPipeline(), solution);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const auto importance = (*model)->FeatureImportance();
  ASSERT_EQ(importance.size(), 3u);
  // A one-hot column's standard deviation is sqrt(p (1 - p)) = sqrt(0.25 * 0.75) for both colors.
  const double color = (1.0 + 3.0) * std::sqrt(0.25 * 0.75);
  EXPECT_EQ(importance[0].first, "x");
  EXPECT_DOUBLE_EQ(importance[0].second, 2.0);
  EXPECT_EQ(importance[1].first, "color");
  EXPECT_DOUBLE_EQ(importance[1].second, color);
  EXPECT_EQ(importance[2].first, "z");
  EXPECT_DOUBLE_EQ(importance[2].second, 0.5);
}

TEST(FeatureImportanceTest, MultinomialLogisticAveragesMagnitudesOverClasses) {
  LogisticSolution solution;
  // Three classes x four encoded columns.
  solution.weights = {1.0, 0.0, 0.0, -3.0,  //
                      -1.0, 0.0, 0.0, 0.0,  //
                      1.0, 0.0, 0.0, 3.0};
  solution.intercepts = {0.0, 0.0, 0.0};
  auto model = LogisticModel::Create(Signature(Task::kMulticlassClassification, {"a", "b", "c"}), FitPipeline(),
                                     solution);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const auto importance = (*model)->FeatureImportance();
  ASSERT_EQ(importance.size(), 3u);
  EXPECT_EQ(importance[0].first, "z");
  EXPECT_DOUBLE_EQ(importance[0].second, 2.0);  // (3 + 0 + 3) / 3
  EXPECT_EQ(importance[1].first, "x");
  EXPECT_DOUBLE_EQ(importance[1].second, 1.0);
  EXPECT_EQ(importance[2].first, "color");
  EXPECT_EQ(importance[2].second, 0.0);
}

TEST(FeatureImportanceTest, BoostedTreesReportTotalGainPerFeature) {
  // y depends on color only: every split, hence all the gain, is on a color column.
  const Pipeline pipeline = FitPipeline(NumberScaling::kNone);
  const data::Table table = SmallTable();
  std::vector<int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<float> encoded;
  pipeline.EncodeRowMajor(table, {0, 1, 2}, rows, &encoded);
  std::vector<float> labels;
  for (int32_t code : table.column(1).codes) labels.push_back(code == 0 ? 10.0f : -10.0f);
  BoosterParams params;
  params.n_estimators = 3;
  params.min_child_weight = 0.0;
  auto trained = TrainBooster({encoded.data(), 8, 4}, labels, nullptr, {}, params);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  auto model = XgboostModel::Create(Signature(Task::kRegression), pipeline, trained->model_ubj);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const auto importance = (*model)->FeatureImportance();
  ASSERT_EQ(importance.size(), 3u);
  EXPECT_EQ(importance[0].first, "color");
  const std::vector<double>& gain = (*model)->forest().total_gain();
  EXPECT_DOUBLE_EQ(importance[0].second, gain[1] + gain[2]);
  EXPECT_GT(importance[0].second, 0.0);
  EXPECT_EQ(importance[1].second, 0.0);
  EXPECT_EQ(importance[2].second, 0.0);
}

}  // namespace
}  // namespace amp::ml
