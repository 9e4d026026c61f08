#include "ml/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace amp::ml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

data::Column NumberColumn(std::string name, std::vector<double> numbers,
                          data::ColumnType type = data::ColumnType::kNumeric) {
  data::Column column;
  column.name = std::move(name);
  column.type = type;
  column.numbers = std::move(numbers);
  return column;
}

data::Column CategoryColumn(std::string name, std::vector<std::string> categories, std::vector<int32_t> codes) {
  data::Column column;
  column.name = std::move(name);
  column.type = data::ColumnType::kCategorical;
  column.categories = std::move(categories);
  column.codes = std::move(codes);
  return column;
}

std::vector<int64_t> AllRows(int64_t count) {
  std::vector<int64_t> rows(static_cast<size_t>(count));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

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

// The table of the Encode tests. Fitted on rows 0-3:
//   size  (numeric): present {1, 3, 5}, median 3; imputed {1, 3, 3, 5}: mean 3, std sqrt(2)
//   beds  (integer): present {2, 2, 4}, median 2; imputed {2, 2, 2, 4}: mean 2.5, std sqrt(0.75)
//   pool  (boolean): present {1, 0, 0}, median 0; imputed {1, 0, 0, 0}: mean 0.25, std sqrt(0.1875)
//   city  (categorical): paris x1, berlin x2, one missing -> categories [berlin, paris], impute berlin;
//                         "rome" appears only in row 4, "oslo" in no row.
data::Table EncodeTable() {
  return data::Table(5, {NumberColumn("size", {1.0, kNaN, 3.0, 5.0, 7.0}),
                         NumberColumn("beds", {2.0, 2.0, kNaN, 4.0, 100.0}, data::ColumnType::kInteger),
                         NumberColumn("pool", {1.0, 0.0, 0.0, kNaN, 1.0}, data::ColumnType::kBoolean),
                         CategoryColumn("city", {"paris", "berlin", "oslo", "rome"}, {0, 1, -1, 1, 3})});
}

TEST(PipelineTest, FitsEveryColumnType) {
  data::Table table = EncodeTable();
  const std::vector<int64_t> train_rows = {0, 1, 2, 3};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0, 1, 2, 3}, train_rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const std::vector<FeatureTransform>& transforms = pipeline->transforms();
  ASSERT_EQ(transforms.size(), 4u);

  EXPECT_EQ(transforms[0].feature, (FeatureSpec{"size", data::ColumnType::kNumeric}));
  EXPECT_EQ(transforms[0].impute_value, 3.0);
  EXPECT_DOUBLE_EQ(transforms[0].center, 3.0);
  EXPECT_DOUBLE_EQ(transforms[0].scale, std::sqrt(2.0));

  EXPECT_EQ(transforms[1].feature, (FeatureSpec{"beds", data::ColumnType::kInteger}));
  EXPECT_EQ(transforms[1].impute_value, 2.0);
  EXPECT_DOUBLE_EQ(transforms[1].center, 2.5);
  EXPECT_DOUBLE_EQ(transforms[1].scale, std::sqrt(0.75));

  EXPECT_EQ(transforms[2].feature, (FeatureSpec{"pool", data::ColumnType::kBoolean}));
  EXPECT_EQ(transforms[2].impute_value, 0.0);
  EXPECT_DOUBLE_EQ(transforms[2].center, 0.25);
  EXPECT_DOUBLE_EQ(transforms[2].scale, std::sqrt(0.1875));

  EXPECT_EQ(transforms[3].feature, (FeatureSpec{"city", data::ColumnType::kCategorical}));
  EXPECT_THAT(transforms[3].categories, ElementsAre("berlin", "paris"));
  EXPECT_EQ(transforms[3].impute_category, 0);

  EXPECT_EQ(pipeline->EncodedWidth(), 5);
  EXPECT_THAT(pipeline->EncodedNames(), ElementsAre("size", "beds", "pool", "city=berlin", "city=paris"));
}

