// The ai.onnx.ml operators of AMP's ONNX executor: Imputer, Scaler, LabelEncoder, OneHotEncoder, LinearRegressor,
// LinearClassifier, TreeEnsembleRegressor and TreeEnsembleClassifier. Tree scores start from base_values and add the
// leaves in float, tree by tree, as XGBoost does, so an exported XGBoost model gives XGBoost's margins.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "ml/onnx/onnx_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

core::Status Invalid(std::string_view op, const std::string& message) {
  return core::InvalidArgument(std::string(op) + ": " + message);
}

// Values given once for all columns or once per column.
core::Status CheckPerColumn(std::string_view op, std::string_view what, size_t given, int64_t cols) {
  if (given != 1 && static_cast<int64_t>(given) != cols) {
    return Invalid(
        op, std::string(what) + " has " + std::to_string(given) + " values for " + std::to_string(cols) + " columns");
  }
  return core::Status::Ok();
}

class ImputerKernel final : public OnnxKernel {
 public:
  ImputerKernel(std::vector<float> values, float replaced) : values_(std::move(values)), replaced_(replaced) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (input.type != OnnxElementType::kFloat) return Invalid("Imputer", "takes floats, not " + input.Describe());
    int64_t rows = 0;
    int64_t cols = 0;
    AMP_RETURN_IF_ERROR(MatrixShape(input, "Imputer", &rows, &cols));
    AMP_RETURN_IF_ERROR(CheckPerColumn("Imputer", "imputed_value_floats", values_.size(), cols));
    OnnxTensor& out = outputs[0];
    out = input;
    const bool replace_nan = std::isnan(replaced_);
    for (size_t idx = 0; idx < out.floats.size(); ++idx) {
      float& value = out.floats[idx];
      if (replace_nan ? std::isnan(value) : value == replaced_) {
        value = values_.size() == 1 ? values_[0] : values_[idx % static_cast<size_t>(cols)];
      }
    }
    return core::Status::Ok();
  }

 private:
  std::vector<float> values_;
  float replaced_;
};

class ScalerKernel final : public OnnxKernel {
 public:
  ScalerKernel(std::vector<float> offset, std::vector<float> scale)
      : offset_(std::move(offset)), scale_(std::move(scale)) {}
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    int64_t rows = 0;
    int64_t cols = 0;
    AMP_RETURN_IF_ERROR(MatrixShape(input, "Scaler", &rows, &cols));
    AMP_RETURN_IF_ERROR(CheckPerColumn("Scaler", "offset", offset_.size(), cols));
    AMP_RETURN_IF_ERROR(CheckPerColumn("Scaler", "scale", scale_.size(), cols));
    AMP_ASSIGN_OR_RETURN(std::vector<float> values, AsFloats(input, "Scaler"));
    for (size_t idx = 0; idx < values.size(); ++idx) {
      const size_t col = idx % static_cast<size_t>(cols);
      values[idx] = (values[idx] - offset_[offset_.size() == 1 ? 0 : col]) * scale_[scale_.size() == 1 ? 0 : col];
    }
    outputs[0] = OnnxTensor::Floats(input.shape, std::move(values));
    return core::Status::Ok();
  }

 private:
  std::vector<float> offset_;
  std::vector<float> scale_;
};

