#include "ml/xgboost/flat_forest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ml/xgboost/booster.h"
#include "ml/xgboost/booster_trainer.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr size_t kFeatures = 10;

// Row-major random rows: mixed scales, about `missing_share` NaNs, some repeated values (ties at split points).
std::vector<float> RandomRows(size_t rows, double missing_share, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<float> values(rows * kFeatures);
  for (size_t idx = 0; idx < values.size(); ++idx) {
    const size_t feature = idx % kFeatures;
    float value = normal(rng) * static_cast<float>(1 + feature * 100);
    if (feature == 3) value = std::round(value / 50.0f);  // few distinct values
    values[idx] = unit(rng) < missing_share ? kNaN : value;
  }
  return values;
}

std::vector<float> TargetOf(const std::vector<float>& rows) {
  std::vector<float> labels;
  for (size_t row = 0; row < rows.size() / kFeatures; ++row) {
    const float* x = rows.data() + row * kFeatures;
    auto at = [&](size_t feature) { return std::isnan(x[feature]) ? 0.0f : x[feature]; };
    labels.push_back(3.0f * at(0) - 0.01f * at(1) + (at(3) > 0 ? 5.0f : -2.0f) + std::sin(at(2) / 100.0f) +
                     (std::isnan(x[4]) ? 7.0f : 0.0f));
  }
  return labels;
}

struct Trained {
  Booster booster;
  FlatForest forest;
};

// 100 trees of depth 6 on 10 features, trained on data with missing values so that default directions vary.
Trained TrainReference(BoosterParams params = {}) {
  const std::vector<float> rows = RandomRows(3000, 0.1, 1);
  const std::vector<float> labels = TargetOf(rows);
  params.seed = 5;
  core::Result<TrainedBooster> trained =
      TrainBooster({rows.data(), labels.size(), kFeatures}, labels, nullptr, {}, params);
  EXPECT_TRUE(trained.ok()) << trained.status().ToString();
  core::Result<Booster> booster = Booster::Load(trained->model_ubj);
  EXPECT_TRUE(booster.ok()) << booster.status().ToString();
  core::Result<std::string> json = booster->Save("json");
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  core::Result<FlatForest> forest = FlatForest::FromXgboostJson(*json);
  EXPECT_TRUE(forest.ok()) << forest.status().ToString();
  return {std::move(booster).value(), std::move(forest).value()};
}

// Rows that also hit every split threshold exactly (the float comparison decides), and its neighbours.
std::vector<float> TestRows(const FlatForest& forest) {
  std::vector<float> rows = RandomRows(5000, 0.15, 99);
  std::mt19937_64 rng(3);
  size_t row = 0;
  for (const FlatNode& node : forest.nodes()) {
    if (node.left == 0) continue;
    for (float value : {node.value, std::nextafter(node.value, -INFINITY), std::nextafter(node.value, INFINITY)}) {
      rows[(row % 5000) * kFeatures + node.feature] = value;
      ++row;
    }
  }
  return rows;
}

void ExpectBitIdentical(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t mismatches = 0;
  for (size_t idx = 0; idx < got.size(); ++idx) {
    if (std::bit_cast<uint32_t>(got[idx]) != std::bit_cast<uint32_t>(want[idx])) {
      if (++mismatches <= 5) ADD_FAILURE() << what << " row " << idx << ": " << got[idx] << " vs " << want[idx];
    }
  }
  EXPECT_EQ(mismatches, 0u) << what;
}

