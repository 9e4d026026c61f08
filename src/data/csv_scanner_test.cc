#include "data/csv_scanner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace amp::data {
namespace {

using ::testing::ElementsAre;

core::Result<TableSummary> Scan(const std::string& text, const ScanLimits& limits = {}) {
  std::istringstream input(text);
  return ScanCsv(input, limits);
}

// The error message of scanning `text`; fails the test if it scans cleanly.
std::string ErrorOf(const std::string& text, const ScanLimits& limits = {}) {
  core::Result<TableSummary> summary = Scan(text, limits);
  EXPECT_FALSE(summary.ok()) << text;
  return summary.ok() ? "" : summary.status().message();
}

TEST(CsvScannerTest, InfersTypePerColumn) {
  core::Result<TableSummary> summary = Scan(
      "num,int,bool,cat,mixed_bool_int,all_missing,big_int\n"
      "1.5,1,true,red,yes,,99999999999999999999\n"
      "2,2,no,green,1,NA,1\n"
      "-3,-7,Y,3,no,null,2\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->row_count, 3);
  std::vector<ColumnType> types;
  for (const ColumnSummary& column : summary->columns) types.push_back(column.type);
  EXPECT_THAT(types,
              ElementsAre(ColumnType::kNumeric, ColumnType::kInteger, ColumnType::kBoolean, ColumnType::kCategorical,
                          ColumnType::kCategorical, ColumnType::kNumeric, ColumnType::kNumeric));
  EXPECT_EQ(summary->FindColumn("cat"), 3);
  EXPECT_EQ(summary->FindColumn("nope"), -1);
}

TEST(CsvScannerTest, ReportsColumnsThatLookLikePersonalData) {
  core::Result<TableSummary> summary = Scan(
      "email,card,phone,ssn,price,city\n"
      "ann@example.com,4111111111111111,+1 415 555 2671,123-45-6789,298150.67,Lyon\n"
      "bob@example.org,5500 0000 0000 0004,+1 415 555 2672,234-56-7890,100000,Paris\n"
      "NA,378282246310005,+44 20 7946 0958,345-67-8901,12.5,Rome\n"
      "cy@example.net,,+49 30 1234567,456-78-9012,7,Oslo\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::vector<std::string> pii;
  for (const ColumnSummary& column : summary->columns) pii.push_back(column.pii);
  EXPECT_THAT(pii, ElementsAre("email", "card_number", "phone", "national_id", "", ""));
}

TEST(CsvScannerTest, NumberStatistics) {
  core::Result<TableSummary> summary = Scan("x\n2\n4\n NA\n4\n4\n5\n5\n7\n9\n\"\"\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const ColumnSummary& x = summary->columns[0];
  EXPECT_EQ(x.type, ColumnType::kInteger);
  EXPECT_EQ(x.missing_count, 2);
  EXPECT_EQ(x.distinct_count, 5);
  EXPECT_FALSE(x.distinct_capped);
  ASSERT_TRUE(x.min && x.max && x.mean && x.stddev);
  EXPECT_DOUBLE_EQ(*x.min, 2);
  EXPECT_DOUBLE_EQ(*x.max, 9);
  EXPECT_DOUBLE_EQ(*x.mean, 5);
  EXPECT_DOUBLE_EQ(*x.stddev, 2);  // the textbook population example
  EXPECT_TRUE(x.top_values.empty());
  // 8 values in ceil(sqrt(8)) = 3 equal-width bins over [2, 9].
  EXPECT_THAT(x.histogram.counts, ElementsAre(4, 2, 2));
  ASSERT_EQ(x.histogram.edges.size(), 4u);
  EXPECT_DOUBLE_EQ(x.histogram.edges.front(), 2);
  EXPECT_DOUBLE_EQ(x.histogram.edges.back(), 9);
}

TEST(CsvScannerTest, NumericDistinctCountsValuesNotSpellings) {
  core::Result<TableSummary> summary = Scan("x\n1\n1.0\n+1\n 1e0 \n-0\n0\n2.5\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->columns[0].type, ColumnType::kNumeric);
  EXPECT_EQ(summary->columns[0].distinct_count, 3);  // 1, 0, 2.5
}

TEST(CsvScannerTest, WelfordStaysAccurateWithALargeOffset) {
  // The naive sum-of-squares formula loses every digit here; Welford's method keeps them.
  std::string csv = "x\n";
  for (int row_idx = 0; row_idx < 1000; ++row_idx) csv += (row_idx % 2 == 0 ? "1000000001\n" : "1000000003\n");
  core::Result<TableSummary> summary = Scan(csv);
  ASSERT_TRUE(summary.ok());
  EXPECT_NEAR(*summary->columns[0].mean, 1000000002.0, 1e-6);
  EXPECT_NEAR(*summary->columns[0].stddev, 1.0, 1e-9);
}

TEST(CsvScannerTest, SingleValueHasZeroStddev) {
  core::Result<TableSummary> summary = Scan("x,y\n3.5,a\n");
  ASSERT_TRUE(summary.ok());
  EXPECT_DOUBLE_EQ(*summary->columns[0].stddev, 0);
  EXPECT_DOUBLE_EQ(*summary->columns[0].min, 3.5);
  EXPECT_DOUBLE_EQ(*summary->columns[0].max, 3.5);
}

TEST(CsvScannerTest, BooleanColumnProfile) {
  core::Result<TableSummary> summary = Scan("b\ntrue\nYes\nT\nno\n\nfalse\ny\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const ColumnSummary& b = summary->columns[0];
  EXPECT_EQ(b.type, ColumnType::kBoolean);
  EXPECT_EQ(b.missing_count, 0);  // the blank line is skipped, not a missing value
  EXPECT_EQ(b.distinct_count, 2);
  EXPECT_DOUBLE_EQ(*b.min, 0);
  EXPECT_DOUBLE_EQ(*b.max, 1);
  EXPECT_DOUBLE_EQ(*b.mean, 4.0 / 6.0);
  EXPECT_NEAR(*b.stddev, std::sqrt((4.0 / 6.0) * (2.0 / 6.0)), 1e-12);
  EXPECT_THAT(b.top_values, ElementsAre(ValueCount{"true", 4}, ValueCount{"false", 2}));
}

TEST(CsvScannerTest, CategoricalColumnProfile) {
  core::Result<TableSummary> summary = Scan("c,n\n b ,1\na,2\nc,3\nb,4\nN/A,5\na,6\nb,7\nz,8\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const ColumnSummary& c = summary->columns[0];
  EXPECT_EQ(c.type, ColumnType::kCategorical);
  EXPECT_EQ(c.missing_count, 1);
  EXPECT_EQ(c.distinct_count, 4);
  EXPECT_FALSE(c.min.has_value());
  EXPECT_FALSE(c.stddev.has_value());
  // Count descending, ties by value ascending; " b " counts as "b".
  EXPECT_THAT(c.top_values,
              ElementsAre(ValueCount{"b", 3}, ValueCount{"a", 2}, ValueCount{"c", 1}, ValueCount{"z", 1}));
}

TEST(CsvScannerTest, ColumnThatTurnsCategoricalLateDropsNumberStatistics) {
  std::string csv = "x\n";
  for (int row_idx = 0; row_idx < 100; ++row_idx) csv += std::to_string(row_idx) + "\n";
  csv += "unknown\n";
  core::Result<TableSummary> summary = Scan(csv);
  ASSERT_TRUE(summary.ok());
  const ColumnSummary& x = summary->columns[0];
  EXPECT_EQ(x.type, ColumnType::kCategorical);
  EXPECT_FALSE(x.mean.has_value());
  EXPECT_EQ(x.distinct_count, 101);
  ASSERT_EQ(x.top_values.size(), kMaxTopValues);
  EXPECT_EQ(x.top_values[0], (ValueCount{"0", 1}));  // all counts tie: ascending text
  EXPECT_EQ(x.top_values[1], (ValueCount{"1", 1}));
  EXPECT_EQ(x.top_values[2], (ValueCount{"10", 1}));
}

TEST(CsvScannerTest, AllMissingColumnIsNumericWithoutStatistics) {
  core::Result<TableSummary> summary = Scan("a,b\n1,\n2,NA\n3, none \n");
  ASSERT_TRUE(summary.ok());
  const ColumnSummary& b = summary->columns[1];
  EXPECT_EQ(b.type, ColumnType::kNumeric);
  EXPECT_EQ(b.missing_count, 3);
  EXPECT_EQ(b.distinct_count, 0);
  EXPECT_FALSE(b.min.has_value());
  EXPECT_FALSE(b.mean.has_value());
  EXPECT_TRUE(b.top_values.empty());
}

TEST(CsvScannerTest, DistinctCountIsCapped) {
  std::string csv = "id,label\n";
  const int64_t rows = kMaxTrackedDistinct + 50;
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    csv += "id" + std::to_string(row_idx) + "," + (row_idx % 3 == 0 ? "x" : "y") + "\n";
  }
  core::Result<TableSummary> summary = Scan(csv);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->row_count, rows);
  EXPECT_TRUE(summary->columns[0].distinct_capped);
  EXPECT_EQ(summary->columns[0].distinct_count, kMaxTrackedDistinct);
  EXPECT_EQ(summary->columns[0].top_values.size(), kMaxTopValues);
  EXPECT_FALSE(summary->columns[1].distinct_capped);
  EXPECT_EQ(summary->columns[1].distinct_count, 2);
  EXPECT_THAT(summary->columns[1].top_values,
              ElementsAre(ValueCount{"y", rows - (rows + 2) / 3}, ValueCount{"x", (rows + 2) / 3}));
}

TEST(CsvScannerTest, HeaderNamesAreTrimmed) {
  core::Result<TableSummary> summary = Scan("\xEF\xBB\xBF a ,\tb\n1,2\n");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->columns[0].name, "a");
  EXPECT_EQ(summary->columns[1].name, "b");
}

TEST(CsvScannerTest, Errors) {
  struct Case {
    std::string name;
    std::string input;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"empty file", "", "the file is empty"},
      {"only blank lines", "\n\r\n\n", "the file is empty"},
      {"header only", "a,b,c\n", "line 1: the header is not followed by any data rows"},
      {"header then blank lines", "a,b,c\n\n\n", "line 1: the header is not followed by any data rows"},
      {"short row", "a,b,c\n1,2,3\n4,5\n", "line 3: expected 3 fields, found 2"},
      {"long row", "a,b\n1,2\n\n3,4,5\n", "line 4: expected 2 fields, found 3"},
      {"row after multi-line field", "a,b\n\"x\ny\",1\n2\n", "line 4: expected 2 fields, found 1"},
      {"empty header name", "a,,c\n1,2,3\n", "line 1: column 2 of the header has an empty name"},
      {"blank header name", "a,  \n1,2\n", "line 1: column 2 of the header has an empty name"},
      {"duplicate header name", "a,b,a\n1,2,3\n", "line 1: duplicate column name \"a\" (columns 1 and 3)"},
      {"duplicate after trimming", "x, a,a \n1,2,3\n", "line 1: duplicate column name \"a\" (columns 2 and 3)"},
      {"header after blank lines", "\n\na,a\n1,2\n", "line 3: duplicate column name \"a\" (columns 1 and 2)"},
      {"reader error", "a\n\"oops\n", "line 2: a quoted field is not terminated"},
  };
  for (const Case& c : cases) {
    core::Result<TableSummary> summary = Scan(c.input);
    ASSERT_FALSE(summary.ok()) << c.name;
    EXPECT_EQ(summary.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(summary.status().message(), c.want) << c.name;
  }
}

TEST(CsvScannerTest, LimitsApply) {
  ScanLimits limits;
  limits.max_columns = 3;
  limits.max_field_bytes = 8;
  EXPECT_TRUE(Scan("a,b,c\n1,2,12345678\n", limits).ok());
  EXPECT_EQ(ErrorOf("a,b,c,d\n1,2,3,4\n", limits), "line 1: a record has more than 3 fields");
  EXPECT_EQ(ErrorOf("a,b,c\n1,2,123456789\n", limits), "line 2: a field is longer than 8 bytes");
  core::Result<TableSummary> summary = Scan("a\n1,2,3,4,5\n", limits);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), core::StatusCode::kResourceExhausted);
}

// A seeded random table checked against statistics computed directly.
TEST(CsvScannerTest, RandomTableMatchesDirectStatistics) {
  std::mt19937_64 rng(20240229);
  std::normal_distribution<double> normal(10.0, 3.0);
  std::string csv = "x,k\n";
  std::vector<double> xs;
  for (int row_idx = 0; row_idx < 5000; ++row_idx) {
    if (row_idx % 17 == 0) {
      csv += "NaN,k" + std::to_string(row_idx % 4) + "\n";
      continue;
    }
    const double x = normal(rng);
    xs.push_back(std::stod(std::to_string(x)));  // the value as written to the file
    csv += std::to_string(x) + ",k" + std::to_string(row_idx % 4) + "\n";
  }
  core::Result<TableSummary> summary = Scan(csv);
  ASSERT_TRUE(summary.ok());
  double sum = 0;
  for (double x : xs) sum += x;
  const double mean = sum / static_cast<double>(xs.size());
  double squares = 0;
  for (double x : xs) squares += (x - mean) * (x - mean);
  const ColumnSummary& x = summary->columns[0];
  EXPECT_EQ(x.type, ColumnType::kNumeric);
  EXPECT_EQ(x.missing_count, 5000 - static_cast<int64_t>(xs.size()));
  EXPECT_NEAR(*x.mean, mean, 1e-9);
  EXPECT_NEAR(*x.stddev, std::sqrt(squares / static_cast<double>(xs.size())), 1e-9);
  EXPECT_EQ(summary->columns[1].distinct_count, 4);
}

}  // namespace
}  // namespace amp::data