// LabelEncoder (ai.onnx.ml 2): maps string or int64 keys to string, int64 or float values, others to the default.
class LabelEncoderKernel final : public OnnxKernel {
 public:
  LabelEncoderKernel(OnnxTensor keys, OnnxTensor values, OnnxTensor fallback)
      : keys_(std::move(keys)), values_(std::move(values)), default_(std::move(fallback)) {
    for (size_t idx = 0; idx < keys_.ValueCount(); ++idx) {
      if (keys_.type == OnnxElementType::kString) {
        string_index_.emplace(keys_.strings[idx], idx);  // the first of duplicate keys wins
      } else {
        int_index_.emplace(keys_.ints[idx], idx);
      }
    }
  }
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (input.type != keys_.type) {
      return Invalid("LabelEncoder",
                     "keys are " + std::string(OnnxElementTypeName(keys_.type)) + ", input is " + input.Describe());
    }
    OnnxTensor& out = outputs[0];
    out = OnnxTensor{};
    out.type = values_.type;
    out.shape = input.shape;
    for (size_t idx = 0; idx < input.ValueCount(); ++idx) {
      size_t found = SIZE_MAX;
      if (input.type == OnnxElementType::kString) {
        if (auto it = string_index_.find(input.strings[idx]); it != string_index_.end()) found = it->second;
      } else if (auto it = int_index_.find(input.ints[idx]); it != int_index_.end()) {
        found = it->second;
      }
      const OnnxTensor& source = found == SIZE_MAX ? default_ : values_;
      const size_t at = found == SIZE_MAX ? 0 : found;
      switch (values_.type) {
        case OnnxElementType::kFloat:
          out.floats.push_back(source.floats[at]);
          break;
        case OnnxElementType::kInt64:
          out.ints.push_back(source.ints[at]);
          break;
        case OnnxElementType::kString:
          out.strings.push_back(source.strings[at]);
          break;
      }
    }
    return core::Status::Ok();
  }

 private:
  OnnxTensor keys_;
  OnnxTensor values_;
  OnnxTensor default_;
  std::unordered_map<std::string, size_t> string_index_;
  std::unordered_map<int64_t, size_t> int_index_;
};

class OneHotEncoderKernel final : public OnnxKernel {
 public:
  OneHotEncoderKernel(std::vector<int64_t> int_categories, std::vector<std::string> string_categories, bool zeros)
      : zeros_(zeros), by_strings_(!string_categories.empty()) {
    category_count_ = static_cast<int64_t>(by_strings_ ? string_categories.size() : int_categories.size());
    for (size_t idx = 0; idx < int_categories.size(); ++idx) int_index_.emplace(int_categories[idx], idx);
    for (size_t idx = 0; idx < string_categories.size(); ++idx) string_index_.emplace(string_categories[idx], idx);
  }
  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    if (by_strings_ != (input.type == OnnxElementType::kString)) {
      return Invalid("OneHotEncoder", std::string("categories are ") + (by_strings_ ? "strings" : "int64") +
                                          ", input is " + input.Describe());
    }
    if (input.shape.size() >= kMaxRank) return Invalid("OneHotEncoder", "input rank too high");
    std::vector<int64_t> shape = input.shape;
    shape.push_back(category_count_);
    AMP_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(shape));
    std::vector<float> values(static_cast<size_t>(count), 0.0f);
    for (size_t idx = 0; idx < input.ValueCount(); ++idx) {
      size_t found = SIZE_MAX;
      if (by_strings_) {
        if (auto it = string_index_.find(input.strings[idx]); it != string_index_.end()) found = it->second;
      } else {
        // Floats count as the int64 they hold, as ONNX Runtime casts them.
        const int64_t key = input.type == OnnxElementType::kInt64 ? input.ints[idx]
                            : std::isfinite(input.floats[idx])    ? static_cast<int64_t>(input.floats[idx])
                                                                  : std::numeric_limits<int64_t>::min();
        if (auto it = int_index_.find(key); it != int_index_.end()) found = it->second;
      }
      if (found == SIZE_MAX) {
        if (!zeros_) return Invalid("OneHotEncoder", "unknown category and zeros=0");
        continue;
      }
      values[idx * static_cast<size_t>(category_count_) + found] = 1.0f;
    }
    outputs[0] = OnnxTensor::Floats(std::move(shape), std::move(values));
    return core::Status::Ok();
  }

 private:
  bool zeros_;
  bool by_strings_;
  int64_t category_count_ = 0;
  std::unordered_map<int64_t, size_t> int_index_;
  std::unordered_map<std::string, size_t> string_index_;
};

enum class PostTransform { kNone, kLogistic, kSoftmax, kSoftmaxZero };

core::Result<PostTransform> ParsePostTransform(std::string_view op, const std::string& name) {
  if (name == "NONE") return PostTransform::kNone;
  if (name == "LOGISTIC") return PostTransform::kLogistic;
  if (name == "SOFTMAX") return PostTransform::kSoftmax;
  if (name == "SOFTMAX_ZERO") return PostTransform::kSoftmaxZero;
  return Invalid(op, "post_transform '" + name + "' is not supported (NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO)");
}