TEST(FlatForestTest, MatchesXgboostBitForBit) {
  Trained trained = TrainReference();
  const FlatForest& forest = trained.forest;
  EXPECT_EQ(forest.tree_count(), 100u);
  EXPECT_EQ(forest.max_depth(), 6);
  EXPECT_EQ(forest.feature_count(), static_cast<int>(kFeatures));
  EXPECT_EQ(forest.base_score(), 0.5f);
  EXPECT_GT(forest.node_count(), 100u * 60);

  const std::vector<float> rows = TestRows(forest);
  const size_t row_count = rows.size() / kFeatures;
  const DenseRows dense{rows.data(), row_count, kFeatures};

  std::vector<float> in_place(row_count);
  ASSERT_TRUE(trained.booster.PredictInPlace(dense, in_place).ok());
  core::Result<BoosterMatrix> matrix = BoosterMatrix::FromDense(dense, 1);
  ASSERT_TRUE(matrix.ok()) << matrix.status().ToString();
  std::vector<float> via_dmatrix(row_count);
  ASSERT_TRUE(trained.booster.Predict(*matrix, row_count, via_dmatrix).ok());
  ExpectBitIdentical(in_place, via_dmatrix, "XGBoost in place vs DMatrix");

  std::vector<float> one_by_one;
  for (size_t row = 0; row < row_count; ++row) one_by_one.push_back(forest.PredictRow(rows.data() + row * kFeatures));
  ExpectBitIdentical(one_by_one, in_place, "PredictRow vs XGBoost in place");
  ExpectBitIdentical(one_by_one, via_dmatrix, "PredictRow vs XGBoost DMatrix");

  std::vector<float> batched(row_count);
  forest.PredictRows(rows.data(), row_count, kFeatures, batched.data());
  ExpectBitIdentical(batched, in_place, "PredictRows vs XGBoost in place");

  // A stride wider than the row: every other row of a two-rows-wide view.
  std::vector<float> strided(row_count / 2);
  forest.PredictRows(rows.data(), row_count / 2, 2 * kFeatures, strided.data());
  for (size_t row = 0; row < strided.size(); ++row) {
    ASSERT_EQ(std::bit_cast<uint32_t>(strided[row]), std::bit_cast<uint32_t>(in_place[2 * row])) << row;
  }

  std::vector<float> all_missing(kFeatures, kNaN);
  float xgboost_missing = 0.0f;
  ASSERT_TRUE(trained.booster.PredictInPlace({all_missing.data(), 1, kFeatures}, {&xgboost_missing, 1}).ok());
  EXPECT_EQ(std::bit_cast<uint32_t>(forest.PredictRow(all_missing.data())), std::bit_cast<uint32_t>(xgboost_missing));
}

TEST(FlatForestTest, MatchesXgboostWithSamplingAndShallowTrees) {
  BoosterParams params;
  params.n_estimators = 40;
  params.max_depth = 3;
  params.learning_rate = 0.1;
  params.subsample = 0.7;
  params.colsample_bytree = 0.6;
  params.min_child_weight = 5.0;
  params.reg_lambda = 3.0;
  Trained trained = TrainReference(params);
  EXPECT_EQ(trained.forest.tree_count(), 40u);
  EXPECT_LE(trained.forest.max_depth(), 3);
  const std::vector<float> rows = TestRows(trained.forest);
  const size_t row_count = rows.size() / kFeatures;
  std::vector<float> in_place(row_count);
  ASSERT_TRUE(trained.booster.PredictInPlace({rows.data(), row_count, kFeatures}, in_place).ok());
  std::vector<float> batched(row_count);
  trained.forest.PredictRows(rows.data(), row_count, kFeatures, batched.data());
  ExpectBitIdentical(batched, in_place, "PredictRows vs XGBoost in place");
}