TEST(PipelineTest, EncodeWritesColumnMajorMatrix) {
  data::Table table = EncodeTable();
  const std::vector<int> feature_columns = {0, 1, 2, 3};
  const std::vector<int64_t> train_rows = {0, 1, 2, 3};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, feature_columns, train_rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();

  // Rows in a deliberately unsorted order: unseen category, missing everything-but-pool, all present.
  const std::vector<int64_t> rows = {4, 2, 0};
  std::vector<double> out = {123.0};  // stale content must be replaced
  pipeline->Encode(table, feature_columns, rows, &out);
  const double s_size = std::sqrt(2.0);
  const double s_beds = std::sqrt(0.75);
  const double s_pool = std::sqrt(0.1875);
  const std::vector<double> want = {// size: 7, 3, 1
                                    (7.0 - 3.0) / s_size, 0.0, (1.0 - 3.0) / s_size,
                                    // beds: 100, missing -> 2, 2
                                    (100.0 - 2.5) / s_beds, (2.0 - 2.5) / s_beds, (2.0 - 2.5) / s_beds,
                                    // pool: 1, 0, 1
                                    (1.0 - 0.25) / s_pool, (0.0 - 0.25) / s_pool, (1.0 - 0.25) / s_pool,
                                    // city=berlin: rome (unseen) -> 0, missing -> imputed berlin -> 1, paris -> 0
                                    0.0, 1.0, 0.0,
                                    // city=paris
                                    0.0, 0.0, 1.0};
  ASSERT_EQ(out.size(), want.size());
  for (size_t idx = 0; idx < want.size(); ++idx) EXPECT_NEAR(out[idx], want[idx], 1e-12) << "index " << idx;
}

TEST(PipelineTest, EncodeMapsCategoriesByTextOnAnotherTable) {
  data::Table train(3, {CategoryColumn("c", {"b", "a"}, {0, 1, 1})});
  std::vector<int64_t> train_rows = AllRows(3);
  core::Result<Pipeline> pipeline = Pipeline::Fit(train, {0}, train_rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_THAT(pipeline->transforms()[0].categories, ElementsAre("a", "b"));

  // Same schema, a different dictionary (codes mean other things), an unseen "c" and a missing value.
  data::Table other(5, {CategoryColumn("c", {"c", "a", "b"}, {0, 1, 2, -1, 2})});
  std::vector<int64_t> rows = AllRows(5);
  std::vector<double> out;
  pipeline->Encode(other, {0}, rows, &out);
  // Column "c=a" then "c=b"; the missing row gets the imputed "a".
  EXPECT_THAT(out, ElementsAre(0, 1, 0, 1, 0,  //
                               0, 0, 1, 0, 1));
}

TEST(PipelineTest, EncodeWithNoRowsIsEmpty) {
  data::Table table = EncodeTable();
  const std::vector<int> feature_columns = {0, 3};
  const std::vector<int64_t> train_rows = {0, 1};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, feature_columns, train_rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  std::vector<double> out = {1.0, 2.0};
  pipeline->Encode(table, feature_columns, std::vector<int64_t>{}, &out);
  EXPECT_TRUE(out.empty());
}

TEST(PipelineTest, WithoutScalingEncodedNumbersAreTheImputedRawValues) {
  data::Table table = EncodeTable();
  const std::vector<int> feature_columns = {0, 1, 2, 3};
  const std::vector<int64_t> train_rows = {0, 1, 2, 3};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, feature_columns, train_rows, NumberScaling::kNone);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  for (size_t feature_idx = 0; feature_idx < 3; ++feature_idx) {
    const FeatureTransform& transform = pipeline->transforms()[feature_idx];
    EXPECT_EQ(transform.center, 0.0);
    EXPECT_EQ(transform.scale, 1.0);
  }
  EXPECT_EQ(pipeline->transforms()[1].impute_value, 2.0);
  EXPECT_EQ(pipeline->transforms()[3].categories, (std::vector<std::string>{"berlin", "paris"}));

  const std::vector<int64_t> rows = {4, 2, 0};
  std::vector<double> out;
  pipeline->Encode(table, feature_columns, rows, &out);
  EXPECT_THAT(out, ElementsAre(7.0, 3.0, 1.0,    // size
                               100.0, 2.0, 2.0,  // beds (row 2 imputed)
                               1.0, 0.0, 1.0,    // pool
                               0.0, 1.0, 0.0,    // city=berlin (row 4 unseen, row 2 imputed)
                               0.0, 0.0, 1.0));  // city=paris
  std::vector<float> row_major = {9.0f};
  pipeline->EncodeRowMajor(table, feature_columns, rows, &row_major);
  EXPECT_THAT(row_major, ElementsAre(7, 100, 1, 0, 0,  //
                                     3, 2, 0, 1, 0,    //
                                     1, 2, 1, 0, 1));
  EXPECT_THAT(pipeline->feature_offsets(), ElementsAre(0, 1, 2, 3, 5));

  // Values too large to standardize are fine unscaled.
  data::Table big(4, {NumberColumn("big", {1e200, -1e200, 1e200, -1e200})});
  std::vector<int64_t> all = AllRows(4);
  core::Result<Pipeline> unscaled = Pipeline::Fit(big, {0}, all, NumberScaling::kNone);
  ASSERT_TRUE(unscaled.ok()) << unscaled.status().ToString();
  EXPECT_EQ(unscaled->transforms()[0].scale, 1.0);
}