float Logistic(float value) {
  return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(value))));
}

// Applies `transform` to one row of scores in place.
void ApplyPostTransform(PostTransform transform, std::span<float> scores) {
  switch (transform) {
    case PostTransform::kNone:
      return;
    case PostTransform::kLogistic:
      for (float& score : scores) score = Logistic(score);
      return;
    case PostTransform::kSoftmax:
    case PostTransform::kSoftmaxZero: {
      // SOFTMAX_ZERO leaves zero scores at zero (they take no part in the sum).
      const bool skip_zeros = transform == PostTransform::kSoftmaxZero;
      float max = -std::numeric_limits<float>::infinity();
      for (float score : scores) {
        if (!skip_zeros || score != 0.0f) max = std::max(max, score);
      }
      double sum = 0.0;
      for (float score : scores) {
        if (!skip_zeros || score != 0.0f) sum += std::exp(static_cast<double>(score - max));
      }
      for (float& score : scores) {
        if (skip_zeros && score == 0.0f) continue;
        score = static_cast<float>(std::exp(static_cast<double>(score - max)) / sum);
      }
      return;
    }
  }
}

// The class labels of a classifier: strings or int64s.
struct ClassLabels {
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
  size_t size() const { return strings.empty() ? ints.size() : strings.size(); }
};

core::Result<ClassLabels> ReadClassLabels(std::string_view op, const OnnxAttributes& attributes) {
  ClassLabels labels;
  AMP_ASSIGN_OR_RETURN(labels.strings, attributes.Strings("classlabels_strings"));
  AMP_ASSIGN_OR_RETURN(labels.ints, attributes.Ints("classlabels_ints"));
  if (labels.strings.empty() == labels.ints.empty()) {
    return Invalid(op, "needs one of classlabels_strings and classlabels_int64s");
  }
  return labels;
}

// Writes a classifier's outputs: the label of each row (the given class index) and the scores.
void WriteClassifierOutputs(const ClassLabels& labels, const std::vector<size_t>& chosen, int64_t rows,
                            int64_t score_cols, std::vector<float> scores, std::span<OnnxTensor> outputs) {
  OnnxTensor& label = outputs[0];
  label = OnnxTensor{};
  label.shape = {rows};
  if (!labels.strings.empty()) {
    label.type = OnnxElementType::kString;
    for (size_t index : chosen) label.strings.push_back(labels.strings[index]);
  } else {
    label.type = OnnxElementType::kInt64;
    for (size_t index : chosen) label.ints.push_back(labels.ints[index]);
  }
  if (outputs.size() > 1) outputs[1] = OnnxTensor::Floats({rows, score_cols}, std::move(scores));
}

size_t ArgMax(std::span<const float> scores) {
  size_t best = 0;
  for (size_t idx = 1; idx < scores.size(); ++idx) {
    if (scores[idx] > scores[best]) best = idx;
  }
  return best;
}

// Scores of a binary classifier that computes one: the label is the second class iff the score is positive, the
// scores are (1 - p, p) with p the logistic of the score (post_transform LOGISTIC), as ONNX Runtime writes them.
void BinaryFromOneScore(std::vector<float>* scores, std::vector<size_t>* chosen) {
  std::vector<float> both;
  for (float score : *scores) {
    chosen->push_back(score > 0.0f ? 1 : 0);
    const float p = Logistic(score);
    both.push_back(1.0f - p);
    both.push_back(p);
  }
  *scores = std::move(both);
}

// The outputs of a linear or tree ensemble from its raw `scores` (rows x targets): a regressor's post-transformed
// scores, or a classifier's labels and probabilities (one score per row: a binary classifier as ONNX Runtime reads
// it).
void WriteScores(const ClassLabels& labels, PostTransform transform, int64_t targets, int64_t rows,
                 std::vector<float> scores, std::span<OnnxTensor> outputs) {
  if (labels.size() == 0) {  // a regressor
    for (int64_t row = 0; row < rows; ++row) {
      ApplyPostTransform(transform, std::span<float>(scores.data() + row * targets, static_cast<size_t>(targets)));
    }
    outputs[0] = OnnxTensor::Floats({rows, targets}, std::move(scores));
    return;
  }
  std::vector<size_t> chosen;
  int64_t score_cols = targets;
  if (targets == 1) {
    BinaryFromOneScore(&scores, &chosen);
    score_cols = 2;
  } else {
    for (int64_t row = 0; row < rows; ++row) {
      std::span<float> row_scores(scores.data() + row * targets, static_cast<size_t>(targets));
      chosen.push_back(ArgMax(row_scores));
      ApplyPostTransform(transform, row_scores);
    }
  }
  WriteClassifierOutputs(labels, chosen, rows, score_cols, std::move(scores), outputs);
}

