#include "ml/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ml/pipeline_test_fixtures.h"

// Pipeline::Fit: imputation values, standardization statistics, categories and their means, fit errors.
namespace amp::ml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The textbook two-pass mean and population standard deviation, to check the pipeline's one-pass version.
void MeanAndStd(const std::vector<double>& values, double* mean, double* stddev) {
  double sum = 0.0;
  for (double value : values) sum += value;
  *mean = sum / static_cast<double>(values.size());
  double squares = 0.0;
  for (double value : values) squares += (value - *mean) * (value - *mean);
  *stddev = std::sqrt(squares / static_cast<double>(values.size()));
}

// Fits one numeric column over all its rows.
FeatureTransform FitOneNumber(const std::vector<double>& values) {
  data::Table table(static_cast<int64_t>(values.size()), {NumberColumn("x", values)});
  std::vector<int64_t> rows = AllRows(table.row_count());
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  if (!pipeline.ok()) return {};
  EXPECT_EQ(pipeline->transforms().size(), 1u);
  return pipeline->transforms()[0];
}

TEST(PipelineTest, MedianImputationMatchesNumpy) {
  struct Case {
    std::string name;
    std::vector<double> values;  // NaN = missing
    double want_median;
  };
  const std::vector<Case> cases = {
      {"single value", {4.0}, 4.0},
      {"odd count", {5.0, 1.0, 3.0}, 3.0},
      {"even count averages the middle two", {4.0, 1.0, 10.0, 3.0}, 3.5},
      {"two values", {2.0, 1.0}, 1.5},
      {"duplicates in the middle", {1.0, 2.0, 2.0, 1.0}, 1.5},
      {"odd with repeats", {-1.0, 7.0, -1.0}, -1.0},
      {"missing values are ignored (odd present)", {kNaN, 5.0, 1.0, kNaN, 3.0}, 3.0},
      {"missing values are ignored (even present)", {9.0, kNaN, 1.0, 2.0, 8.0}, 5.0},
      {"negative and fractional", {-0.5, -2.25, 0.75, 10.0, -3.0, 1.0}, 0.125},
      {"descending", {6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0}, 3.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FeatureTransform transform = FitOneNumber(c.values);
    EXPECT_EQ(transform.impute_value, c.want_median);
  }
}

TEST(PipelineTest, MeanAndStdAreComputedAfterImputation) {
  // Present values {1, 3, 5}: median 3. After imputation the column is {1, 3, 3, 5, 3}: mean 3, population
  // variance (4 + 0 + 0 + 4 + 0) / 5 = 1.6, as StandardScaler sees SimpleImputer's output.
  FeatureTransform transform = FitOneNumber({1.0, kNaN, 3.0, 5.0, kNaN});
  EXPECT_EQ(transform.impute_value, 3.0);
  EXPECT_DOUBLE_EQ(transform.center, 3.0);
  EXPECT_DOUBLE_EQ(transform.scale, std::sqrt(1.6));

  // Even count of present values: median 2.5 fills the gap.
  transform = FitOneNumber({1.0, 2.0, kNaN, 3.0, 10.0});
  EXPECT_EQ(transform.impute_value, 2.5);
  double mean = 0.0;
  double stddev = 0.0;
  MeanAndStd({1.0, 2.0, 2.5, 3.0, 10.0}, &mean, &stddev);
  EXPECT_NEAR(transform.center, mean, 1e-12);
  EXPECT_NEAR(transform.scale, stddev, 1e-12);
}

TEST(PipelineTest, MeanAndStdMatchTwoPassOnRandomData) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(1000.0, 25.0);
  std::bernoulli_distribution missing(0.2);
  std::vector<double> values(501);
  for (double& value : values) value = missing(rng) ? kNaN : normal(rng);
  FeatureTransform transform = FitOneNumber(values);

  std::vector<double> present;
  for (double value : values) {
    if (!std::isnan(value)) present.push_back(value);
  }
  std::sort(present.begin(), present.end());
  const double median = present.size() % 2 == 1 ? present[present.size() / 2]
                                                : (present[present.size() / 2 - 1] + present[present.size() / 2]) / 2.0;
  EXPECT_EQ(transform.impute_value, median);

  std::vector<double> imputed = values;
  for (double& value : imputed) {
    if (std::isnan(value)) value = median;
  }
  double mean = 0.0;
  double stddev = 0.0;
  MeanAndStd(imputed, &mean, &stddev);
  EXPECT_NEAR(transform.center, mean, 1e-12 * std::fabs(mean));
  EXPECT_NEAR(transform.scale, stddev, 1e-10 * stddev);
}

