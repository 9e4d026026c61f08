#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ml/pipeline.h"
#include "ml/pipeline_test_fixtures.h"

// Pipeline encoding: whole tables (column- and row-major), single rows at serving time, encoded names.
namespace amp::ml {
namespace {

using ::testing::ElementsAre;

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

// Row `row` of a table of two number columns and a category column (codes into `dictionary`) as serving sees it.
std::vector<FeatureValue> RowValues(const data::Table& table, size_t row, const std::vector<std::string>& dictionary) {
  std::vector<FeatureValue> values;
  for (size_t column = 0; column < 2; ++column) {
    const double value = table.column(column).numbers[row];
    values.push_back(std::isnan(value) ? FeatureValue::Missing() : FeatureValue::Number(value));
  }
  const int32_t code = table.column(2).codes[row];
  values.push_back(code < 0 ? FeatureValue::Missing() : FeatureValue::Text(dictionary[static_cast<size_t>(code)]));
  return values;
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
      const std::vector<FeatureValue> values = RowValues(table, row, dictionary);
      const int32_t code = table.column(2).codes[row];
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

// A table large enough that EncodeInto splits it into blocks of rows on several threads (the last block partial),
// read through a shuffled row order: both layouts must still equal EncodeRow, row by row, for plain and extended
// (missing-indicator) transforms.
TEST(PipelineTest, LargeTablesEncodeInBlocksExactlyAsRowByRow) {
  std::mt19937_64 rng(29);
  std::normal_distribution<double> normal(0.0, 10.0);
  std::bernoulli_distribution missing(0.1);
  const std::vector<std::string> dictionary = {"b", "a", "c"};
  data::Column x = NumberColumn("x", {});
  data::Column y = NumberColumn("y", {});
  data::Column c = CategoryColumn("c", dictionary, {});
  const int64_t row_count = 100'003;
  for (int64_t row_idx = 0; row_idx < row_count; ++row_idx) {
    x.numbers.push_back(missing(rng) ? kNaN : normal(rng));
    y.numbers.push_back(normal(rng));
    c.codes.push_back(missing(rng) ? -1 : static_cast<int32_t>(rng() % dictionary.size()));
  }
  data::Table table(row_count, {x, y, c});
  std::vector<int64_t> rows = AllRows(row_count);
  std::shuffle(rows.begin(), rows.end(), rng);
  FitOptions options;
  options.features.resize(3);
  options.features[0].missing_indicator = true;
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0, 1, 2}, rows, options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_TRUE(pipeline->HasExtendedTransforms());
  const auto width = static_cast<size_t>(pipeline->EncodedWidth());
  std::vector<float> row_major;
  pipeline->EncodeRowMajor(table, {0, 1, 2}, rows, &row_major);
  std::vector<double> column_major;
  pipeline->Encode(table, {0, 1, 2}, rows, &column_major);
  ASSERT_EQ(row_major.size(), rows.size() * width);
  ASSERT_EQ(column_major.size(), rows.size() * width);
  // The same bits on one thread (a job whose CPU budget is one core).
  std::vector<float> row_major_one_thread;
  pipeline->EncodeRowMajor(table, {0, 1, 2}, rows, &row_major_one_thread, 1);
  std::vector<double> column_major_one_thread;
  pipeline->Encode(table, {0, 1, 2}, rows, &column_major_one_thread, 1);
  EXPECT_TRUE(std::equal(row_major.begin(), row_major.end(), row_major_one_thread.begin(), row_major_one_thread.end(),
                         [](float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }));
  EXPECT_TRUE(std::equal(column_major.begin(), column_major.end(), column_major_one_thread.begin(),
                         column_major_one_thread.end(),
                         [](double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }));
  std::vector<float> want(width);
  for (size_t pos = 0; pos < rows.size(); ++pos) {
    pipeline->EncodeRow(RowValues(table, static_cast<size_t>(rows[pos]), dictionary), pos, want, nullptr);
    for (size_t column = 0; column < width; ++column) {
      ASSERT_EQ(std::bit_cast<uint32_t>(row_major[pos * width + column]), std::bit_cast<uint32_t>(want[column]))
          << "position " << pos << " column " << column;
      ASSERT_EQ(static_cast<float>(column_major[column * rows.size() + pos]), want[column])
          << "position " << pos << " column " << column;
    }
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

}  // namespace
}  // namespace amp::ml