class LinearKernel final : public OnnxKernel {
 public:
  // A regressor (no labels: one output of `targets` columns) or a classifier (labels and scores).
  LinearKernel(std::string op, std::vector<float> coefficients, std::vector<float> intercepts, int64_t targets,
               PostTransform transform, ClassLabels labels)
      : op_(std::move(op)),
        coefficients_(std::move(coefficients)),
        intercepts_(std::move(intercepts)),
        targets_(targets),
        transform_(transform),
        labels_(std::move(labels)) {}

  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    int64_t rows = 0;
    int64_t cols = 0;
    AMP_RETURN_IF_ERROR(MatrixShape(input, op_, &rows, &cols));
    if (cols * targets_ != static_cast<int64_t>(coefficients_.size())) {
      return Invalid(op_, std::to_string(coefficients_.size()) + " coefficients for " + std::to_string(targets_) +
                              " outputs of " + std::to_string(cols) + " columns");
    }
    AMP_ASSIGN_OR_RETURN(std::vector<float> x, AsFloats(input, op_));
    std::vector<float> scores(static_cast<size_t>(rows * targets_));
    for (int64_t row = 0; row < rows; ++row) {
      for (int64_t target = 0; target < targets_; ++target) {
        double sum = intercepts_.empty() ? 0.0 : intercepts_[static_cast<size_t>(target)];
        for (int64_t col = 0; col < cols; ++col) {
          sum += static_cast<double>(x[static_cast<size_t>(row * cols + col)]) *
                 coefficients_[static_cast<size_t>(target * cols + col)];
        }
        scores[static_cast<size_t>(row * targets_ + target)] = static_cast<float>(sum);
      }
    }
    WriteScores(labels_, transform_, targets_, rows, std::move(scores), outputs);
    return core::Status::Ok();
  }

 private:
  std::string op_;
  std::vector<float> coefficients_;
  std::vector<float> intercepts_;
  int64_t targets_;
  PostTransform transform_;
  ClassLabels labels_;
};

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

class TreeEnsembleKernel final : public OnnxKernel {
 public:
  TreeEnsembleKernel(std::string op, TreeEnsemble ensemble, std::vector<float> base_values, int64_t targets,
                     PostTransform transform, ClassLabels labels)
      : op_(std::move(op)),
        ensemble_(std::move(ensemble)),
        base_values_(std::move(base_values)),
        targets_(targets),
        transform_(transform),
        labels_(std::move(labels)) {}

  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const override {
    const OnnxTensor& input = *inputs[0];
    int64_t rows = 0;
    int64_t cols = 0;
    AMP_RETURN_IF_ERROR(MatrixShape(input, op_, &rows, &cols));
    if (ensemble_.max_feature() >= cols) {
      return Invalid(op_, "a split reads feature " + std::to_string(ensemble_.max_feature()) + " of " +
                              std::to_string(cols) + " columns");
    }
    AMP_ASSIGN_OR_RETURN(std::vector<float> x, AsFloats(input, op_));
    std::vector<float> scores(static_cast<size_t>(rows * targets_), 0.0f);
    for (int64_t row = 0; row < rows; ++row) {
      float* row_scores = scores.data() + row * targets_;
      for (int64_t target = 0; target < targets_; ++target) {
        row_scores[target] = base_values_.empty() ? 0.0f : base_values_[static_cast<size_t>(target)];
      }
      ensemble_.Accumulate(x.data() + row * cols, row_scores);
    }
    WriteScores(labels_, transform_, targets_, rows, std::move(scores), outputs);
    return core::Status::Ok();
  }

 private:
  std::string op_;
  TreeEnsemble ensemble_;
  std::vector<float> base_values_;
  int64_t targets_;
  PostTransform transform_;
  ClassLabels labels_;
};