// EncodeRow (serving) must agree with EncodeRowMajor (training) for the same values, scaled or not.
TEST(PipelineTest, EncodeRowAgreesWithTableEncoding) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal(0.0, 100.0);
  std::bernoulli_distribution missing(0.2);
  const std::vector<std::string> dictionary = {"b", "a", "c", "zz", "unseen"};
  data::Column x = NumberColumn("x", {});
  data::Column n = NumberColumn("n", {}, data::ColumnType::kInteger);
  data::Column c = CategoryColumn("c", dictionary, {});
  const int64_t row_count = 300;
  for (int64_t row_idx = 0; row_idx < row_count; ++row_idx) {
    x.numbers.push_back(missing(rng) ? kNaN : normal(rng));
    n.numbers.push_back(missing(rng) ? kNaN : std::round(normal(rng)));
    c.codes.push_back(missing(rng) ? -1 : static_cast<int32_t>(rng() % dictionary.size()));
  }
  data::Table table(row_count, {x, n, c});
  std::vector<int64_t> train_rows;
  for (int64_t row_idx = 0; row_idx < row_count; ++row_idx) {
    if (table.column(2).codes[static_cast<size_t>(row_idx)] != 4) train_rows.push_back(row_idx);  // "unseen"
  }
  const std::vector<int64_t> all = AllRows(row_count);
  for (NumberScaling scaling : {NumberScaling::kStandardize, NumberScaling::kNone}) {
    core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0, 1, 2}, train_rows, scaling);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    const auto width = static_cast<size_t>(pipeline->EncodedWidth());
    ASSERT_EQ(width, 6u);
    std::vector<float> want;
    pipeline->EncodeRowMajor(table, {0, 1, 2}, all, &want);
    std::vector<float> got(width);
    size_t warnings = 0;
    for (int64_t row_idx = 0; row_idx < row_count; ++row_idx) {
      const auto row = static_cast<size_t>(row_idx);
      std::vector<FeatureValue> values;
      for (size_t column = 0; column < 2; ++column) {
        const double value = table.column(column).numbers[row];
        values.push_back(std::isnan(value) ? FeatureValue::Missing() : FeatureValue::Number(value));
      }
      const int32_t code = table.column(2).codes[row];
      values.push_back(code < 0 ? FeatureValue::Missing() : FeatureValue::Text(dictionary[static_cast<size_t>(code)]));
      std::fill(got.begin(), got.end(), 123.0f);  // stale content must be replaced
      PredictionNotes notes;
      pipeline->EncodeRow(values, row, got, &notes);
      for (size_t column = 0; column < width; ++column) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[column]), std::bit_cast<uint32_t>(want[row * width + column]))
            << "row " << row_idx << " column " << column;
      }
      size_t want_warnings = 0;
      for (const FeatureValue& value : values) want_warnings += value.kind == FeatureValue::Kind::kMissing ? 1 : 0;
      want_warnings += code == 4 ? 1 : 0;
      ASSERT_EQ(notes.warnings.size(), want_warnings) << "row " << row_idx;
      warnings += notes.warnings.size();
    }
    EXPECT_GT(warnings, 0u);
  }
}

