// ShardPlan: which rows of a dataset each of k ranks of a distributed training reads: contiguous ranges of the
// dataset's row numbers, in rank order, covering every row exactly once. Ranks may get uneven shares (weights, e.g.
// for workers of different sizes). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace amp::training {

struct RowRange {
  int64_t begin = 0;  // first row
  int64_t end = 0;    // one past the last row
  int64_t size() const { return end - begin; }
  bool Contains(int64_t row) const { return row >= begin && row < end; }
  bool operator==(const RowRange&) const = default;
};

struct ShardPlan {
  std::vector<RowRange> shards;  // one per rank
  // The rank whose shard holds `row` (0 <= row < total rows).
  int RankOf(int64_t row) const;
};

// `rows` split over `workers` ranks as evenly as possible: the first rows % workers ranks get one row more.
// InvalidArgument for workers < 1 or rows < 0.
core::Result<ShardPlan> PlanEvenShards(int64_t rows, int workers);

// `rows` split in proportion to `weights` (one positive weight per rank): rank r ends at round(rows * (w_0 + ... +
// w_r) / sum), so the shares are as close to the weights as whole rows allow. InvalidArgument for no weights, a
// weight that is not positive and finite, or rows < 0.
core::Result<ShardPlan> PlanWeightedShards(int64_t rows, std::span<const double> weights);

}  // namespace amp::training
