// TreeEnsembleRegressor and TreeEnsembleClassifier (ai.onnx.ml) of AMP's ONNX executor. Scores start from base_values
// and add the leaves in float, tree by tree, as XGBoost does, so an exported XGBoost model gives XGBoost's margins.
#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "ml/onnx/onnx_scoring_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

enum class BranchMode { kLeq, kLt, kGte, kGt, kEq, kNeq, kLeaf };

core::Result<BranchMode> ParseBranchMode(std::string_view op, const std::string& mode) {
  static const std::map<std::string, BranchMode, std::less<>> kModes = {
      {"BRANCH_LEQ", BranchMode::kLeq}, {"BRANCH_LT", BranchMode::kLt}, {"BRANCH_GTE", BranchMode::kGte},
      {"BRANCH_GT", BranchMode::kGt},   {"BRANCH_EQ", BranchMode::kEq}, {"BRANCH_NEQ", BranchMode::kNeq},
      {"LEAF", BranchMode::kLeaf}};
  auto it = kModes.find(mode);
  if (it == kModes.end()) return Invalid(op, "node mode '" + mode + "' is not supported");
  return it->second;
}

struct TreeNode {
  BranchMode mode = BranchMode::kLeaf;
  int64_t feature = 0;
  float threshold = 0.0f;
  uint32_t true_child = 0;
  uint32_t false_child = 0;
  bool missing_goes_true = false;
  std::vector<std::pair<int64_t, float>> leaf_weights;  // (target or class id, weight)
};

