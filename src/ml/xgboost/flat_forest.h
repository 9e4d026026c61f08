// FlatForest: a tree ensemble laid out as one contiguous array of 16-byte nodes, scored without XGBoost. Built from
// the JSON model XGBoost writes (XGBoosterSaveModelToBuffer with {"format": "json"}). Scoring follows XGBoost 1.7's
// CPU predictor step for step, so its margins are bit-identical to XGBoost's: each feature is a float, a split sends
// NaN to its default child and otherwise goes left iff value < threshold (float comparison), and the leaf values are
// added in float, tree by tree in model order, to the float base margin of the tree's output group. Regression and
// binary:logistic models have one group; multi:softprob models one per class, tree i adding to group tree_info[i].
// Transform then applies the objective's link (sigmoid or softmax, in float as XGBoost does). Immutable; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace amp::ml {

struct FlatNode {
  float value = 0.0f;    // a split's threshold (go left iff feature < value), or a leaf's value
  uint32_t feature = 0;  // a split's feature (column index of the row); 0 at a leaf, which walks may read
  uint32_t left = 0;     // a split's left child (index in the forest's node array; the right child is left + 1);
                         // 0 marks a leaf (index 0 is the first tree's root, nobody's child)
  uint32_t missing = 0;  // a split's child for a missing (NaN) feature: its default direction, left or left + 1
};
static_assert(sizeof(FlatNode) == 16, "four nodes per cache line");

enum class ForestObjective { kSquaredError, kLogistic, kSoftprob };

class FlatForest {
 public:
  // Parses an XGBoost 1.x JSON model of a gbtree booster with objective reg:squarederror, binary:logistic or
  // multi:softprob and no categorical splits. InvalidArgument naming the problem for anything else or for a
  // malformed document (a child out of range, a node reached twice, a feature beyond num_feature, a tree of no
  // group, ...). Children are re-laid out breadth first, each split's two children side by side.
  static core::Result<FlatForest> FromXgboostJson(std::string_view json);

  // The margin for one row of feature_count() floats (NaN = missing) of a one-group forest (the regression value,
  // or binary:logistic's log-odds). Walks eight trees at a time in lockstep (their chains of dependent loads
  // overlap in the CPU), then adds their leaves in tree order. Allocates nothing.
  float PredictRow(const float* row) const;
  // Predictions for `row_count` rows starting `row_stride` floats apart, into out[0..row_count). Takes 64 rows at a
  // time through each tree in turn (the tree stays in L1), eight rows walking it in lockstep. Every row's sum is
  // formed in the same order as PredictRow's, so the results are identical. Allocates nothing.
  void PredictRows(const float* rows, size_t row_count, size_t row_stride, float* out) const;
  // Every group's margin for one row into margins[0..group_count()), for forests of any number of groups.
  // Allocates nothing.
  void PredictMargins(const float* row, float* margins) const;
  // Turns group_count() margins into XGBoost's predictions in place: unchanged for reg:squarederror, the
  // probability of class 1 for binary:logistic, the class probabilities (softmax) for multi:softprob.
  void Transform(float* margins) const;

  ForestObjective objective() const { return objective_; }
  size_t group_count() const { return group_count_; }

  size_t tree_count() const { return roots_.size(); }
  // The output group tree `tree_idx` (< tree_count(), in model order) adds to.
  uint32_t TreeGroup(size_t tree_idx) const { return tree_groups_[tree_idx]; }
  size_t node_count() const { return nodes_.size(); }
  int feature_count() const { return feature_count_; }
  int max_depth() const { return max_depth_; }
  // The margin every group starts from: XGBoost's base_score, through the logit for binary:logistic.
  float base_score() const { return base_score_; }
  // The total loss reduction ("gain") of the splits on each feature, as XGBoost's total_gain importance.
  const std::vector<double>& total_gain() const { return total_gain_; }
  const std::vector<FlatNode>& nodes() const { return nodes_; }
  int64_t MemoryBytes() const;

 private:
  std::vector<FlatNode> nodes_;
  std::vector<uint32_t> roots_;
  std::vector<int> depths_;  // per tree: edges on its longest path
  std::vector<uint32_t> tree_groups_;  // per tree: its output group
  std::vector<double> total_gain_;
  float base_score_ = 0.0f;
  ForestObjective objective_ = ForestObjective::kSquaredError;
  size_t group_count_ = 1;
  int feature_count_ = 0;
  int max_depth_ = 0;
};

}  // namespace amp::ml