core::Status ExpectCounts(const OnnxNodeSpec& node, size_t outputs_min, size_t outputs_max) {
  if (node.input_count != 1 || node.output_count < outputs_min || node.output_count > outputs_max) {
    return Invalid(node.op_type, "takes 1 input and " + std::to_string(outputs_max) + " output(s), not " +
                                     std::to_string(node.input_count) + " and " + std::to_string(node.output_count));
  }
  return core::Status::Ok();
}

// A classifier with one score column must be binary with post_transform LOGISTIC (the only such form whose
// probabilities ONNX runtimes agree on); with several, one column per class.
core::Status CheckClassifierColumns(std::string_view op, int64_t columns, size_t class_count, PostTransform transform) {
  if (columns == 1) {
    if (class_count != 2 || transform != PostTransform::kLogistic) {
      return Invalid(op, "one score column needs two classes and post_transform LOGISTIC");
    }
    return core::Status::Ok();
  }
  if (columns != static_cast<int64_t>(class_count)) {
    return Invalid(op, std::to_string(columns) + " score columns for " + std::to_string(class_count) + " classes");
  }
  return core::Status::Ok();
}

core::Result<std::unique_ptr<OnnxKernel>> CreateLinear(const OnnxNodeSpec& node, const OnnxAttributes& attributes) {
  const bool classifier = node.op_type == "LinearClassifier";
  AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, classifier ? 2 : 1));
  AMP_ASSIGN_OR_RETURN(std::vector<float> coefficients, attributes.Floats("coefficients"));
  AMP_ASSIGN_OR_RETURN(std::vector<float> intercepts, attributes.Floats("intercepts"));
  AMP_ASSIGN_OR_RETURN(std::string transform_name, attributes.String("post_transform", "NONE"));
  AMP_ASSIGN_OR_RETURN(PostTransform transform, ParsePostTransform(node.op_type, transform_name));
  if (coefficients.empty()) return Invalid(node.op_type, "has no coefficients");
  ClassLabels labels;
  int64_t targets = 0;
  if (classifier) {
    AMP_ASSIGN_OR_RETURN(labels, ReadClassLabels(node.op_type, attributes));
    // Rows of coefficients: one per intercept (one per class, or one for a binary classifier).
    targets = intercepts.empty() ? static_cast<int64_t>(labels.size()) : static_cast<int64_t>(intercepts.size());
    AMP_RETURN_IF_ERROR(CheckClassifierColumns(node.op_type, targets, labels.size(), transform));
  } else {
    AMP_ASSIGN_OR_RETURN(targets, attributes.Int("targets", 1));
    if (targets < 1 || targets > kMaxElements) return Invalid(node.op_type, "targets out of range");
  }
  if (!intercepts.empty() && static_cast<int64_t>(intercepts.size()) != targets) {
    return Invalid(node.op_type,
                   std::to_string(intercepts.size()) + " intercepts for " + std::to_string(targets) + " outputs");
  }
  if (coefficients.size() % static_cast<size_t>(targets) != 0) {
    return Invalid(node.op_type, "coefficients are not a whole number of rows");
  }
  return std::unique_ptr<OnnxKernel>(new LinearKernel(node.op_type, std::move(coefficients), std::move(intercepts),
                                                      targets, transform, std::move(labels)));
}

core::Result<std::unique_ptr<OnnxKernel>> CreateTreeEnsemble(const OnnxNodeSpec& node,
                                                             const OnnxAttributes& attributes) {
  const bool classifier = node.op_type == "TreeEnsembleClassifier";
  AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, classifier ? 2 : 1));
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

