#include "training/shard_plan.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace amp::training {

int ShardPlan::RankOf(int64_t row) const {
  auto found = std::upper_bound(shards.begin(), shards.end(), row,
                                [](int64_t value, const RowRange& range) { return value < range.end; });
  // Empty shards share their end with the previous one; upper_bound skips them.
  return static_cast<int>(found - shards.begin());
}

core::Result<ShardPlan> PlanEvenShards(int64_t rows, int workers) {
  if (workers < 1) return core::InvalidArgument("a shard plan needs at least one worker");
  if (rows < 0) return core::InvalidArgument("a shard plan needs a row count >= 0");
  ShardPlan plan;
  const int64_t base = rows / workers;
  const int64_t extra = rows % workers;
  int64_t begin = 0;
  for (int rank = 0; rank < workers; ++rank) {
    const int64_t size = base + (rank < extra ? 1 : 0);
    plan.shards.push_back({begin, begin + size});
    begin += size;
  }
  return plan;
}

core::Result<ShardPlan> PlanWeightedShards(int64_t rows, std::span<const double> weights) {
  if (weights.empty()) return core::InvalidArgument("a shard plan needs at least one worker");
  if (rows < 0) return core::InvalidArgument("a shard plan needs a row count >= 0");
  double total = 0.0;
  for (double weight : weights) {
    if (!(weight > 0.0) || !std::isfinite(weight)) {
      return core::InvalidArgument("shard weights must be positive numbers");
    }
    total += weight;
  }
  ShardPlan plan;
  double cumulative = 0.0;
  int64_t begin = 0;
  for (size_t rank = 0; rank < weights.size(); ++rank) {
    cumulative += weights[rank];
    int64_t end = rank + 1 == weights.size() ? rows : std::llround(static_cast<double>(rows) * (cumulative / total));
    end = std::clamp(end, begin, rows);
    plan.shards.push_back({begin, end});
    begin = end;
  }
  return plan;
}

}  // namespace amp::training
