#include "training/shard_plan.h"

#include <gtest/gtest.h>

#include <vector>

namespace amp::training {
namespace {

std::vector<RowRange> Ranges(std::initializer_list<std::pair<int64_t, int64_t>> pairs) {
  std::vector<RowRange> ranges;
  for (auto [begin, end] : pairs) ranges.push_back({begin, end});
  return ranges;
}

// Every row in exactly one shard, shards contiguous and in rank order, and RankOf agrees.
void ExpectCoversOnce(const ShardPlan& plan, int64_t rows) {
  int64_t next = 0;
  for (size_t rank = 0; rank < plan.shards.size(); ++rank) {
    const RowRange& range = plan.shards[rank];
    EXPECT_EQ(range.begin, next) << "rank " << rank;
    EXPECT_LE(range.begin, range.end) << "rank " << rank;
    for (int64_t row = range.begin; row < range.end; ++row) EXPECT_EQ(plan.RankOf(row), static_cast<int>(rank));
    next = range.end;
  }
  EXPECT_EQ(next, rows);
}

TEST(ShardPlanTest, EvenShardsTable) {
  struct Case {
    int64_t rows;
    int workers;
    std::vector<RowRange> expected;
  };
  const std::vector<Case> cases = {
      {10, 1, Ranges({{0, 10}})},
      {10, 2, Ranges({{0, 5}, {5, 10}})},
      {11, 2, Ranges({{0, 6}, {6, 11}})},
      {10, 3, Ranges({{0, 4}, {4, 7}, {7, 10}})},
      {2, 3, Ranges({{0, 1}, {1, 2}, {2, 2}})},
      {0, 2, Ranges({{0, 0}, {0, 0}})},
  };
  for (const Case& test_case : cases) {
    auto plan = PlanEvenShards(test_case.rows, test_case.workers);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    EXPECT_EQ(plan->shards, test_case.expected) << test_case.rows << " rows, " << test_case.workers << " workers";
    ExpectCoversOnce(*plan, test_case.rows);
  }
}

TEST(ShardPlanTest, WeightedShardsTable) {
  struct Case {
    int64_t rows;
    std::vector<double> weights;
    std::vector<RowRange> expected;
  };
  const std::vector<Case> cases = {
      {100, {1, 3}, Ranges({{0, 25}, {25, 100}})},
      {100, {3, 1}, Ranges({{0, 75}, {75, 100}})},
      {10, {1, 1, 1}, Ranges({{0, 3}, {3, 7}, {7, 10}})},
      {7, {0.5, 0.25, 0.25}, Ranges({{0, 4}, {4, 5}, {5, 7}})},
      {1, {1, 1}, Ranges({{0, 1}, {1, 1}})},
  };
  for (const Case& test_case : cases) {
    auto plan = PlanWeightedShards(test_case.rows, test_case.weights);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    EXPECT_EQ(plan->shards, test_case.expected) << test_case.rows << " rows";
    ExpectCoversOnce(*plan, test_case.rows);
  }
}

TEST(ShardPlanTest, CoversEveryRowOnceForManySizes) {
  for (int64_t rows = 0; rows < 40; ++rows) {
    for (int workers = 1; workers < 7; ++workers) {
      auto even = PlanEvenShards(rows, workers);
      ASSERT_TRUE(even.ok());
      ExpectCoversOnce(*even, rows);
      std::vector<double> weights;
      for (int rank = 0; rank < workers; ++rank) weights.push_back(1.0 + rank * 0.7);
      auto weighted = PlanWeightedShards(rows, weights);
      ASSERT_TRUE(weighted.ok());
      ExpectCoversOnce(*weighted, rows);
    }
  }
}

TEST(ShardPlanTest, RefusesBadInput) {
  EXPECT_FALSE(PlanEvenShards(10, 0).ok());
  EXPECT_FALSE(PlanEvenShards(-1, 2).ok());
  const std::vector<double> zero = {1.0, 0.0};
  EXPECT_FALSE(PlanWeightedShards(10, zero).ok());
  const std::vector<double> negative = {-1.0};
  EXPECT_FALSE(PlanWeightedShards(10, negative).ok());
  EXPECT_FALSE(PlanWeightedShards(10, std::vector<double>{}).ok());
}

}  // namespace
}  // namespace amp::training