TEST(PipelineTest, EncodeRowNotes) {
  data::Table table = EncodeTable();
  const std::vector<int64_t> train_rows = {0, 1, 2, 3};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0, 3}, train_rows, NumberScaling::kNone);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  std::vector<float> out(3);
  PredictionNotes notes;
  const std::vector<FeatureValue> row = {FeatureValue::Missing(), FeatureValue::Text("oslo")};
  pipeline->EncodeRow(row, 7, out, &notes);
  EXPECT_THAT(out, ElementsAre(3.0f, 0.0f, 0.0f));
  EXPECT_THAT(notes.warnings, ElementsAre("row 7: feature 'size' is missing; imputed as in training",
                                          "row 7: feature 'city' has a category unseen in training ('oslo'); "
                                          "encoded as all zeros"));
  pipeline->EncodeRow(row, 8, out, nullptr);  // no notes wanted
  EXPECT_EQ(notes.warnings.size(), 2u);
}

TEST(PipelineTest, EncodedNamesAndWidthOfHandBuiltPipeline) {
  FeatureTransform number;
  number.feature = {"x", data::ColumnType::kNumeric};
  FeatureTransform category;
  category.feature = {"color", data::ColumnType::kCategorical};
  category.categories = {"blue", "red green", "z=1"};
  FeatureTransform flag;
  flag.feature = {"ok", data::ColumnType::kBoolean};
  Pipeline pipeline({number, category, flag});
  EXPECT_EQ(pipeline.EncodedWidth(), 5);
  EXPECT_THAT(pipeline.EncodedNames(), ElementsAre("x", "color=blue", "color=red green", "color=z=1", "ok"));

  Pipeline empty;
  EXPECT_EQ(empty.EncodedWidth(), 0);
  EXPECT_TRUE(empty.EncodedNames().empty());
}

// A double with all 52 mantissa bits random.
double FullMantissa(std::mt19937_64& rng, int min_exponent, int max_exponent) {
  const uint64_t mantissa = rng() & ((uint64_t{1} << 52) - 1);
  const int exponent = std::uniform_int_distribution<int>(min_exponent, max_exponent)(rng);
  const double value = std::ldexp(1.0 + std::ldexp(static_cast<double>(mantissa), -52), exponent);
  return (rng() & 1) != 0 ? -value : value;
}

void ExpectBitwiseEqual(double got, double want, const std::string& what) {
  EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want))
      << what << ": got " << got << ", want " << want;
}

void ExpectSamePipeline(const Pipeline& got, const Pipeline& want) {
  ASSERT_EQ(got.transforms().size(), want.transforms().size());
  for (size_t idx = 0; idx < want.transforms().size(); ++idx) {
    const FeatureTransform& a = got.transforms()[idx];
    const FeatureTransform& b = want.transforms()[idx];
    SCOPED_TRACE("transform " + std::to_string(idx) + " (" + b.feature.name + ")");
    EXPECT_EQ(a.feature, b.feature);
    if (data::IsNumberLike(b.feature.type)) {
      ExpectBitwiseEqual(a.impute_value, b.impute_value, "impute");
      ExpectBitwiseEqual(a.center, b.center, "center");
      ExpectBitwiseEqual(a.scale, b.scale, "scale");
    } else {
      EXPECT_EQ(a.categories, b.categories);
      EXPECT_EQ(a.impute_category, b.impute_category);
      ASSERT_EQ(a.category_means.size(), b.category_means.size());
      for (size_t mean_idx = 0; mean_idx < b.category_means.size(); ++mean_idx) {
        ExpectBitwiseEqual(a.category_means[mean_idx], b.category_means[mean_idx], "category mean");
      }
    }
  }
  EXPECT_EQ(got.EncodedWidth(), want.EncodedWidth());
}

