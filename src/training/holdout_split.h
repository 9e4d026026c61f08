// HoldoutSplit: a seeded shuffle of row indices into a training part and a holdout part that no fitting step sees.
// Pure function of (row count, fraction, seed); thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace amp::training {

struct HoldoutSplit {
  std::vector<int64_t> train_rows;    // ascending
  std::vector<int64_t> holdout_rows;  // ascending
};

// holdout gets round(row_count * holdout_fraction) rows, at least 1 when row_count >= 2 and fraction > 0, and never
// all rows.
HoldoutSplit SplitHoldout(int64_t row_count, double holdout_fraction, uint64_t seed);

}  // namespace amp::training
