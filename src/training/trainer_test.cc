#include "training/trainer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ml/model_codec.h"
#include "ml/xgboost/xgboost_model.h"
#include "training/holdout_split.h"

namespace amp::training {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// y = 3 * x1 - 2 * x2 + 5 + effect(cat) + tiny noise, with effect a = 0, b = 4, c = -2.5. The first
// `missing_targets` rows have no target.
data::Table SyntheticTable(int64_t rows, int64_t missing_targets, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-10.0, 10.0);
  std::normal_distribution<double> normal(0.0, 5.0);
  std::normal_distribution<double> noise(0.0, 1e-3);
  const std::vector<double> effects = {0.0, 4.0, -2.5};
  data::Column y{"y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x2{"x2", data::ColumnType::kInteger, {}, {}, {}};
  data::Column cat{"cat", data::ColumnType::kCategorical, {}, {}, {"b", "a", "c"}};
  const std::vector<size_t> effect_of_code = {1, 0, 2};  // dictionary order b, a, c
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double v1 = uniform(rng);
    const double v2 = std::round(normal(rng));
    const auto code = static_cast<int32_t>(rng() % 3);
    x1.numbers.push_back(v1);
    x2.numbers.push_back(v2);
    cat.codes.push_back(code);
    const double target = 3.0 * v1 - 2.0 * v2 + 5.0 + effects[effect_of_code[static_cast<size_t>(code)]] + noise(rng);
    y.numbers.push_back(row_idx < missing_targets ? kNaN : target);
  }
  return data::Table(rows, {y, x1, x2, cat});
}

TrainPlan SyntheticPlan() {
  TrainPlan plan;
  plan.algorithm = "linear_regression";
  plan.target = {"y", data::ColumnType::kNumeric};
  plan.features = {
      {"x1", data::ColumnType::kNumeric}, {"x2", data::ColumnType::kInteger}, {"cat", data::ColumnType::kCategorical}};
  return plan;
}

double PredictOne(const ml::Model& model, double x1, double x2, std::string_view cat) {
  const std::vector<ml::FeatureValue> row = {ml::FeatureValue::Number(x1), ml::FeatureValue::Number(x2),
                                             ml::FeatureValue::Text(cat)};
  std::vector<double> out(1);
  EXPECT_TRUE(model.Predict(row, out, nullptr).ok());
  return out[0];
}

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

TEST(TrainerTest, Deterministic) {
  const data::Table table = SyntheticTable(300, 3);
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> first = TrainModel(table, SyntheticPlan(), cancelled);
  core::Result<TrainingOutcome> second = TrainModel(table, SyntheticPlan(), cancelled);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ml::SerializeModel(*first->model), ml::SerializeModel(*second->model));
  EXPECT_EQ(first->metrics, second->metrics);
  EXPECT_EQ(first->notes, second->notes);

  // Another seed holds out other rows, so the fit differs.
  TrainPlan reseeded = SyntheticPlan();
  reseeded.seed = 43;
  core::Result<TrainingOutcome> third = TrainModel(table, reseeded, cancelled);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_NE(ml::SerializeModel(*third->model), ml::SerializeModel(*first->model));
}

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

TEST(TrainerTest, XgboostIsDeterministic) {
  const data::Table table = SyntheticTable(500, 3);
  const TrainPlan plan = XgboostPlan({{"subsample", 0.7}, {"colsample_bytree", 0.7}, {"n_estimators", 30.0}});
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> first = TrainModel(table, plan, cancelled);
  core::Result<TrainingOutcome> second = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ml::SerializeModel(*first->model), ml::SerializeModel(*second->model));
  EXPECT_EQ(first->metrics, second->metrics);

  // The seed drives the holdout split and XGBoost's row and column sampling.
  TrainPlan reseeded = plan;
  reseeded.seed = 43;
  core::Result<TrainingOutcome> third = TrainModel(table, reseeded, cancelled);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_NE(ml::SerializeModel(*third->model), ml::SerializeModel(*first->model));
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

