#include "data/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace amp::data {
namespace {

TEST(HistogramBinCountTest, SquareRootBetweenOneAndTheCap) {
  struct Case {
    int64_t count;
    int max_bins;
    int bins;
  };
  const Case cases[] = {{0, 30, 1}, {1, 30, 1}, {2, 30, 2}, {9, 30, 3}, {10, 30, 4}, {10000, 30, 30}, {50, 5, 5}};
  for (const Case& c : cases) EXPECT_EQ(HistogramBinCount(c.count, c.max_bins), c.bins) << c.count;
}

TEST(EqualWidthHistogramTest, Table) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    const char* name;
    std::vector<double> values;
    bool integer_values;
    Histogram expected;
  };
  const Case cases[] = {
      {"empty", {}, false, {}},
      {"only non-finite", {nan, std::numeric_limits<double>::infinity()}, false, {}},
      {"one value", {3.0, 3.0, nan}, false, {{2.5, 3.5}, {2}}},
      // 9 values: 3 bins of width 8/3 over [0, 8]; 8 falls in the last bin.
      {"equal width", {0, 1, 2, 3, 4, 5, 6, 7, 8}, false, {{0, 8.0 / 3, 16.0 / 3, 8}, {3, 3, 3}}},
      // Integers 1..3 with 9 values: three unit bins centred on them.
      {"unit bins", {1, 1, 1, 1, 2, 2, 3, 3, 3}, true, {{0.5, 1.5, 2.5, 3.5}, {4, 2, 3}}},
      // Integers spread wider than the bin count: equal width as for reals.
      {"wide integers", {0, 10, 20, 30}, true, {{0, 15, 30}, {2, 2}}},
  };
  for (const Case& c : cases) {
    Histogram got = EqualWidthHistogram(c.values, c.integer_values);
    ASSERT_EQ(got.counts, c.expected.counts) << c.name;
    ASSERT_EQ(got.edges.size(), c.expected.edges.size()) << c.name;
    for (size_t edge_idx = 0; edge_idx < got.edges.size(); ++edge_idx) {
      EXPECT_NEAR(got.edges[edge_idx], c.expected.edges[edge_idx], 1e-12) << c.name;
    }
  }
}

// Counts each value into the bins by their edges, as a reader of the histogram would.
std::vector<int64_t> CountByEdges(const std::vector<double>& values, const std::vector<double>& edges) {
  std::vector<int64_t> counts(edges.size() - 1, 0);
  for (double value : values) {
    for (size_t bin = 0; bin + 1 < edges.size(); ++bin) {
      const bool last = bin + 2 == edges.size();
      if (value >= edges[bin] && (value < edges[bin + 1] || (last && value <= edges[bin + 1]))) {
        ++counts[bin];
        break;
      }
    }
  }
  return counts;
}

TEST(StreamingHistogramTest, FewValuesBinLikeEqualWidth) {
  StreamingHistogram streaming;
  std::vector<double> values;
  for (int value_idx = 0; value_idx < 100; ++value_idx) values.push_back(std::sin(value_idx) * 10.0);
  for (double value : values) streaming.Add(value);
  EXPECT_EQ(streaming.Finish(false), EqualWidthHistogram(values, false));
}

TEST(StreamingHistogramTest, ManyValuesKeepExactCountsWhileTheRangeGrowsBothWays) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(50.0, 5.0);
  std::vector<double> values;
  // A narrow start, then values far below and far above force the fine bins to widen both ways.
  for (int value_idx = 0; value_idx < 5000; ++value_idx) values.push_back(normal(rng));
  for (int value_idx = 0; value_idx < 3000; ++value_idx) values.push_back(normal(rng) - 400.0);
  for (int value_idx = 0; value_idx < 3000; ++value_idx) values.push_back(normal(rng) * 30.0 + 2000.0);
  StreamingHistogram streaming;
  for (double value : values) streaming.Add(value);
  streaming.Add(std::numeric_limits<double>::quiet_NaN());
  Histogram got = streaming.Finish(false);
  ASSERT_EQ(got.edges.size(), got.counts.size() + 1);
  EXPECT_LE(got.counts.size(), static_cast<size_t>(kMaxHistogramBins));
  EXPECT_GE(got.counts.size(), 10u);
  int64_t total = 0;
  for (int64_t count : got.counts) total += count;
  EXPECT_EQ(total, static_cast<int64_t>(values.size()));
  EXPECT_EQ(CountByEdges(values, got.edges), got.counts);
  EXPECT_GT(got.counts.front(), 0);
  EXPECT_GT(got.counts.back(), 0);
}

TEST(StreamingHistogramTest, ConstantStartThenSpread) {
  StreamingHistogram streaming;
  std::vector<double> values(StreamingHistogram::kBufferSize, 1.0);
  for (int value_idx = 0; value_idx < 100; ++value_idx) values.push_back(value_idx);
  for (double value : values) streaming.Add(value);
  Histogram got = streaming.Finish(true);
  EXPECT_EQ(CountByEdges(values, got.edges), got.counts);
}

TEST(StreamingHistogramTest, ValuesNearTheLimitsOfDoubleAreAllCounted) {
  const double huge = std::numeric_limits<double>::max();
  EXPECT_EQ(EqualWidthHistogram(std::vector<double>{-huge, huge, 0.0, 1.0}, false).counts,
            (std::vector<int64_t>{1, 3}));
  StreamingHistogram streaming;
  int64_t added = 0;
  for (int value_idx = 0; value_idx < 3000; ++value_idx, ++added) {
    streaming.Add(value_idx % 3 == 0 ? value_idx * 1e-3 : (value_idx % 3 == 1 ? huge : -huge) / (1 + value_idx % 7));
  }
  Histogram got = streaming.Finish(false);
  int64_t total = 0;
  for (int64_t count : got.counts) total += count;
  EXPECT_EQ(total, added);
  EXPECT_EQ(got.edges.size(), got.counts.size() + 1);
}

}  // namespace
}  // namespace amp::data
