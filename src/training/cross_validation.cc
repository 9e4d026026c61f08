#include "training/cross_validation.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

namespace amp::training {
namespace {

// A hand-written Fisher-Yates over mt19937_64 (std::shuffle's draws are implementation-defined), as SplitHoldout.
void Shuffle(std::vector<int64_t>& values, std::mt19937_64& engine) {
  for (size_t pos = values.size(); pos > 1; --pos) {
    auto pick = static_cast<size_t>(engine() % static_cast<uint64_t>(pos));
    std::swap(values[pos - 1], values[pick]);
  }
}

}  // namespace

std::vector<int> AssignFolds(int64_t row_count, int folds, uint64_t seed, std::span<const int32_t> labels) {
  std::vector<int> fold_of(static_cast<size_t>(std::max<int64_t>(row_count, 0)), 0);
  if (row_count <= 0 || folds < 1) return fold_of;
  std::mt19937_64 engine(seed);
  // Rows grouped by class (one group without labels), classes in index order.
  std::map<int32_t, std::vector<int64_t>> groups;
  for (int64_t row_idx = 0; row_idx < row_count; ++row_idx) {
    int32_t label = labels.empty() ? 0 : labels[static_cast<size_t>(row_idx)];
    groups[label].push_back(row_idx);
  }
  int next_fold = 0;
  for (auto& [label, rows] : groups) {
    Shuffle(rows, engine);
    for (int64_t row_idx : rows) {
      fold_of[static_cast<size_t>(row_idx)] = next_fold;
      next_fold = (next_fold + 1) % folds;
    }
  }
  return fold_of;
}

}  // namespace amp::training
