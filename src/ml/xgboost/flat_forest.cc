#include "ml/xgboost/flat_forest.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <string>

namespace amp::ml {
namespace {

using Value = rapidjson::Value;

// Numbers are parsed as strings (kParseNumbersAsStringsFlag) so that each float is read with from_chars<float>:
// XGBoost writes the shortest text that reads back to its float, and a detour through double could round twice.
std::string_view Text(const Value& value) {
  return value.IsString() ? std::string_view(value.GetString(), value.GetStringLength()) : std::string_view();
}

bool ParseFloat(const Value& value, float* out) {
  std::string_view text = Text(value);
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

bool ParseInt(const Value& value, int64_t* out) {
  std::string_view text = Text(value);
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

const Value* Member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const Value* Path(const Value& root, std::initializer_list<const char*> keys) {
  const Value* value = &root;
  for (const char* key : keys) {
    value = Member(*value, key);
    if (value == nullptr) return nullptr;
  }
  return value;
}

// The integer array `key` of `tree`, which must have `size` entries.
bool IntArray(const Value& tree, const char* key, size_t size, std::vector<int64_t>* out) {
  const Value* array = Member(tree, key);
  if (array == nullptr || !array->IsArray() || array->Size() != size) return false;
  out->resize(size);
  for (rapidjson::SizeType idx = 0; idx < array->Size(); ++idx) {
    if (!ParseInt((*array)[idx], &(*out)[idx])) return false;
  }
  return true;
}

bool FloatArray(const Value& tree, const char* key, size_t size, std::vector<float>* out) {
  const Value* array = Member(tree, key);
  if (array == nullptr || !array->IsArray() || array->Size() != size) return false;
  out->resize(size);
  for (rapidjson::SizeType idx = 0; idx < array->Size(); ++idx) {
    if (!ParseFloat((*array)[idx], &(*out)[idx])) return false;
  }
  return true;
}

core::Status Unsupported(const std::string& what) {
  return core::InvalidArgument("unsupported XGBoost model: " + what);
}

core::Status Malformed(const std::string& what) {
  return core::InvalidArgument("malformed XGBoost model: " + what);
}

constexpr size_t kBlockRows = 64;
constexpr size_t kLanes = 8;

// One step of a walk from node `idx`: to the child that `row` goes to, or nowhere at a leaf (so that walks of
// different lengths can run in lockstep for a fixed number of steps). XGBoost's rule: a missing (NaN) value goes
// to the default child, any other goes left iff value < threshold. Selects by masks rather than branches, which
// would mispredict on missing values and finished walks.
inline uint32_t Step(const FlatNode* nodes, uint32_t idx, const float* row) {
  const FlatNode& node = nodes[idx];
  const float x = row[node.feature];  // a leaf's feature is 0: a harmless read
  const uint32_t missing = 0u - static_cast<uint32_t>(x != x);
  const uint32_t at_leaf = 0u - static_cast<uint32_t>(node.left == 0);
  const uint32_t next = (node.missing & missing) | ((node.left + static_cast<uint32_t>(!(x < node.value))) & ~missing);
  return (idx & at_leaf) | (next & ~at_leaf);
}

}  // namespace

core::Result<FlatForest> FlatForest::FromXgboostJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Malformed("not a JSON object");
  const Value* learner = Member(doc, "learner");
  if (learner == nullptr) return Malformed("no learner");

  FlatForest forest;
  const Value* objective = Path(*learner, {"objective", "name"});
  const std::string_view objective_name = objective == nullptr ? std::string_view() : Text(*objective);
  if (objective_name == "reg:squarederror") {
    forest.objective_ = ForestObjective::kSquaredError;
  } else if (objective_name == "binary:logistic") {
    forest.objective_ = ForestObjective::kLogistic;
  } else if (objective_name == "multi:softprob") {
    forest.objective_ = ForestObjective::kSoftprob;
  } else {
    return Unsupported("objective '" + std::string(objective_name) +
                       "' (only reg:squarederror, binary:logistic and multi:softprob)");
  }
  const Value* booster_name = Path(*learner, {"gradient_booster", "name"});
  if (booster_name == nullptr || Text(*booster_name) != "gbtree") {
    return Unsupported("booster '" + std::string(booster_name == nullptr ? "" : Text(*booster_name)) +
                       "' (only gbtree)");
  }
  const Value* params = Member(*learner, "learner_model_param");
  if (params == nullptr) return Malformed("no learner_model_param");
  int64_t num_feature = 0;
  int64_t num_class = 0;
  int64_t num_target = 1;
  const Value* base_score = Member(*params, "base_score");
  const Value* num_feature_value = Member(*params, "num_feature");
  if (base_score == nullptr || !ParseFloat(*base_score, &forest.base_score_) || num_feature_value == nullptr ||
      !ParseInt(*num_feature_value, &num_feature) || num_feature < 0 || num_feature > (int64_t{1} << 30)) {
    return Malformed("learner_model_param");
  }
  if (const Value* value = Member(*params, "num_class"); value != nullptr && !ParseInt(*value, &num_class)) {
    return Malformed("num_class");
  }
  if (const Value* value = Member(*params, "num_target"); value != nullptr && !ParseInt(*value, &num_target)) {
    return Malformed("num_target");
  }
  if (num_target != 1) return Unsupported("more than one target");
  if (forest.objective_ == ForestObjective::kSoftprob) {
    if (num_class < 2 || num_class > 100000) return Malformed("num_class of multi:softprob");
    forest.group_count_ = static_cast<size_t>(num_class);
  } else if (num_class > 1) {
    return Unsupported("num_class " + std::to_string(num_class) + " for " + std::string(objective_name));
  }
  if (forest.objective_ == ForestObjective::kLogistic) {
    // XGBoost's LogisticRegression::ProbToMargin, in float: base_score is a probability.
    if (!(forest.base_score_ > 0.0f && forest.base_score_ < 1.0f)) return Malformed("base_score of binary:logistic");
    forest.base_score_ = -logf(1.0f / forest.base_score_ - 1.0f);
  }
  forest.feature_count_ = static_cast<int>(num_feature);
  forest.total_gain_.assign(static_cast<size_t>(num_feature), 0.0);

  const Value* model = Path(*learner, {"gradient_booster", "model"});
  const Value* trees = model == nullptr ? nullptr : Member(*model, "trees");
  const Value* tree_info = model == nullptr ? nullptr : Member(*model, "tree_info");
  if (trees == nullptr || !trees->IsArray() || tree_info == nullptr || !tree_info->IsArray() ||
      tree_info->Size() != trees->Size()) {
    return Malformed("trees");
  }
  for (const Value& group : tree_info->GetArray()) {
    int64_t group_idx = -1;
    if (!ParseInt(group, &group_idx) || group_idx < 0 || static_cast<size_t>(group_idx) >= forest.group_count_) {
      return Malformed("a tree of group " + std::string(Text(group)) + " of " + std::to_string(forest.group_count_));
    }
    forest.tree_groups_.push_back(static_cast<uint32_t>(group_idx));
  }

  std::vector<int64_t> left;
  std::vector<int64_t> right;
  std::vector<int64_t> split_index;
  std::vector<int64_t> default_left;
  std::vector<int64_t> split_type;
  std::vector<float> condition;
  std::vector<float> loss_change;
  for (rapidjson::SizeType tree_idx = 0; tree_idx < trees->Size(); ++tree_idx) {
    const Value& tree = (*trees)[tree_idx];
    const std::string where = "tree " + std::to_string(tree_idx);
    const Value* num_nodes_value = Path(tree, {"tree_param", "num_nodes"});
    int64_t num_nodes = 0;
    if (num_nodes_value == nullptr || !ParseInt(*num_nodes_value, &num_nodes) || num_nodes < 1 ||
        num_nodes > (int64_t{1} << 30)) {
      return Malformed(where + ": num_nodes");
    }
    const auto size = static_cast<size_t>(num_nodes);
    if (!IntArray(tree, "left_children", size, &left) || !IntArray(tree, "right_children", size, &right) ||
        !IntArray(tree, "split_indices", size, &split_index) || !IntArray(tree, "default_left", size, &default_left) ||
        !FloatArray(tree, "split_conditions", size, &condition) ||
        !FloatArray(tree, "loss_changes", size, &loss_change)) {
      return Malformed(where + ": node arrays missing, not numbers or of the wrong length");
    }
    if (Member(tree, "split_type") != nullptr) {
      if (!IntArray(tree, "split_type", size, &split_type)) return Malformed(where + ": split_type");
      if (std::any_of(split_type.begin(), split_type.end(), [](int64_t type) { return type != 0; })) {
        return Unsupported(where + " has categorical splits");
      }
    }
    if (forest.nodes_.size() + size > (size_t{1} << 31)) return Unsupported("more than 2^31 nodes");

    // Breadth first from the root, giving each split's children adjacent slots.
    struct Pending {
      size_t node;    // index in the JSON arrays
      uint32_t slot;  // index in nodes_
      int depth;
    };
    const auto root = static_cast<uint32_t>(forest.nodes_.size());
    forest.roots_.push_back(root);
    forest.depths_.push_back(0);
    forest.nodes_.emplace_back();
    std::vector<bool> seen(size, false);
    seen[0] = true;
    std::deque<Pending> queue = {{0, root, 0}};
    while (!queue.empty()) {
      const Pending pending = queue.front();
      queue.pop_front();
      const size_t node = pending.node;
      forest.max_depth_ = std::max(forest.max_depth_, pending.depth);
      forest.depths_.back() = std::max(forest.depths_.back(), pending.depth);
      forest.nodes_[pending.slot].value = condition[node];
      if (left[node] == -1 && right[node] == -1) continue;  // a leaf: its left stays 0
      for (int64_t child : {left[node], right[node]}) {
        if (child <= 0 || child >= num_nodes) return Malformed(where + ": child " + std::to_string(child));
        if (seen[static_cast<size_t>(child)]) {
          return Malformed(where + ": node " + std::to_string(child) + " reached twice");
        }
        seen[static_cast<size_t>(child)] = true;
      }
      if (split_index[node] < 0 || split_index[node] >= num_feature) {
        return Malformed(where + ": split on feature " + std::to_string(split_index[node]) + " of " +
                         std::to_string(num_feature));
      }
      if (default_left[node] != 0 && default_left[node] != 1) return Malformed(where + ": default_left");
      const auto left_slot = static_cast<uint32_t>(forest.nodes_.size());
      FlatNode& split = forest.nodes_[pending.slot];
      split.feature = static_cast<uint32_t>(split_index[node]);
      split.left = left_slot;
      split.missing = default_left[node] == 1 ? left_slot : left_slot + 1;
      forest.total_gain_[static_cast<size_t>(split_index[node])] += loss_change[node];
      forest.nodes_.resize(forest.nodes_.size() + 2);  // invalidates `split`
      queue.push_back({static_cast<size_t>(left[node]), left_slot, pending.depth + 1});
      queue.push_back({static_cast<size_t>(right[node]), left_slot + 1, pending.depth + 1});
    }
  }
  return forest;
}

float FlatForest::PredictRow(const float* row) const {
  const FlatNode* nodes = nodes_.data();
  float sum = base_score_;
  size_t tree_idx = 0;
  // kLanes trees walk in lockstep for as many steps as the deepest of them (see Step), so their independent chains
  // of loads overlap; their leaves are then added in tree order, as XGBoost adds them.
  for (; tree_idx + kLanes <= roots_.size(); tree_idx += kLanes) {
    uint32_t idx[kLanes];
    int depth = 0;
    for (size_t lane = 0; lane < kLanes; ++lane) {
      idx[lane] = roots_[tree_idx + lane];
      depth = std::max(depth, depths_[tree_idx + lane]);
    }
    for (int level = 0; level < depth; ++level) {
      for (size_t lane = 0; lane < kLanes; ++lane) idx[lane] = Step(nodes, idx[lane], row);
    }
    for (size_t lane = 0; lane < kLanes; ++lane) sum += nodes[idx[lane]].value;
  }
  for (; tree_idx < roots_.size(); ++tree_idx) {
    uint32_t idx = roots_[tree_idx];
    for (int level = 0; level < depths_[tree_idx]; ++level) idx = Step(nodes, idx, row);
    sum += nodes[idx].value;
  }
  return sum;
}

void FlatForest::PredictRows(const float* rows, size_t row_count, size_t row_stride, float* out) const {
  const FlatNode* nodes = nodes_.data();
  float sums[kBlockRows];
  for (size_t begin = 0; begin < row_count; begin += kBlockRows) {
    const size_t count = std::min(kBlockRows, row_count - begin);
    const size_t lockstep_rows = count / kLanes * kLanes;
    const float* block = rows + begin * row_stride;
    std::fill(sums, sums + lockstep_rows, base_score_);
    for (size_t tree_idx = 0; tree_idx < roots_.size() && lockstep_rows > 0; ++tree_idx) {
      const uint32_t root = roots_[tree_idx];
      const int depth = depths_[tree_idx];
      // kLanes rows walk the tree in lockstep, so the CPU overlaps their independent chains of loads.
      for (size_t row_idx = 0; row_idx < lockstep_rows; row_idx += kLanes) {
        uint32_t idx[kLanes];
        for (size_t lane = 0; lane < kLanes; ++lane) idx[lane] = root;
        for (int level = 0; level < depth; ++level) {
          for (size_t lane = 0; lane < kLanes; ++lane) {
            idx[lane] = Step(nodes, idx[lane], block + (row_idx + lane) * row_stride);
          }
        }
        for (size_t lane = 0; lane < kLanes; ++lane) sums[row_idx + lane] += nodes[idx[lane]].value;
      }
    }
    // The last few rows of the block have no lanes to share with; PredictRow overlaps their trees instead.
    for (size_t row_idx = lockstep_rows; row_idx < count; ++row_idx)
      sums[row_idx] = PredictRow(block + row_idx * row_stride);
    std::copy(sums, sums + count, out + begin);
  }
}

void FlatForest::PredictMargins(const float* row, float* margins) const {
  const FlatNode* nodes = nodes_.data();
  std::fill(margins, margins + group_count_, base_score_);
  for (size_t tree_idx = 0; tree_idx < roots_.size(); ++tree_idx) {
    uint32_t idx = roots_[tree_idx];
    for (int level = 0; level < depths_[tree_idx]; ++level) idx = Step(nodes, idx, row);
    margins[tree_groups_[tree_idx]] += nodes[idx].value;
  }
}

void FlatForest::Transform(float* margins) const {
  switch (objective_) {
    case ForestObjective::kSquaredError:
      return;
    case ForestObjective::kLogistic: {
      // XGBoost 1.7's common::Sigmoid.
      constexpr float kEps = 1e-16f;
      const float x = std::min(-margins[0], 88.7f);
      margins[0] = 1.0f / (expf(x) + 1.0f + kEps);
      return;
    }
    case ForestObjective::kSoftprob: {
      // XGBoost 1.7's common::Softmax: exponentials in float, their sum in double.
      float max = margins[0];
      for (size_t group = 1; group < group_count_; ++group) max = fmaxf(margins[group], max);
      double sum = 0.0;
      for (size_t group = 0; group < group_count_; ++group) {
        margins[group] = expf(margins[group] - max);
        sum += margins[group];
      }
      for (size_t group = 0; group < group_count_; ++group) margins[group] /= static_cast<float>(sum);
      return;
    }
  }
}

int64_t FlatForest::MemoryBytes() const {
  return static_cast<int64_t>(sizeof(*this) + nodes_.capacity() * sizeof(FlatNode) +
                              roots_.capacity() * sizeof(uint32_t) + depths_.capacity() * sizeof(int) +
                              tree_groups_.capacity() * sizeof(uint32_t) + total_gain_.capacity() * sizeof(double));
}

}  // namespace amp::ml
