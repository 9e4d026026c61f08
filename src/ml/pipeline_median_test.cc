// Pipeline::Fit's imputation median on large columns (bracketed by a sample, then selected among the few values in
// the bracket) is numpy's median of the present values, bit for bit, whatever the distribution, the missing
// values, the row subset, or a sample that misses the middle.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ml/pipeline.h"
#include "ml/pipeline_test_fixtures.h"

namespace amp::ml {
namespace {

// numpy.median of the non-NaN values at `rows`: sort, then the middle value or the mean of the two middle ones.
double SortedMedian(const std::vector<double>& numbers, const std::vector<int64_t>& rows) {
  std::vector<double> values;
  for (int64_t row : rows) {
    if (!std::isnan(numbers[static_cast<size_t>(row)])) values.push_back(numbers[static_cast<size_t>(row)]);
  }
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return values[mid];
  const double sum = values[mid - 1] + values[mid];
  return std::isfinite(sum) ? sum / 2.0 : values[mid - 1] / 2.0 + values[mid] / 2.0;
}

double FittedMedian(const std::vector<double>& numbers, const std::vector<int64_t>& rows) {
  data::Table table(static_cast<int64_t>(numbers.size()), {NumberColumn("x", numbers)});
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0}, rows, NumberScaling::kNone);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  return pipeline.ok() ? pipeline->transforms()[0].impute_value : std::nan("");
}

TEST(PipelineMedianTest, LargeColumnsGiveTheSortedMedianBitForBit) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(3.0, 2.0);
  std::exponential_distribution<double> skewed(0.01);
  std::uniform_int_distribution<int> few(0, 2);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::string name;
    size_t size;
    std::function<double(size_t)> value;
  };
  const std::vector<Case> cases = {
      {"normal, even count", 200000, [&](size_t) { return normal(rng); }},
      {"normal, odd count", 200001, [&](size_t) { return normal(rng); }},
      {"skewed, 30% missing", 300000, [&](size_t) { return unit(rng) < 0.3 ? nan : skewed(rng); }},
      {"three values, many ties: a third of them in the bracket, more than its first buffer", 250000,
       [&](size_t) { return static_cast<double>(few(rng)); }},
      {"ascending", 200000, [&](size_t row) { return static_cast<double>(row); }},
      {"descending", 200000, [&](size_t row) { return -static_cast<double>(row); }},
      // Every 16th row huge: an evenly spaced sample sees mostly those, and the bracket misses the middle.
      {"sample misses the middle", 262144,
       [&](size_t row) { return row % 16 == 0 ? 1e9 + static_cast<double>(row) : unit(rng); }},
      {"infinities on both sides", 200000,
       [&](size_t row) { return row % 5 == 0 ? inf : row % 5 == 1 ? -inf : normal(rng); }},
      {"mostly missing", 2000000, [&](size_t) { return unit(rng) < 0.9 ? nan : normal(rng); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<double> numbers(c.size);
    for (size_t row = 0; row < c.size; ++row) numbers[row] = c.value(row);
    std::vector<int64_t> all = AllRows(static_cast<int64_t>(c.size));
    EXPECT_EQ(std::bit_cast<uint64_t>(FittedMedian(numbers, all)), std::bit_cast<uint64_t>(SortedMedian(numbers, all)));
    std::vector<int64_t> subset;  // a training part: a seeded two thirds of the rows, in row order
    for (int64_t row : all) {
      if (unit(rng) < 2.0 / 3.0) subset.push_back(row);
    }
    EXPECT_EQ(std::bit_cast<uint64_t>(FittedMedian(numbers, subset)),
              std::bit_cast<uint64_t>(SortedMedian(numbers, subset)));
  }
}

}  // namespace
}  // namespace amp::ml
