// Cross-validation folds: which of k folds each training row belongs to, stratified by class for a classifier so
// every fold keeps the class proportions (as scikit-learn's StratifiedKFold). Pure functions of their arguments
// (seeded, the same on every platform); thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace amp::training {

// The fold (0..folds-1) of each of `row_count` rows. Without labels the rows are shuffled (seeded) and dealt into
// folds whose sizes differ by at most one. With labels (one class index per row) the rows of each class are
// shuffled and dealt in turn, continuing from fold to fold across classes, so every class's count per fold differs
// by at most one, and so do the fold sizes. Requires 2 <= folds <= row_count (callers check and explain).
std::vector<int> AssignFolds(int64_t row_count, int folds, uint64_t seed, std::span<const int32_t> labels = {});

}  // namespace amp::training