TEST(PipelineTest, ConstantColumnGetsScaleOne) {
  FeatureTransform transform = FitOneNumber({7.5, 7.5, kNaN, 7.5});
  EXPECT_EQ(transform.impute_value, 7.5);
  EXPECT_EQ(transform.center, 7.5);
  EXPECT_EQ(transform.scale, 1.0);

  // A column with no value at all in the training rows imputes 0 and stays a constant 0.
  transform = FitOneNumber({kNaN, kNaN});
  EXPECT_EQ(transform.impute_value, 0.0);
  EXPECT_EQ(transform.center, 0.0);
  EXPECT_EQ(transform.scale, 1.0);
}

TEST(PipelineTest, MedianOfHugeValuesDoesNotOverflow) {
  FeatureTransform transform = FitOneNumber({1.7e308, kNaN, 1.7e308});
  EXPECT_EQ(transform.impute_value, 1.7e308);
  EXPECT_EQ(transform.center, 1.7e308);
  EXPECT_EQ(transform.scale, 1.0);
  transform = FitOneNumber({-1.7e308, kNaN, -1.7e308, -1.7e308, -1.7e308});
  EXPECT_EQ(transform.impute_value, -1.7e308);
  // Ordinary values still take numpy's (lower + upper) / 2.
  transform = FitOneNumber({0.1, 0.2});
  EXPECT_EQ(transform.impute_value, (0.1 + 0.2) / 2.0);
}