TEST(PipelineTest, JsonRoundTripIsBitExact) {
  std::mt19937_64 rng(20240601);
  std::vector<FeatureTransform> transforms;
  for (int idx = 0; idx < 200; ++idx) {
    FeatureTransform transform;
    transform.feature = {"f" + std::to_string(idx),
                         idx % 3 == 0 ? data::ColumnType::kInteger : data::ColumnType::kNumeric};
    transform.impute_value = FullMantissa(rng, -30, 30);
    transform.center = FullMantissa(rng, -30, 30);
    transform.scale = std::fabs(FullMantissa(rng, -30, 30));
    transforms.push_back(transform);
  }
  // Doubles that are hard to print and read back.
  const std::vector<double> special = {0.1,
                                       1.0 / 3.0,
                                       -0.0,
                                       0.0,
                                       DBL_MAX,
                                       -DBL_MAX,
                                       DBL_MIN,
                                       std::numeric_limits<double>::denorm_min(),
                                       2.2250738585072009e-308,  // largest subnormal
                                       5e-324 * 12345,
                                       9007199254740993.0,
                                       1e23,
                                       8.41e21,
                                       5e-310,
                                       123456789012345680.0,
                                       2.718281828459045,
                                       1.7976931348623157e308 / 3};
  for (size_t idx = 0; idx < special.size(); ++idx) {
    FeatureTransform transform;
    transform.feature = {"special" + std::to_string(idx), data::ColumnType::kNumeric};
    transform.impute_value = special[idx];
    transform.center = -special[idx];
    transform.scale = special[idx] == 0.0 ? 1.0 : special[idx];
    transforms.push_back(transform);
  }
  FeatureTransform flag;
  flag.feature = {"flag", data::ColumnType::kBoolean};
  flag.impute_value = 1.0;
  flag.center = 0.3;
  flag.scale = 0.45825756949558399;
  transforms.push_back(flag);
  FeatureTransform category;
  // Names and categories that need escaping in JSON, and non-ASCII text.
  category.feature = {"qu\"ote\\d \xC3\xA9t\xC3\xA9\n", data::ColumnType::kCategorical};
  category.categories = {"", " spaced ", "\"", "a/b", "tab\there", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
  std::sort(category.categories.begin(), category.categories.end());
  category.impute_category = 3;
  category.category_means = {0.1, 1.0 / 3.0, 0.0, 0.2, 1e-300, 0.123456789012345678, 1.0};
  transforms.push_back(category);
  FeatureTransform old_category;  // as written before category means were recorded
  old_category.feature = {"old", data::ColumnType::kCategorical};
  old_category.categories = {"a", "b"};
  transforms.push_back(old_category);

  Pipeline pipeline(transforms);
  const std::string json = pipeline.ToJson();
  core::Result<Pipeline> parsed = Pipeline::FromJson(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ExpectSamePipeline(*parsed, pipeline);
  EXPECT_EQ(parsed->ToJson(), json);
}

TEST(PipelineTest, JsonRoundTripOfFittedPipeline) {
  data::Table table = EncodeTable();
  const std::vector<int64_t> train_rows = {0, 1, 2, 3, 4};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0, 1, 2, 3}, train_rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  core::Result<Pipeline> parsed = Pipeline::FromJson(pipeline->ToJson());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ExpectSamePipeline(*parsed, *pipeline);
  EXPECT_EQ(parsed->EncodedNames(), pipeline->EncodedNames());

  core::Result<Pipeline> empty = Pipeline::FromJson(Pipeline().ToJson());
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->transforms().empty());
}

