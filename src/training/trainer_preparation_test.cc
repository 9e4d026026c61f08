// TrainModel's data preparation: date parts, informative missingness and the cleaning report's counts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "ml/model_codec.h"
#include "training/data_checks.h"
#include "training/trainer.h"
#include "training/trainer_test_fixtures.h"

namespace amp::training {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

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

// On a table this large the features are prepared and checked on several threads: the report must still list every
// finding exactly as the checks give them, in feature order.
TEST(TrainerTest, LargeTablesReportEveryFindingInFeatureOrderOnAnyThreadCount) {
  const int64_t rows = 30'000;
  data::Table base = SyntheticTable(rows, 0);
  std::vector<data::Column> columns = base.columns();
  const std::vector<double>& y = columns[0].numbers;
  std::vector<double> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double low = sorted[sorted.size() / 5];
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  data::Column y_copy{"y_copy", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column neg_y{"neg_y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column m_a{"m_a", data::ColumnType::kNumeric, {}, {}, {}};  // missing where y is above its median
  data::Column m_b{"m_b", data::ColumnType::kNumeric, {}, {}, {}};  // missing where y is in its lowest fifth
  data::Column spiky{"spiky", data::ColumnType::kNumeric, {}, {}, {}};
  for (size_t row = 0; row < y.size(); ++row) {
    y_copy.numbers.push_back(y[row] * 2.0 + 1.0);
    neg_y.numbers.push_back(-y[row]);
    m_a.numbers.push_back(y[row] > median ? kNaN : uniform(rng));
    m_b.numbers.push_back(y[row] < low ? kNaN : uniform(rng));
    spiky.numbers.push_back(row % 1000 == 7 ? 1e6 : uniform(rng));
  }
  for (data::Column* column : {&y_copy, &m_a, &m_b, &spiky, &neg_y}) columns.push_back(*column);
  for (data::Column& column : columns) {  // rows 61 and 62 repeat row 50
    for (size_t row : {61u, 62u}) {
      if (data::IsNumberLike(column.type))
        column.numbers[row] = column.numbers[50];
      else
        column.codes[row] = column.codes[50];
    }
  }
  data::Table table(rows, columns);
  TrainPlan plan = SyntheticPlan();
  for (const char* name : {"y_copy", "m_a", "m_b", "spiky", "neg_y"}) {
    plan.features.push_back({name, data::ColumnType::kNumeric});
  }
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> outcome = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  const data::CleaningReport& report = outcome->cleaning_report;
  EXPECT_EQ(report.duplicate_rows, 2);
  EXPECT_THAT(report.missing_indicators, ElementsAre("m_a", "m_b"));
  std::vector<int64_t> all_rows(static_cast<size_t>(rows));
  std::iota(all_rows.begin(), all_rows.end(), 0);
  std::vector<std::string> leak_names, outlier_names;
  std::vector<int64_t> outlier_counts;
  for (const data::ColumnSpec& feature : plan.features) {
    const data::Column& column = table.column(static_cast<size_t>(table.FindColumn(feature.name)));
    if (auto leak = FindLeak(column, table.column(0), ml::Task::kRegression, all_rows, {})) {
      leak_names.push_back(leak->feature);
    }
    if (auto outliers = FindOutliers(column, all_rows)) {
      outlier_names.push_back(outliers->feature);
      outlier_counts.push_back(outliers->count);
    }
  }
  EXPECT_THAT(leak_names, ElementsAre("y_copy", "neg_y"));
  EXPECT_THAT(outlier_names, Contains("spiky"));
  std::vector<std::string> reported_leaks, reported_outliers;
  std::vector<int64_t> reported_counts;
  for (const data::LeakFinding& leak : report.leaks) reported_leaks.push_back(leak.feature);
  for (const data::OutlierFinding& finding : report.outliers) {
    reported_outliers.push_back(finding.feature);
    reported_counts.push_back(finding.count);
  }
  EXPECT_EQ(reported_leaks, leak_names);
  EXPECT_EQ(reported_outliers, outlier_names);
  EXPECT_EQ(reported_counts, outlier_counts);

  // On one thread (a job whose CPU budget is one core): the same report and the same model, byte for byte.
  TrainPlan one_thread = plan;
  one_thread.threads = 1;
  core::Result<TrainingOutcome> serial = TrainModel(table, one_thread, cancelled);
  ASSERT_TRUE(serial.ok()) << serial.status().ToString();
  EXPECT_EQ(ml::SerializeModel(*serial->model), ml::SerializeModel(*outcome->model));
  EXPECT_EQ(serial->metrics, outcome->metrics);
  EXPECT_EQ(serial->cleaning_report.duplicate_rows, report.duplicate_rows);
  EXPECT_EQ(serial->cleaning_report.missing_indicators, report.missing_indicators);
  ASSERT_EQ(serial->cleaning_report.leaks.size(), report.leaks.size());
  ASSERT_EQ(serial->cleaning_report.outliers.size(), report.outliers.size());
  for (size_t idx = 0; idx < report.outliers.size(); ++idx) {
    EXPECT_EQ(serial->cleaning_report.outliers[idx].feature, report.outliers[idx].feature);
    EXPECT_EQ(serial->cleaning_report.outliers[idx].count, report.outliers[idx].count);
  }
}

}  // namespace
}  // namespace amp::training