// Tree ensemble attributes checked into trees: every tree has one root, every child is a node of the same tree,
// every node is reached once from its root (no cycles, no sharing), and every target id is below `target_count`.
class TreeEnsemble {
 public:
  static core::Result<TreeEnsemble> Build(std::string_view op, const OnnxAttributes& attributes,
                                          std::string_view leaf_prefix, int64_t target_count) {
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> tree_ids, attributes.Ints("nodes_treeids"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> node_ids, attributes.Ints("nodes_nodeids"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> features, attributes.Ints("nodes_featureids"));
    AMP_ASSIGN_OR_RETURN(std::vector<std::string> modes, attributes.Strings("nodes_modes"));
    AMP_ASSIGN_OR_RETURN(std::vector<float> values, attributes.Floats("nodes_values"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> true_ids, attributes.Ints("nodes_truenodeids"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> false_ids, attributes.Ints("nodes_falsenodeids"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> tracks_true, attributes.Ints("nodes_missing_value_tracks_true"));
    if (attributes.Has("nodes_values_as_tensor") || attributes.Has("base_values_as_tensor") ||
        attributes.Has(std::string(leaf_prefix) + "weights_as_tensor")) {
      return Invalid(op, "the *_as_tensor (double) attributes are not supported");
    }
    const size_t count = tree_ids.size();
    if (count == 0) return Invalid(op, "has no nodes");
    if (node_ids.size() != count || features.size() != count || modes.size() != count || values.size() != count ||
        true_ids.size() != count || false_ids.size() != count ||
        (!tracks_true.empty() && tracks_true.size() != count)) {
      return Invalid(op, "the nodes_* attributes differ in length");
    }
    TreeEnsemble ensemble;
    std::map<std::pair<int64_t, int64_t>, uint32_t> index;  // (tree, node) -> position
    std::vector<int64_t> tree_order;
    for (size_t idx = 0; idx < count; ++idx) {
      if (!index.emplace(std::make_pair(tree_ids[idx], node_ids[idx]), static_cast<uint32_t>(idx)).second) {
        return Invalid(op, "node " + std::to_string(node_ids[idx]) + " of tree " + std::to_string(tree_ids[idx]) +
                               " appears twice");
      }
      if (tree_order.empty() || std::find(tree_order.begin(), tree_order.end(), tree_ids[idx]) == tree_order.end()) {
        tree_order.push_back(tree_ids[idx]);
      }
      TreeNode node;
      AMP_ASSIGN_OR_RETURN(node.mode, ParseBranchMode(op, modes[idx]));
      node.feature = features[idx];
      if (node.mode != BranchMode::kLeaf && node.feature < 0) return Invalid(op, "negative feature id");
      node.threshold = values[idx];
      node.missing_goes_true = !tracks_true.empty() && tracks_true[idx] != 0;
      ensemble.nodes_.push_back(std::move(node));
    }
    std::vector<bool> is_child(count, false);
    for (size_t idx = 0; idx < count; ++idx) {
      TreeNode& node = ensemble.nodes_[idx];
      if (node.mode == BranchMode::kLeaf) continue;
      auto true_it = index.find({tree_ids[idx], true_ids[idx]});
      auto false_it = index.find({tree_ids[idx], false_ids[idx]});
      if (true_it == index.end() || false_it == index.end()) {
        return Invalid(op, "node " + std::to_string(node_ids[idx]) + " of tree " + std::to_string(tree_ids[idx]) +
                               " has a child that is not a node of its tree");
      }
      node.true_child = true_it->second;
      node.false_child = false_it->second;
      is_child[node.true_child] = true;
      is_child[node.false_child] = true;
      ensemble.max_feature_ = std::max(ensemble.max_feature_, node.feature);
    }
    for (int64_t tree : tree_order) {
      uint32_t root = UINT32_MAX;
      for (size_t idx = 0; idx < count; ++idx) {
        if (tree_ids[idx] != tree || is_child[idx]) continue;
        if (root != UINT32_MAX) return Invalid(op, "tree " + std::to_string(tree) + " has more than one root");
        root = static_cast<uint32_t>(idx);
      }
      if (root == UINT32_MAX) return Invalid(op, "tree " + std::to_string(tree) + " has no root (a cycle)");
      ensemble.roots_.push_back(root);
    }
    // Every node reached at most once from the roots: the walk in Run terminates.
    std::vector<bool> reached(count, false);
    for (uint32_t root : ensemble.roots_) {
      std::vector<uint32_t> pending = {root};
      while (!pending.empty()) {
        const uint32_t idx = pending.back();
        pending.pop_back();
        if (reached[idx]) return Invalid(op, "a node is reached twice (a cycle or a shared subtree)");
        reached[idx] = true;
        const TreeNode& node = ensemble.nodes_[idx];
        if (node.mode == BranchMode::kLeaf) continue;
        pending.push_back(node.true_child);
        if (node.false_child != node.true_child) pending.push_back(node.false_child);
      }
    }
    const std::string prefix(leaf_prefix);
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> leaf_trees, attributes.Ints(prefix + "treeids"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> leaf_nodes, attributes.Ints(prefix + "nodeids"));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> leaf_targets, attributes.Ints(prefix + "ids"));
    AMP_ASSIGN_OR_RETURN(std::vector<float> leaf_weights, attributes.Floats(prefix + "weights"));
    if (leaf_nodes.size() != leaf_trees.size() || leaf_targets.size() != leaf_trees.size() ||
        leaf_weights.size() != leaf_trees.size()) {
      return Invalid(op, "the " + prefix + "* attributes differ in length");
    }
    for (size_t idx = 0; idx < leaf_trees.size(); ++idx) {
      auto it = index.find({leaf_trees[idx], leaf_nodes[idx]});
      if (it == index.end() || ensemble.nodes_[it->second].mode != BranchMode::kLeaf) {
        return Invalid(op, "a weight names node " + std::to_string(leaf_nodes[idx]) + " of tree " +
                               std::to_string(leaf_trees[idx]) + ", which is no leaf");
      }
      if (leaf_targets[idx] < 0 || leaf_targets[idx] >= target_count) {
        return Invalid(op, "target id " + std::to_string(leaf_targets[idx]) + " out of range");
      }
      ensemble.nodes_[it->second].leaf_weights.emplace_back(leaf_targets[idx], leaf_weights[idx]);
    }
    return ensemble;
  }

  int64_t max_feature() const { return max_feature_; }

  // Adds each tree's leaf weights for `row` (feature values) to scores, in tree order.
  void Accumulate(const float* row, float* scores) const {
    for (uint32_t root : roots_) {
      const TreeNode* node = &nodes_[root];
      while (node->mode != BranchMode::kLeaf) {
        const float value = row[node->feature];
        bool go_true = false;
        if (std::isnan(value)) {
          go_true = node->missing_goes_true;
        } else {
          switch (node->mode) {
            case BranchMode::kLeq:
              go_true = value <= node->threshold;
              break;
            case BranchMode::kLt:
              go_true = value < node->threshold;
              break;
            case BranchMode::kGte:
              go_true = value >= node->threshold;
              break;
            case BranchMode::kGt:
              go_true = value > node->threshold;
              break;
            case BranchMode::kEq:
              go_true = value == node->threshold;
              break;
            case BranchMode::kNeq:
              go_true = value != node->threshold;
              break;
            case BranchMode::kLeaf:
              break;
          }
        }
        node = &nodes_[go_true ? node->true_child : node->false_child];
      }
      for (const auto& [target, weight] : node->leaf_weights) scores[target] += weight;
    }
  }

 private:
  std::vector<TreeNode> nodes_;
  std::vector<uint32_t> roots_;
  int64_t max_feature_ = -1;
};

class TreeEnsembleKernel final : public ScoringKernel {
 public:
  TreeEnsembleKernel(std::string op, TreeEnsemble ensemble, std::vector<float> base_values, int64_t targets,
                     PostTransform transform, ClassLabels labels)
      : ScoringKernel(std::move(op), targets, transform, std::move(labels)),
        ensemble_(std::move(ensemble)),
        base_values_(std::move(base_values)) {}

 private:
  core::Status CheckColumns(int64_t cols) const override {
    if (ensemble_.max_feature() >= cols) {
      return Invalid(op(), "a split reads feature " + std::to_string(ensemble_.max_feature()) + " of " +
                               std::to_string(cols) + " columns");
    }
    return core::Status::Ok();
  }

  std::vector<float> Score(const std::vector<float>& x, int64_t rows, int64_t cols) const override {
    const int64_t targets = this->targets();
    std::vector<float> scores(static_cast<size_t>(rows * targets), 0.0f);
    for (int64_t row = 0; row < rows; ++row) {
      float* row_scores = scores.data() + row * targets;
      for (int64_t target = 0; target < targets; ++target) {
        row_scores[target] = base_values_.empty() ? 0.0f : base_values_[static_cast<size_t>(target)];
      }
      ensemble_.Accumulate(x.data() + row * cols, row_scores);
    }
    return scores;
  }

  TreeEnsemble ensemble_;
  std::vector<float> base_values_;
};

}  // namespace

core::Result<std::unique_ptr<OnnxKernel>> CreateTreeEnsembleKernel(const OnnxNodeSpec& node,
                                                                   const OnnxAttributes& attributes) {
  const bool classifier = node.op_type == "TreeEnsembleClassifier";
  AMP_ASSIGN_OR_RETURN(std::string transform_name, attributes.String("post_transform", "NONE"));
  AMP_ASSIGN_OR_RETURN(PostTransform transform, ParsePostTransform(node.op_type, transform_name));
  AMP_ASSIGN_OR_RETURN(std::vector<float> base_values, attributes.Floats("base_values"));
  ClassLabels labels;
  int64_t targets = 0;
  if (classifier) {
    AMP_ASSIGN_OR_RETURN(labels, ReadClassLabels(node.op_type, attributes));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> class_ids, attributes.Ints("class_ids"));
    const bool one_column =
        labels.size() == 2 && std::all_of(class_ids.begin(), class_ids.end(), [](int64_t id) { return id == 0; });
    targets = one_column ? 1 : static_cast<int64_t>(labels.size());
    AMP_RETURN_IF_ERROR(CheckClassifierColumns(node.op_type, targets, labels.size(), transform));
  } else {
    AMP_ASSIGN_OR_RETURN(targets, attributes.Int("n_targets", 1));
    if (targets < 1 || targets > 1 << 20) return Invalid(node.op_type, "n_targets out of range");
    AMP_ASSIGN_OR_RETURN(std::string aggregate, attributes.String("aggregate_function", "SUM"));
    if (aggregate != "SUM") {
      return Invalid(node.op_type, "aggregate_function '" + aggregate + "' is not supported (SUM)");
    }
  }
  if (!base_values.empty() && static_cast<int64_t>(base_values.size()) != targets) {
    return Invalid(node.op_type,
                   std::to_string(base_values.size()) + " base_values for " + std::to_string(targets) + " outputs");
  }
  AMP_ASSIGN_OR_RETURN(TreeEnsemble ensemble,
                       TreeEnsemble::Build(node.op_type, attributes, classifier ? "class_" : "target_", targets));
  return std::unique_ptr<OnnxKernel>(new TreeEnsembleKernel(node.op_type, std::move(ensemble), std::move(base_values),
                                                            targets, transform, std::move(labels)));
}

}  // namespace amp::ml::onnx_kernels