TEST(PipelineTest, MalformedJsonIsDataLoss) {
  const std::string number = R"("name":"x","type":"numeric","impute":1,"center":0,"scale":2)";
  const std::string category = R"("name":"c","type":"categorical","categories":["a","b"],"impute_category":1)";
  struct Case {
    std::string name;
    std::string json;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"not JSON", "pipeline"},
      {"truncated", R"({"transforms":[{)" + number},
      {"trailing garbage", R"({"transforms":[]} x)"},
      {"array root", "[]"},
      {"string root", R"("transforms")"},
      {"no transforms", "{}"},
      {"transforms not an array", R"({"transforms":{}})"},
      {"transform not an object", R"({"transforms":[1]})"},
      {"transform null", R"({"transforms":[null]})"},
      {"no name", R"({"transforms":[{"type":"numeric","impute":1,"center":0,"scale":2}]})"},
      {"name not a string", R"({"transforms":[{"name":7,"type":"numeric","impute":1,"center":0,"scale":2}]})"},
      {"no type", R"({"transforms":[{"name":"x","impute":1,"center":0,"scale":2}]})"},
      {"unknown type", R"({"transforms":[{"name":"x","type":"float","impute":1,"center":0,"scale":2}]})"},
      {"type in capitals", R"({"transforms":[{"name":"x","type":"Numeric","impute":1,"center":0,"scale":2}]})"},
      {"no impute", R"({"transforms":[{"name":"x","type":"numeric","center":0,"scale":2}]})"},
      {"no center", R"({"transforms":[{"name":"x","type":"integer","impute":1,"scale":2}]})"},
      {"no scale", R"({"transforms":[{"name":"x","type":"boolean","impute":1,"center":0}]})"},
      {"center a string", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":"0","scale":2}]})"},
      {"scale null", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":0,"scale":null}]})"},
      {"scale zero", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":0,"scale":0}]})"},
      {"scale negative zero", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":0,"scale":-0.0}]})"},
      {"number too big", R"({"transforms":[{"name":"x","type":"numeric","impute":1e999,"center":0,"scale":1}]})"},
      {"NaN literal", R"({"transforms":[{"name":"x","type":"numeric","impute":NaN,"center":0,"scale":1}]})"},
      {"no categories", R"({"transforms":[{"name":"c","type":"categorical","impute_category":0}]})"},
      {"categories not an array",
       R"({"transforms":[{"name":"c","type":"categorical","categories":"a","impute_category":0}]})"},
      {"category not a string",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a",1],"impute_category":0}]})"},
      {"no impute_category", R"({"transforms":[{"name":"c","type":"categorical","categories":["a"]}]})"},
      {"impute_category negative",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":-1}]})"},
      {"impute_category out of range",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":2}]})"},
      {"impute_category fractional",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":0.5}]})"},
      {"impute_category a string",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":"0"}]})"},
      {"no categories at all",
       R"({"transforms":[{"name":"c","type":"categorical","categories":[],"impute_category":0}]})"},
      {"categories unsorted",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["b","a"],"impute_category":0}]})"},
      {"categories repeated",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","a"],"impute_category":0}]})"},
      {"category_means not an array",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":1}]})"},
      {"category_means too short",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":0,)"
       R"("category_means":[1]}]})"},
      {"category_means too long",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":[0.5,0.5]}]})"},
      {"category mean a string",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":["1"]}]})"},
      {"category mean negative",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":0,)"
       R"("category_means":[-0.5,1.5]}]})"},
      {"category mean above one",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":[1.5]}]})"},
      {"bad second transform", R"({"transforms":[{)" + number + R"(},{)" + category + R"(},{"name":"y"}]})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.json);
    core::Result<Pipeline> parsed = Pipeline::FromJson(c.json);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kDataLoss);
  }
  // The well-formed pieces used above parse.
  core::Result<Pipeline> good = Pipeline::FromJson(R"({"transforms":[{)" + number + R"(},{)" + category + R"(}]})");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->EncodedWidth(), 3);
}

TEST(ChooseOneHotLevelsTest, Table) {
  struct LevelCase {
    std::vector<int64_t> counts;
    int64_t rows;
    int max_levels;
    std::vector<bool> keep;
  };
  const LevelCase cases[] = {
      {{5, 3, 2}, 10, 30, {true, true, true}},                    // few rows: nothing is rare by share
      {{500, 300, 4, 196}, 1000, 30, {true, true, false, true}},  // 4 rows, 0.4%: rare
      {{500, 300, 10, 190}, 1000, 30, {true, true, true, true}},  // 10 rows: not rare (>= 5 rows)
      {{1, 1, 1}, 1000, 30, {true, false, false}},                // all rare: the first most frequent stays
      {{4, 9, 9, 7}, 29, 2, {false, true, true, false}},          // the cap: the two most frequent
      {{9, 9, 9}, 27, 2, {true, true, false}},                    // ties go to the lower index
      {{3}, 3, 0, {true}},                                        // a cap below one still keeps one
  };
  for (const LevelCase& test_case : cases) {
    EXPECT_EQ(ChooseOneHotLevels(test_case.counts, test_case.rows, test_case.max_levels), test_case.keep);
  }
}