TEST(PipelineTest, StatisticsThatOverflowAreInvalidArgument) {
  // The artifact is JSON, which has no infinity: an overflowing center or scale must be refused at fit time.
  const std::vector<std::vector<double>> cases = {
      {1e200, -1e200, 1e200, -1e200},     // the variance overflows
      {1.7e308, -1.7e308, 1.7e308, 1.0},  // the mean overflows on the way
  };
  for (const std::vector<double>& values : cases) {
    data::Table table(static_cast<int64_t>(values.size()), {NumberColumn("big", values)});
    std::vector<int64_t> rows = AllRows(table.row_count());
    core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
    ASSERT_FALSE(pipeline.ok());
    EXPECT_EQ(pipeline.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_THAT(pipeline.status().message(), HasSubstr("'big'"));
  }
}

TEST(PipelineTest, FitsOnlyTheGivenRows) {
  // Rows 1 and 3 are not training rows; their extreme values must not leak into the statistics.
  data::Table table(5, {NumberColumn("x", {1.0, 1e9, 2.0, -1e9, kNaN})});
  const std::vector<int64_t> rows = {0, 2, 4};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  EXPECT_EQ(transform.impute_value, 1.5);
  EXPECT_DOUBLE_EQ(transform.center, 1.5);                  // {1, 2, 1.5}
  EXPECT_DOUBLE_EQ(transform.scale, std::sqrt(0.5 / 3.0));  // (0.25 + 0.25 + 0) / 3
}

TEST(PipelineTest, CategoriesAreSortedAndComeFromTrainingRowsOnly) {
  // Dictionary in first-seen order; "zeta" only appears in row 5, which is not a training row; "unused" in none.
  data::Table table(6, {CategoryColumn("city", {"rome", "berlin", "zeta", "amsterdam", "unused"}, {0, 1, 0, 3, 3, 2})});
  const std::vector<int64_t> rows = {0, 1, 2, 3, 4};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  EXPECT_EQ(transform.feature.name, "city");
  EXPECT_EQ(transform.feature.type, data::ColumnType::kCategorical);
  EXPECT_THAT(transform.categories, ElementsAre("amsterdam", "berlin", "rome"));
  EXPECT_EQ(pipeline->EncodedWidth(), 3);
}

TEST(PipelineTest, CategoriesSortBytewise) {
  // Byte order, as Python sorts str (for ASCII): upper case before lower case, digits before letters.
  data::Table table(5, {CategoryColumn("c", {"b", "B", "a", "10", "9"}, {0, 1, 2, 3, 4})});
  std::vector<int64_t> rows = AllRows(5);
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_THAT(pipeline->transforms()[0].categories, ElementsAre("10", "9", "B", "a", "b"));
}

TEST(PipelineTest, MostFrequentImputation) {
  struct Case {
    std::string name;
    std::vector<std::string> dictionary;
    std::vector<int32_t> codes;  // all rows are training rows
    std::string want_impute;
  };
  const std::vector<Case> cases = {
      {"clear winner", {"x", "y"}, {0, 1, 1, -1}, "y"},
      {"tie goes to the smallest category", {"pear", "apple"}, {0, 1, 0, 1}, "apple"},
      {"three-way tie", {"c", "b", "a"}, {0, 1, 2}, "a"},
      {"tie between later categories", {"z", "m", "k"}, {0, 1, 1, 2, 2}, "k"},
      {"missing values do not count", {"a", "b"}, {0, 1, 1, -1, -1, -1, 0, 1}, "b"},
      {"single category", {"only"}, {-1, 0, -1}, "only"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    data::Table table(static_cast<int64_t>(c.codes.size()), {CategoryColumn("c", c.dictionary, c.codes)});
    std::vector<int64_t> rows = AllRows(table.row_count());
    core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    const FeatureTransform& transform = pipeline->transforms()[0];
    ASSERT_GE(transform.impute_category, 0);
    ASSERT_LT(static_cast<size_t>(transform.impute_category), transform.categories.size());
    EXPECT_EQ(transform.categories[static_cast<size_t>(transform.impute_category)], c.want_impute);
  }
}

TEST(PipelineTest, CategoryMeansAreSharesOfTrainingRowsAfterImputation) {
  // Training rows 0-7: "b" x3, "a" x2, missing x3 (imputed as "b"); row 8 ("a") is not a training row.
  data::Table table(9, {CategoryColumn("c", {"b", "a"}, {0, 1, -1, 0, -1, 1, 0, -1, 1})});
  const std::vector<int64_t> rows = AllRows(8);
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  EXPECT_THAT(transform.categories, ElementsAre("a", "b"));
  EXPECT_THAT(transform.category_means, ElementsAre(2.0 / 8.0, 6.0 / 8.0));

  // The means are what Encode's one-hot columns average to over the training rows.
  std::vector<double> encoded;
  pipeline->Encode(table, {0}, rows, &encoded);
  ASSERT_EQ(encoded.size(), 16u);
  for (size_t column = 0; column < 2; ++column) {
    double sum = 0.0;
    for (size_t row = 0; row < 8; ++row) sum += encoded[column * 8 + row];
    EXPECT_DOUBLE_EQ(sum / 8.0, transform.category_means[column]) << "column " << column;
  }
}

TEST(PipelineTest, FitErrors) {
  data::Table table(3, {NumberColumn("x", {1.0, 2.0, 3.0}), CategoryColumn("c", {"a"}, {-1, -1, 0})});

  core::Result<Pipeline> no_rows = Pipeline::Fit(table, {0}, std::vector<int64_t>{});
  ASSERT_FALSE(no_rows.ok());
  EXPECT_EQ(no_rows.status().code(), core::StatusCode::kInvalidArgument);

  // "c" has a value only in row 2, which is not a training row.
  const std::vector<int64_t> rows = {0, 1};
  core::Result<Pipeline> empty_category = Pipeline::Fit(table, {0, 1}, rows);
  ASSERT_FALSE(empty_category.ok());
  EXPECT_EQ(empty_category.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty_category.status().message(), HasSubstr("'c'"));
}

}  // namespace
}  // namespace amp::ml