// A hand-written model: one split on feature 1 at 0.5 (missing goes right), leaves 1 and 2; then a stump.
std::string TinyModel(const std::string& tree_overrides = "", const std::string& learner_overrides = "") {
  std::string tree0 = R"({"tree_param": {"num_nodes": "3", "num_feature": "2", "num_deleted": "0"},
      "left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [1, 0, 0],
      "split_conditions": [5E-1, 1E0, 2E0], "default_left": [0, 0, 0], "split_type": [0, 0, 0],
      "loss_changes": [3.5E0, 0E0, 0E0], "categories": [], "id": 0)" +
                      tree_overrides + "}";
  std::string tree1 = R"({"tree_param": {"num_nodes": "1"}, "left_children": [-1], "right_children": [-1],
      "split_indices": [0], "split_conditions": [2.5E-1], "default_left": [0], "loss_changes": [0E0], "id": 1})";
  return R"({"learner": {"objective": {"name": "reg:squarederror"},
      "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "2", "num_target": "1"},
      "gradient_booster": {"name": "gbtree", "model": {"tree_info": [0, 0], "trees": [)" +
         tree0 + "," + tree1 + "]}}" + learner_overrides + R"(}, "version": [1, 7, 4]})";
}

TEST(FlatForestTest, TinyModelSemantics) {
  core::Result<FlatForest> forest = FlatForest::FromXgboostJson(TinyModel());
  ASSERT_TRUE(forest.ok()) << forest.status().ToString();
  EXPECT_EQ(forest->tree_count(), 2u);
  EXPECT_EQ(forest->node_count(), 4u);
  EXPECT_EQ(forest->max_depth(), 1);
  EXPECT_EQ(forest->total_gain(), (std::vector<double>{0.0, 3.5}));
  struct Case {
    float feature1;
    float want;
  };
  for (const Case& c : std::vector<Case>{{0.0f, 1.75f},
                                         {0.4999f, 1.75f},
                                         {0.5f, 2.75f},
                                         {7.0f, 2.75f},
                                         {-INFINITY, 1.75f},
                                         {INFINITY, 2.75f},
                                         {kNaN, 2.75f}}) {
    const float row[2] = {123.0f, c.feature1};
    EXPECT_EQ(forest->PredictRow(row), c.want) << c.feature1;
    float batched = 0.0f;
    forest->PredictRows(row, 1, 2, &batched);
    EXPECT_EQ(batched, c.want) << c.feature1;
  }
  // default_left sends missing values left.
  std::string json = TinyModel();
  json.replace(json.find(R"("default_left": [0, 0, 0])"), 25, R"("default_left": [1, 0, 0])");
  forest = FlatForest::FromXgboostJson(json);
  ASSERT_TRUE(forest.ok()) << forest.status().ToString();
  const float missing[2] = {0.0f, kNaN};
  EXPECT_EQ(forest->PredictRow(missing), 1.75f);
}

TEST(FlatForestTest, ClassifierObjectivesGroupTreesAndTransformMargins) {
  auto replace = [](std::string json, const std::string& from, const std::string& to) {
    return json.replace(json.find(from), from.size(), to);
  };
  // binary:logistic: base_score 0.5 is a probability, so the margin starts at logit(0.5) = 0.
  core::Result<FlatForest> binary =
      FlatForest::FromXgboostJson(replace(TinyModel(), "reg:squarederror", "binary:logistic"));
  ASSERT_TRUE(binary.ok()) << binary.status().ToString();
  EXPECT_EQ(binary->objective(), ForestObjective::kLogistic);
  EXPECT_EQ(binary->group_count(), 1u);
  EXPECT_EQ(binary->base_score(), 0.0f);
  const float row[2] = {0.0f, 0.0f};  // leaves 1 and 0.25
  float margin = binary->PredictRow(row);
  EXPECT_EQ(margin, 1.25f);
  binary->Transform(&margin);
  EXPECT_FLOAT_EQ(margin, 1.0f / (1.0f + std::exp(-1.25f)));

  // multi:softprob: tree i adds to class tree_info[i]; every class starts at base_score.
  std::string json = replace(TinyModel(), "reg:squarederror", "multi:softprob");
  json = replace(json, R"("num_class": "0")", R"("num_class": "3")");
  json = replace(json, R"("tree_info": [0, 0])", R"("tree_info": [2, 0])");
  core::Result<FlatForest> multi = FlatForest::FromXgboostJson(json);
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  EXPECT_EQ(multi->group_count(), 3u);
  float margins[3];
  multi->PredictMargins(row, margins);
  EXPECT_EQ(margins[0], 0.75f);
  EXPECT_EQ(margins[1], 0.5f);
  EXPECT_EQ(margins[2], 1.5f);
  multi->Transform(margins);
  const double sum = std::exp(0.75) + std::exp(0.5) + std::exp(1.5);
  EXPECT_NEAR(margins[0], std::exp(0.75) / sum, 1e-7);
  EXPECT_NEAR(margins[1], std::exp(0.5) / sum, 1e-7);
  EXPECT_NEAR(margins[2], std::exp(1.5) / sum, 1e-7);
}

TEST(FlatForestTest, MalformedOrUnsupportedModelsAreInvalidArgument) {
  auto with = [](std::string json, const std::string& from, const std::string& to) {
    size_t at = json.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? json : json.replace(at, from.size(), to);
  };
  const std::string good = TinyModel();
  struct Case {
    std::string name;
    std::string json;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"not JSON", "{", "not a JSON object"},
      {"no learner", "{}", "no learner"},
      {"ranking", with(good, "reg:squarederror", "rank:pairwise"), "objective 'rank:pairwise'"},
      {"softmax", with(good, "reg:squarederror", "multi:softmax"), "objective 'multi:softmax'"},
      {"dart", with(good, R"("name": "gbtree")", R"("name": "dart")"), "booster 'dart'"},
      {"regression with classes", with(good, R"("num_class": "0")", R"("num_class": "3")"),
       "num_class 3 for reg:squarederror"},
      {"softprob without classes", with(good, "reg:squarederror", "multi:softprob"), "num_class of multi:softprob"},
      {"multi-target", with(good, R"("num_target": "1")", R"("num_target": "2")"), "more than one target"},
      {"tree of another group", with(good, R"("tree_info": [0, 0])", R"("tree_info": [0, 1])"),
       "a tree of group 1 of 1"},
      {"tree_info length", with(good, R"("tree_info": [0, 0])", R"("tree_info": [0])"), "trees"},
      {"bad base score", with(good, R"("base_score": "5E-1")", R"("base_score": "half")"), "learner_model_param"},
      {"categorical split", with(good, R"("split_type": [0, 0, 0])", R"("split_type": [0, 1, 0])"),
       "categorical splits"},
      {"short array", with(good, R"("split_conditions": [5E-1, 1E0, 2E0])", R"("split_conditions": [5E-1, 1E0])"),
       "wrong length"},
      {"non-number", with(good, R"("split_indices": [1, 0, 0])", R"("split_indices": ["a", 0, 0])"), "wrong length"},
      {"child out of range", with(good, R"("right_children": [2, -1, -1])", R"("right_children": [3, -1, -1])"),
       "child 3"},
      {"child is the root", with(good, R"("right_children": [2, -1, -1])", R"("right_children": [0, -1, -1])"),
       "child 0"},
      {"half a split", with(good, R"("right_children": [2, -1, -1])", R"("right_children": [-1, -1, -1])"), "child -1"},
      {"node reached twice", with(good, R"("right_children": [2, -1, -1])", R"("right_children": [1, -1, -1])"),
       "reached twice"},
      {"cycle",
       with(with(good, R"("left_children": [1, -1, -1])", R"("left_children": [1, 2, -1])"),
            R"("right_children": [2, -1, -1])", R"("right_children": [2, 1, -1])"),
       "reached twice"},
      {"feature beyond num_feature", with(good, R"("split_indices": [1, 0, 0])", R"("split_indices": [2, 0, 0])"),
       "split on feature 2 of 2"},
      {"no nodes", with(good, R"("num_nodes": "3")", R"("num_nodes": "0")"), "num_nodes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<FlatForest> forest = FlatForest::FromXgboostJson(c.json);
    ASSERT_FALSE(forest.ok());
    EXPECT_EQ(forest.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_THAT(forest.status().message(), HasSubstr(c.want));
  }
}

TEST(FlatForestTest, NodesAreLaidOutBreadthFirstWithSiblingsSideBySide) {
  Trained trained = TrainReference();
  const std::vector<FlatNode>& nodes = trained.forest.nodes();
  std::vector<int> parents(nodes.size(), 0);
  for (size_t idx = 0; idx < nodes.size(); ++idx) {
    if (nodes[idx].left == 0) continue;
    ASSERT_GT(nodes[idx].left, idx);
    ASSERT_LT(nodes[idx].left + 1, nodes.size());
    EXPECT_TRUE(nodes[idx].missing == nodes[idx].left || nodes[idx].missing == nodes[idx].left + 1);
    ++parents[nodes[idx].left];
    ++parents[nodes[idx].left + 1];
  }
  size_t roots = 0;
  for (int count : parents) {
    EXPECT_LE(count, 1);
    roots += count == 0 ? 1 : 0;
  }
  EXPECT_EQ(roots, trained.forest.tree_count());
  EXPECT_GE(trained.forest.MemoryBytes(), static_cast<int64_t>(nodes.size() * sizeof(FlatNode)));
}

}  // namespace
}  // namespace amp::ml
