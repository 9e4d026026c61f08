#include "training/data_checks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace amp::training {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

data::Column Numbers(std::string name, std::vector<double> values) {
  return data::Column{std::move(name), data::ColumnType::kNumeric, std::move(values), {}, {}};
}

data::Column Categories(std::string name, std::vector<std::string> dictionary, std::vector<int32_t> codes) {
  return data::Column{std::move(name), data::ColumnType::kCategorical, {}, std::move(codes), std::move(dictionary)};
}

std::vector<int64_t> AllRows(size_t count) {
  std::vector<int64_t> rows(count);
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

TEST(CountDuplicateRowsTest, MissingEqualsMissingAndEveryColumnCounts) {
  data::Table table(6, {Numbers("x", {1, 1, kNaN, kNaN, 1, -0.0}), Categories("c", {"a", "b"}, {0, 0, -1, -1, 1, 0})});
  // Row 1 repeats row 0, row 3 repeats row 2 (missing in both columns); row 4 differs in c; -0 differs from 1.
  EXPECT_EQ(CountDuplicateRows(table), 2);
  EXPECT_EQ(CountDuplicateRows(data::Table(1, {Numbers("x", {1})})), 0);
}

TEST(FindLeakTest, Table) {
  std::vector<double> y(40);
  std::vector<double> noisy(40);
  std::vector<int32_t> labels(40);
  std::vector<int32_t> codes(40);
  std::vector<int32_t> many_codes(40);
  for (size_t idx = 0; idx < 40; ++idx) {
    y[idx] = static_cast<double>(idx % 4) * 10.0;
    noisy[idx] = static_cast<double>((idx * 7) % 11);
    labels[idx] = static_cast<int32_t>(idx % 4);
    codes[idx] = static_cast<int32_t>(idx % 4);
    many_codes[idx] = static_cast<int32_t>(idx);
  }
  std::vector<std::string> dictionary;
  for (int idx = 0; idx < 40; ++idx) dictionary.push_back("v" + std::to_string(idx));
  const data::Column target = Numbers("y", y);
  const std::vector<int64_t> rows = AllRows(40);
  struct LeakCase {
    const char* name;
    data::Column feature;
    ml::Task task;
    const char* measure;  // "" for no finding
  };
  std::vector<double> scaled(y);
  for (double& value : scaled) value = value * -3.0 + 2.0;
  const LeakCase cases[] = {
      {"negated copy", Numbers("f", scaled), ml::Task::kRegression, "correlation"},
      {"unrelated", Numbers("f", noisy), ml::Task::kRegression, ""},
      {"category per target value", Categories("f", dictionary, codes), ml::Task::kRegression, "correlation_ratio"},
      {"unique key is not a leak", Categories("f", dictionary, many_codes), ml::Task::kRegression, ""},
      {"category per class", Categories("f", dictionary, codes), ml::Task::kMulticlassClassification, "purity"},
      {"unique key per class", Categories("f", dictionary, many_codes), ml::Task::kMulticlassClassification, ""},
  };
  for (const LeakCase& test_case : cases) {
    auto finding = FindLeak(test_case.feature, target, test_case.task, rows, labels);
    if (std::string(test_case.measure).empty()) {
      EXPECT_FALSE(finding.has_value()) << test_case.name;
    } else {
      ASSERT_TRUE(finding.has_value()) << test_case.name;
      EXPECT_EQ(finding->measure, test_case.measure) << test_case.name;
      EXPECT_GE(std::fabs(finding->value), data::kLeakThreshold) << test_case.name;
    }
  }
  // Too few rows say nothing.
  EXPECT_FALSE(FindLeak(Numbers("f", scaled), target, ml::Task::kRegression, AllRows(9), labels).has_value());
}

TEST(FindOutliersTest, FarOutFencesOnly) {
  std::vector<double> values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, kNaN, 100};
  // numpy: Q1 = 4, Q3 = 10 over the 13 present values -> fences -14 and 28.
  auto finding = FindOutliers(Numbers("x", values), AllRows(values.size()));
  ASSERT_TRUE(finding.has_value());
  EXPECT_EQ(finding->count, 1);
  EXPECT_DOUBLE_EQ(finding->lower_fence, -14.0);
  EXPECT_DOUBLE_EQ(finding->upper_fence, 28.0);
  values.back() = 27;
  EXPECT_FALSE(FindOutliers(Numbers("x", values), AllRows(values.size())).has_value());
  // Zero IQR (mostly one value) reports nothing rather than every other value.
  EXPECT_FALSE(FindOutliers(Numbers("x", std::vector<double>(20, 5.0)), AllRows(20)).has_value());
  data::Column flags{"b", data::ColumnType::kBoolean, std::vector<double>(20, 0.0), {}, {}};
  EXPECT_FALSE(FindOutliers(flags, AllRows(20)).has_value());
}

TEST(MissingnessIsInformativeTest, Regression) {
  struct Case {
    int missing;
    double missing_mean;
    bool informative;
  };
  // 40 rows: present targets alternate 0 and 10 (std about 5); the missing ones all equal missing_mean.
  const Case cases[] = {
      {10, 5.0, false},   // same mean
      {10, 15.0, true},   // 10 above the present mean of 5: about 2 std and 6 standard errors
      {10, 8.0, false},   // 3 above: over 0.2 std but within 3 standard errors (could be chance)
      {4, 50.0, false},   // too few missing rows
      {36, 50.0, false},  // too few present rows
  };
  for (const Case& test_case : cases) {
    std::unique_ptr<bool[]> missing(new bool[40]);
    std::vector<double> target(40);
    for (int idx = 0; idx < 40; ++idx) {
      missing[idx] = idx < test_case.missing;
      target[idx] = missing[idx] ? test_case.missing_mean : (idx % 2 == 0 ? 0.0 : 10.0);
    }
    EXPECT_EQ(MissingnessIsInformative(std::span<const bool>(missing.get(), 40), target), test_case.informative)
        << test_case.missing << " " << test_case.missing_mean;
  }
}

TEST(MissingnessIsInformativeTest, Classification) {
  std::unique_ptr<bool[]> missing(new bool[40]);
  std::vector<int32_t> balanced(40), skewed(40);
  for (int idx = 0; idx < 40; ++idx) {
    missing[idx] = idx % 4 < 2;  // 20 missing rows, half of each class
    balanced[idx] = idx % 2;     // both groups half and half
    skewed[idx] = missing[idx] ? 1 : idx % 2;
  }
  const std::span<const bool> flags(missing.get(), 40);
  EXPECT_FALSE(MissingnessIsInformative(flags, balanced, 2));
  EXPECT_TRUE(MissingnessIsInformative(flags, skewed, 2));
  // A clear shift in a few rows is not significant: 5 missing rows, 4 of class 1 against 50/50 elsewhere.
  std::unique_ptr<bool[]> few(new bool[40]);
  std::vector<int32_t> few_labels(40);
  for (int idx = 0; idx < 40; ++idx) {
    few[idx] = idx < 5;
    few_labels[idx] = few[idx] ? (idx < 4 ? 1 : 0) : idx % 2;
  }
  EXPECT_FALSE(MissingnessIsInformative(std::span<const bool>(few.get(), 40), few_labels, 2));
}

}  // namespace
}  // namespace amp::training