TEST(PipelineTest, RareAndCappedLevelsShareTheOtherColumn) {
  // Levels a (5 rows), b (3), c (1), d (1): with a cap of 2, c and d go to "other"; "zz" was never seen.
  data::Table table(11, {CategoryColumn("c", {"a", "b", "c", "d", "zz"}, {0, 0, 0, 0, 0, 1, 1, 1, 2, 3, -1})});
  FitOptions options;
  options.max_levels = 2;
  auto pipeline = Pipeline::Fit(table, {0}, AllRows(11), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  EXPECT_THAT(transform.categories, ElementsAre("a", "b"));
  EXPECT_TRUE(transform.other_bucket);
  EXPECT_DOUBLE_EQ(transform.other_mean, 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(transform.category_means[0], 6.0 / 11.0);  // the missing row is imputed as "a"
  EXPECT_EQ(pipeline->EncodedWidth(), 3);
  EXPECT_THAT(pipeline->EncodedNames(), ElementsAre("c=a", "c=b", "c=(other)"));
  EXPECT_THAT(pipeline->EncodedMeans(0), ElementsAre(6.0 / 11.0, 3.0 / 11.0, 2.0 / 11.0));
  std::vector<double> encoded;
  pipeline->Encode(table, {0}, std::vector<int64_t>{0, 5, 8, 9, 10}, &encoded);
  // Column-major: a, then b, then other.
  EXPECT_THAT(encoded, ElementsAre(1, 0, 0, 0, 1, /**/ 0, 1, 0, 0, 0, /**/ 0, 0, 1, 1, 0));
  std::vector<float> row(3);
  PredictionNotes notes;
  pipeline->EncodeRow(std::vector<FeatureValue>{FeatureValue::Text("zz")}, 0, row, &notes);
  EXPECT_THAT(row, ElementsAre(0.0f, 0.0f, 1.0f));
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_THAT(notes.warnings[0], HasSubstr("encoded as other"));
  // Without the cap every level has a column and there is no other column.
  auto uncapped = Pipeline::Fit(table, {0}, AllRows(11));
  ASSERT_TRUE(uncapped.ok());
  EXPECT_FALSE(uncapped->transforms()[0].other_bucket);
  EXPECT_EQ(uncapped->EncodedWidth(), 4);
}

TEST(PipelineTest, MissingIndicatorColumn) {
  data::Table table(4, {NumberColumn("x", {1.0, kNaN, 3.0, kNaN})});
  FitOptions options;
  options.features = {{.date = false, .missing_indicator = true}};
  auto pipeline = Pipeline::Fit(table, {0}, AllRows(4), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(pipeline->transforms()[0].missing_indicator);
  EXPECT_DOUBLE_EQ(pipeline->transforms()[0].missing_share, 0.5);
  EXPECT_THAT(pipeline->EncodedNames(), ElementsAre("x", "x.missing"));
  std::vector<double> encoded;
  pipeline->Encode(table, {0}, AllRows(4), &encoded);
  // Imputed with the median 2, standardized by mean 2 and std sqrt(0.5); then the indicator column.
  const double z = 1.0 / std::sqrt(0.5);
  EXPECT_THAT(encoded, ElementsAre(-z, 0.0, z, 0.0, 0.0, 1.0, 0.0, 1.0));
  EXPECT_THAT(pipeline->EncodedMeans(0), ElementsAre(0.0, 0.5));
}

TEST(PipelineTest, DatePartsAreFittedAndEncodedAsNumbers) {
  // 2024-03-05 is a Tuesday (1), 2023-12-31 a Sunday (6); "soon" does not parse and counts as missing.
  data::Table table(4, {CategoryColumn("when", {"2024-03-05", "2023-12-31 18:30", "soon"}, {0, 1, 2, -1})});
  FitOptions options;
  options.scaling = NumberScaling::kNone;
  options.features = {{.date = true, .missing_indicator = true}};
  auto pipeline = Pipeline::Fit(table, {0}, AllRows(4), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  ASSERT_EQ(transform.date_parts.size(), 5u);  // a value has a time, so the hour is a part
  EXPECT_THAT(pipeline->EncodedNames(),
              ElementsAre("when.year", "when.month", "when.day", "when.weekday", "when.hour", "when.missing"));
  std::vector<float> encoded;
  pipeline->EncodeRowMajor(table, {0}, AllRows(4), &encoded);
  // Medians of two values: year 2023.5, month 7.5, day 18, weekday 3.5, hour 9.
  EXPECT_THAT(encoded, ElementsAre(2024, 3, 5, 1, 0, 0,         //
                                   2023, 12, 31, 6, 18, 0,      //
                                   2023.5, 7.5, 18, 3.5, 9, 1,  //
                                   2023.5, 7.5, 18, 3.5, 9, 1));
  // Serving reads the same text the same way, and notes what it could not read.
  std::vector<float> row(6);
  PredictionNotes notes;
  pipeline->EncodeRow(std::vector<FeatureValue>{FeatureValue::Text("2023-12-31 18:30")}, 0, row, &notes);
  EXPECT_THAT(row, ElementsAre(2023, 12, 31, 6, 18, 0));
  EXPECT_TRUE(notes.warnings.empty());
  pipeline->EncodeRow(std::vector<FeatureValue>{FeatureValue::Text("yesterday")}, 3, row, &notes);
  EXPECT_THAT(row, ElementsAre(2023.5, 7.5, 18, 3.5, 9, 1));
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_THAT(notes.warnings[0], HasSubstr("row 3: feature 'when' is not a date"));
}

TEST(PipelineTest, DateOptionErrors) {
  data::Table table(2, {NumberColumn("x", {1.0, 2.0}), CategoryColumn("when", {"never"}, {0, -1})});
  FitOptions options;
  options.features = {{.date = true, .missing_indicator = false}, {.date = false, .missing_indicator = false}};
  EXPECT_THAT(Pipeline::Fit(table, {0, 1}, AllRows(2), options).status().message(), HasSubstr("not text with dates"));
  options.features = {{.date = false, .missing_indicator = false}, {.date = true, .missing_indicator = false}};
  EXPECT_THAT(Pipeline::Fit(table, {0, 1}, AllRows(2), options).status().message(),
              HasSubstr("date feature 'when' has no date"));
  options.features = {{}};
  EXPECT_EQ(Pipeline::Fit(table, {0, 1}, AllRows(2), options).status().code(), core::StatusCode::kInvalidArgument);
}

TEST(PipelineTest, ExtendedTransformsRoundTripThroughJson) {
  data::Table table(
      6, {NumberColumn("x", {1.0, kNaN, 3.0, 4.0, kNaN, 6.0}), CategoryColumn("c", {"a", "b", "c"}, {0, 0, 0, 1, 1, 2}),
          CategoryColumn("when", {"2024-01-01", "2024-02-03T10:00:00Z"}, {0, 1, -1, 0, 1, 0})});
  FitOptions options;
  options.max_levels = 2;
  options.features = {{.date = false, .missing_indicator = true}, {}, {.date = true, .missing_indicator = true}};
  auto pipeline = Pipeline::Fit(table, {0, 1, 2}, AllRows(6), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(pipeline->HasExtendedTransforms());
  auto back = Pipeline::FromJson(pipeline->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->transforms(), pipeline->transforms());
  EXPECT_EQ(back->EncodedWidth(), pipeline->EncodedWidth());
  EXPECT_EQ(back->EncodedWidth(), 2 + 3 + 6);
  ModelSignature signature;
  for (const FeatureTransform& transform : back->transforms()) signature.features.push_back(transform.feature);
  EXPECT_TRUE(back->CheckSignature(signature).ok());
  // A date transform that also claims categories is refused.
  std::string broken = pipeline->ToJson();
  const std::string key = "\"name\":\"when\",\"type\":\"categorical\"";
  ASSERT_NE(broken.find(key), std::string::npos);
  broken.replace(broken.find(key), key.size(), "\"name\":\"when\",\"type\":\"numeric\"");
  EXPECT_EQ(Pipeline::FromJson(broken).status().code(), core::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace amp::ml