core::Result<std::unique_ptr<OnnxKernel>> CreateLabelEncoder(const OnnxNodeSpec& node,
                                                             const OnnxAttributes& attributes) {
  AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1));
  if (node.opset < 2) return Invalid(node.op_type, "needs ai.onnx.ml opset 2 or later (keys_* and values_*)");
  OnnxTensor keys;
  AMP_ASSIGN_OR_RETURN(keys.strings, attributes.Strings("keys_strings"));
  AMP_ASSIGN_OR_RETURN(keys.ints, attributes.Ints("keys_int64s"));
  keys.type = keys.strings.empty() ? OnnxElementType::kInt64 : OnnxElementType::kString;
  if (attributes.Has("keys_floats") || (keys.strings.empty() == keys.ints.empty())) {
    return Invalid(node.op_type, "needs keys_strings or keys_int64s");
  }
  OnnxTensor values;
  OnnxTensor fallback;
  AMP_ASSIGN_OR_RETURN(values.strings, attributes.Strings("values_strings"));
  AMP_ASSIGN_OR_RETURN(values.ints, attributes.Ints("values_int64s"));
  AMP_ASSIGN_OR_RETURN(values.floats, attributes.Floats("values_floats"));
  const int kinds = (values.strings.empty() ? 0 : 1) + (values.ints.empty() ? 0 : 1) + (values.floats.empty() ? 0 : 1);
  if (kinds != 1) return Invalid(node.op_type, "needs exactly one of values_strings, values_int64s, values_floats");
  if (!values.strings.empty()) {
    values.type = fallback.type = OnnxElementType::kString;
    AMP_ASSIGN_OR_RETURN(std::string text, attributes.String("default_string", "_Unused"));
    fallback.strings.push_back(std::move(text));
  } else if (!values.ints.empty()) {
    values.type = fallback.type = OnnxElementType::kInt64;
    AMP_ASSIGN_OR_RETURN(int64_t number, attributes.Int("default_int64", -1));
    fallback.ints.push_back(number);
  } else {
    values.type = fallback.type = OnnxElementType::kFloat;
    AMP_ASSIGN_OR_RETURN(float number, attributes.Float("default_float", -0.0f));
    fallback.floats.push_back(number);
  }
  if (values.ValueCount() != keys.ValueCount()) return Invalid(node.op_type, "keys and values differ in length");
  return std::unique_ptr<OnnxKernel>(new LabelEncoderKernel(std::move(keys), std::move(values), std::move(fallback)));
}

}  // namespace

core::Result<std::unique_ptr<OnnxKernel>> CreateMlKernel(const OnnxNodeSpec& node, const OnnxAttributes& attributes) {
  const std::string& op = node.op_type;
  if (op == "Imputer") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1));
    AMP_ASSIGN_OR_RETURN(std::vector<float> values, attributes.Floats("imputed_value_floats"));
    if (values.empty()) return Invalid(op, "needs imputed_value_floats (int64 imputation is not supported)");
    AMP_ASSIGN_OR_RETURN(float replaced, attributes.Float("replaced_value_float", 0.0f));
    return std::unique_ptr<OnnxKernel>(new ImputerKernel(std::move(values), replaced));
  }
  if (op == "Scaler") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1));
    AMP_ASSIGN_OR_RETURN(std::vector<float> offset, attributes.Floats("offset"));
    AMP_ASSIGN_OR_RETURN(std::vector<float> scale, attributes.Floats("scale"));
    if (offset.empty()) offset.push_back(0.0f);
    if (scale.empty()) scale.push_back(1.0f);
    return std::unique_ptr<OnnxKernel>(new ScalerKernel(std::move(offset), std::move(scale)));
  }
  if (op == "OneHotEncoder") {
    AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, 1));
    AMP_ASSIGN_OR_RETURN(std::vector<int64_t> ints, attributes.Ints("cats_int64s"));
    AMP_ASSIGN_OR_RETURN(std::vector<std::string> strings, attributes.Strings("cats_strings"));
    if (ints.empty() == strings.empty()) return Invalid(op, "needs one of cats_int64s and cats_strings");
    AMP_ASSIGN_OR_RETURN(int64_t zeros, attributes.Int("zeros", 1));
    return std::unique_ptr<OnnxKernel>(new OneHotEncoderKernel(std::move(ints), std::move(strings), zeros != 0));
  }
  if (op == "LabelEncoder") return CreateLabelEncoder(node, attributes);
  if (op == "LinearRegressor" || op == "LinearClassifier") return CreateLinear(node, attributes);
  if (op == "TreeEnsembleRegressor" || op == "TreeEnsembleClassifier") return CreateTreeEnsemble(node, attributes);
  return std::unique_ptr<OnnxKernel>();
}

}  // namespace amp::ml::onnx_kernels
