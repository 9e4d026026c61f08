#include "training/holdout_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace amp::training {

HoldoutSplit SplitHoldout(int64_t row_count, double holdout_fraction, uint64_t seed) {
  HoldoutSplit split;
  if (row_count <= 0) return split;
  int64_t holdout_count = static_cast<int64_t>(std::llround(static_cast<double>(row_count) * holdout_fraction));
  if (holdout_fraction > 0.0 && row_count >= 2) holdout_count = std::max<int64_t>(holdout_count, 1);
  holdout_count = std::clamp<int64_t>(holdout_count, 0, row_count - 1);
  std::vector<int64_t> order(static_cast<size_t>(row_count));
  std::iota(order.begin(), order.end(), 0);
  if (holdout_count == 0) {  // every row trains: the sorted result of any shuffle, without shuffling and sorting
    split.train_rows = std::move(order);
    return split;
  }
  // mt19937_64 with a hand-written Fisher-Yates: std::shuffle's draws are implementation-defined, and a split must
  // be the same on every platform.
  std::mt19937_64 engine(seed);
  for (int64_t pos = row_count - 1; pos > 0; --pos) {
    int64_t pick = static_cast<int64_t>(engine() % static_cast<uint64_t>(pos + 1));
    std::swap(order[static_cast<size_t>(pos)], order[static_cast<size_t>(pick)]);
  }
  split.holdout_rows.assign(order.begin(), order.begin() + holdout_count);
  split.train_rows.assign(order.begin() + holdout_count, order.end());
  std::sort(split.holdout_rows.begin(), split.holdout_rows.end());
  std::sort(split.train_rows.begin(), split.train_rows.end());
  return split;
}

}  // namespace amp::training