namespace amp::training {
namespace {

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

// y depends on the weekday of `when` (weekends +10), and rows where `x` is missing have y 20 higher: a linear model
// can only learn both through the date parts and the missing indicator.
TEST(TrainerTest, DatePartsAndInformativeMissingnessAreLearnedAndReported) {
  std::mt19937_64 rng(5);
  data::Column y{"y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x{"x", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column when{"when", data::ColumnType::kCategorical, {}, {}, {}};
  for (int day = 1; day <= 28; ++day)
    when.categories.push_back("2024-02-" + std::string(day < 10 ? "0" : "") + std::to_string(day));
  const int64_t rows = 400;
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const auto code = static_cast<int32_t>(rng() % 28);
    const int weekday = (code + 3) % 7;  // 2024-02-01 was a Thursday (3)
    const bool missing = row_idx % 5 == 0;
    const double value = static_cast<double>(rng() % 100) / 10.0;
    when.codes.push_back(code);
    x.numbers.push_back(missing ? kNaN : value);
    y.numbers.push_back((missing ? 20.0 : 0.0) + 2.0 * (missing ? 0.0 : value) + (weekday >= 5 ? 10.0 : 0.0));
  }
  // One extreme x (its target left as it was): the report should see it.
  x.numbers[1] = 1e6;
  data::Table table(rows, {y, x, when});
  TrainPlan plan;
  plan.algorithm = "xgboost_regressor";
  plan.boosting.n_estimators = 200;
  plan.boosting.max_depth = 4;
  plan.target = {"y", data::ColumnType::kNumeric};
  plan.features = {{"x", data::ColumnType::kNumeric}, {"when", data::ColumnType::kCategorical}};
  plan.feature_roles = {data::ColumnRole::kNumeric, data::ColumnRole::kDateTime};
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const data::CleaningReport& report = outcome->cleaning_report;
  EXPECT_TRUE(report.has_target);
  EXPECT_EQ(report.rows, rows);
  EXPECT_EQ(report.rows_used, rows);
  EXPECT_THAT(report.missing_indicators, ElementsAre("x"));
  ASSERT_EQ(report.outliers.size(), 1u);
  EXPECT_EQ(report.outliers[0].feature, "x");
  EXPECT_EQ(report.outliers[0].count, 1);

  // Serving parses the date text: a Saturday scores about 10 above the Friday before it.
  auto predict = [&](ml::FeatureValue x_value, std::string_view date) {
    const std::vector<ml::FeatureValue> row = {x_value, ml::FeatureValue::Text(date)};
    std::vector<double> out(1);
    EXPECT_TRUE(outcome->model->Predict(row, out, nullptr).ok());
    return out[0];
  };
  const double friday = predict(ml::FeatureValue::Number(5.0), "2024-02-16");
  const double saturday = predict(ml::FeatureValue::Number(5.0), "2024-02-17");
  EXPECT_NEAR(saturday - friday, 10.0, 1.5);
  // Missing x: the indicator carries the +20 the median alone would not.
  EXPECT_NEAR(predict(ml::FeatureValue::Missing(), "2024-02-16") - friday, 10.0, 2.5);  // 20 + 0 vs 2 * 5

  // The same with a linear model: the generic encoding path folds the extended transforms.
  plan.algorithm = "linear_regression";
  outcome = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  auto restored = ml::DeserializeModel(ml::SerializeModel(*outcome->model));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  const std::vector<ml::FeatureValue> row = {ml::FeatureValue::Missing(), ml::FeatureValue::Text("2024-02-17")};
  std::vector<double> before(1), after(1);
  ASSERT_TRUE(outcome->model->Predict(row, before, nullptr).ok());
  ASSERT_TRUE((*restored)->Predict(row, after, nullptr).ok());
  EXPECT_EQ(before[0], after[0]);
}

TEST(TrainerTest, ReportCountsMissingTargetsDuplicatesAndLeaks) {
  data::Table base = SyntheticTable(200, 7);
  std::vector<data::Column> columns = base.columns();
  // A copy of the target (shifted) leaks it; two rows repeat row 50.
  data::Column leak{"y_copy", data::ColumnType::kNumeric, {}, {}, {}};
  for (double value : columns[0].numbers) leak.numbers.push_back(std::isnan(value) ? 0.0 : value * 2.0 + 1.0);
  columns.push_back(leak);
  for (data::Column& column : columns) {
    for (size_t row : {60u, 61u}) {
      if (data::IsNumberLike(column.type))
        column.numbers[row] = column.numbers[50];
      else
        column.codes[row] = column.codes[50];
    }
  }
  data::Table table(200, columns);
  TrainPlan plan = SyntheticPlan();
  plan.features.push_back({"y_copy", data::ColumnType::kNumeric});
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const data::CleaningReport& report = outcome->cleaning_report;
  EXPECT_EQ(report.rows_missing_target, 7);
  EXPECT_EQ(report.rows_used, 193);
  EXPECT_EQ(report.duplicate_rows, 2);
  ASSERT_EQ(report.leaks.size(), 1u);
  EXPECT_EQ(report.leaks[0].feature, "y_copy");
  EXPECT_EQ(report.leaks[0].measure, "correlation");
  EXPECT_THAT(data::CleaningReportSummary(report), Contains(HasSubstr("Feature 'y_copy' nearly determines")));
  EXPECT_THAT(report.missing_indicators, IsEmpty());
}

}  // namespace
}  // namespace amp::training
