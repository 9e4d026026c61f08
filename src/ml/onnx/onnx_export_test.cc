#include "ml/onnx/onnx_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "ml/linear/linear_model.h"
#include "ml/onnx/onnx_model.h"
#include "ml/pipeline_test_fixtures.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ModelSignature SignatureOf(const Pipeline& pipeline) {
  ModelSignature signature;
  signature.target = "price";
  for (const FeatureTransform& transform : pipeline.transforms()) signature.features.push_back(transform.feature);
  return signature;
}

onnx::ModelProto Parse(const std::string& bytes) {
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(bytes));
  return proto;
}

const onnx::NodeProto& FindNode(const onnx::GraphProto& graph, std::string_view op_type, int nth = 0) {
  for (const onnx::NodeProto& node : graph.node()) {
    if (node.op_type() == op_type && nth-- == 0) return node;
  }
  ADD_FAILURE() << "no " << op_type << " node";
  return graph.node(0);
}

const onnx::AttributeProto& FindAttribute(const onnx::NodeProto& node, std::string_view name) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == name) return attribute;
  }
  ADD_FAILURE() << node.op_type() << " has no attribute " << name;
  return node.attribute(0);
}

template <typename T>
std::vector<T> Values(const google::protobuf::RepeatedField<T>& field) {
  return {field.begin(), field.end()};
}

std::shared_ptr<const LinearModel> MakeLinearModel(std::vector<FeatureTransform> transforms,
                                                   std::vector<double> weights, double intercept) {
  Pipeline pipeline(std::move(transforms));
  auto model = LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{std::move(weights), intercept});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

TEST(OnnxExportTest, LinearModelGraph) {
  auto model = MakeLinearModel({Number("sqft", 1500.0, 1600.0, 400.0), Category("city", {"Oslo", "Paris", "Rome"}, 1)},
                               {2.0, 0.5, -1.0, 3.0}, 10.0);
  auto bytes = ExportOnnx(*model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  onnx::ModelProto proto = Parse(*bytes);
  EXPECT_EQ(proto.ir_version(), 8);
  ASSERT_EQ(proto.opset_import_size(), 2);
  EXPECT_EQ(proto.opset_import(1).domain(), "ai.onnx.ml");
  const onnx::GraphProto& graph = proto.graph();

  ASSERT_EQ(graph.input_size(), 2);
  EXPECT_EQ(graph.input(0).name(), "sqft");
  EXPECT_EQ(graph.input(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(graph.input(1).name(), "city");
  EXPECT_EQ(graph.input(1).type().tensor_type().elem_type(), onnx::TensorProto::STRING);
  EXPECT_EQ(graph.input(1).type().tensor_type().shape().dim(1).dim_value(), 1);
  ASSERT_EQ(graph.output_size(), 1);
  EXPECT_EQ(graph.output(0).name(), "price");

  std::vector<std::string> ops;
  for (const onnx::NodeProto& node : graph.node()) ops.push_back(node.op_type());
  EXPECT_THAT(
      ops, ElementsAre("Imputer", "Scaler", "LabelEncoder", "OneHotEncoder", "Reshape", "Concat", "LinearRegressor"));

  EXPECT_THAT(Values(FindAttribute(FindNode(graph, "Imputer"), "imputed_value_floats").floats()), ElementsAre(1500.0f));
  EXPECT_TRUE(std::isnan(FindAttribute(FindNode(graph, "Imputer"), "replaced_value_float").f()));
  EXPECT_THAT(Values(FindAttribute(FindNode(graph, "Scaler"), "offset").floats()), ElementsAre(1600.0f));
  EXPECT_THAT(Values(FindAttribute(FindNode(graph, "Scaler"), "scale").floats()), ElementsAre(1.0f / 400.0f));
  // Missing ("") maps to the imputed category's index; anything unseen to -1, which one-hot encodes as zeros.
  const onnx::NodeProto& label_encoder = FindNode(graph, "LabelEncoder");
  const auto& keys = FindAttribute(label_encoder, "keys_strings").strings();
  EXPECT_THAT(std::vector<std::string>(keys.begin(), keys.end()), ElementsAre("Oslo", "Paris", "Rome", ""));
  EXPECT_THAT(Values(FindAttribute(label_encoder, "values_int64s").ints()), ElementsAre(0, 1, 2, 1));
  EXPECT_EQ(FindAttribute(label_encoder, "default_int64").i(), -1);
  const onnx::NodeProto& one_hot = FindNode(graph, "OneHotEncoder");
  EXPECT_THAT(Values(FindAttribute(one_hot, "cats_int64s").ints()), ElementsAre(0, 1, 2));
  EXPECT_EQ(FindAttribute(one_hot, "zeros").i(), 1);
  ASSERT_EQ(graph.initializer_size(), 1);
  EXPECT_THAT(Values(graph.initializer(0).int64_data()), ElementsAre(-1, 3));

  const onnx::NodeProto& regressor = FindNode(graph, "LinearRegressor");
  EXPECT_THAT(Values(FindAttribute(regressor, "coefficients").floats()), ElementsAre(2.0f, 0.5f, -1.0f, 3.0f));
  EXPECT_THAT(Values(FindAttribute(regressor, "intercepts").floats()), ElementsAre(10.0f));
  EXPECT_EQ(regressor.output(0), "price");
  // Concat takes the encoded features in the pipeline's column order.
  const onnx::NodeProto& concat = FindNode(graph, "Concat");
  ASSERT_EQ(concat.input_size(), 2);
  EXPECT_EQ(concat.input(0), FindNode(graph, "Scaler").output(0));
  EXPECT_EQ(concat.input(1), FindNode(graph, "Reshape").output(0));
}

TEST(OnnxExportTest, IntermediateNamesNeverClashWithFeatures) {
  auto model = MakeLinearModel({Number("amp/feature0/imputed", 0.0, 0.0, 2.0), Number("amp_/features", 0.0, 0.0, 2.0)},
                               {1.0, 1.0}, 0.0);
  auto bytes = ExportOnnx(*model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  onnx::ModelProto proto = Parse(*bytes);
  std::map<std::string, int> produced;
  for (const onnx::NodeProto& node : proto.graph().node()) ++produced[node.output(0)];
  for (const auto& [name, count] : produced) {
    EXPECT_EQ(count, 1) << name;
    EXPECT_NE(name, "amp/feature0/imputed");
    EXPECT_NE(name, "amp_/features");
  }
}

TEST(OnnxExportTest, RefusesWhatOnnxCannotSay) {
  auto empty_category = MakeLinearModel({Category("city", {"", "Oslo"}, 1)}, {1.0, 2.0}, 0.0);
  auto refused = ExportOnnx(*empty_category);
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("'city'"));
}

TEST(OnnxExportTest, RefusesExtendedTransforms) {
  FeatureTransform indicator = Number("size", 2.0, 1.0, 3.0);
  indicator.missing_indicator = true;
  indicator.missing_share = 0.25;
  FeatureTransform bucketed = Category("city", {"Oslo", "Rome"}, 0);
  bucketed.other_bucket = true;
  FeatureTransform date;
  date.feature = {"sold_on", data::ColumnType::kCategorical};
  date.date_parts = {{"year", 2020, 2020, 1, 0}, {"month", 6, 6, 3, 0}, {"day", 15, 15, 8, 0}, {"weekday", 3, 3, 2, 0}};
  const std::pair<FeatureTransform, std::vector<double>> cases[] = {
      {indicator, {1.0, 0.5}}, {bucketed, {1.0, 2.0, 3.0}}, {date, {1.0, 1.0, 1.0, 1.0}}};
  for (const auto& [transform, weights] : cases) {
    auto model = MakeLinearModel({transform}, weights, 0.0);
    auto refused = ExportOnnx(*model);
    EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition) << transform.feature.name;
    EXPECT_THAT(refused.status().message(), HasSubstr("'" + transform.feature.name + "'"));
    EXPECT_THAT(refused.status().message(), HasSubstr("cannot be exported to ONNX"));
  }
  // The plain form of the same features still exports.
  EXPECT_TRUE(ExportOnnx(*MakeLinearModel({Number("size", 2.0, 1.0, 3.0)}, {1.0}, 0.0)).ok());
}

class OtherModel final : public Model {
 public:
  std::string_view algorithm() const override { return "random_forest"; }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue>, std::span<double>, PredictionNotes*) const override {
    return core::Status::Ok();
  }
  std::vector<std::pair<std::string, double>> Parameters() const override { return {}; }
  std::string SerializePayload() const override { return ""; }
  int64_t MemoryBytes() const override { return 0; }

 private:
  ModelSignature signature_;
};

TEST(OnnxExportTest, UnsupportedAlgorithmIsFailedPrecondition) {
  auto result = ExportOnnx(OtherModel());
  EXPECT_EQ(result.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("random_forest"));
}

// Scores one encoded row with the exported TreeEnsembleRegressor's attributes as the ONNX spec defines them.
float ScoreTreeEnsemble(const onnx::NodeProto& node, const std::vector<float>& row) {
  auto ints = [&](std::string_view name) { return Values(FindAttribute(node, name).ints()); };
  const std::vector<int64_t> tree_ids = ints("nodes_treeids"), node_ids = ints("nodes_nodeids"),
                             features = ints("nodes_featureids"), true_ids = ints("nodes_truenodeids"),
                             false_ids = ints("nodes_falsenodeids"), target_trees = ints("target_treeids"),
                             target_nodes = ints("target_nodeids");
  const std::vector<float> thresholds = Values(FindAttribute(node, "nodes_values").floats());
  const std::vector<float> weights = Values(FindAttribute(node, "target_weights").floats());
  const auto& modes = FindAttribute(node, "nodes_modes").strings();
  std::map<std::pair<int64_t, int64_t>, size_t> index;
  for (size_t idx = 0; idx < tree_ids.size(); ++idx) index[{tree_ids[idx], node_ids[idx]}] = idx;
  std::map<std::pair<int64_t, int64_t>, float> leaf_weight;
  for (size_t idx = 0; idx < target_trees.size(); ++idx)
    leaf_weight[{target_trees[idx], target_nodes[idx]}] = weights[idx];
  float sum = FindAttribute(node, "base_values").floats(0);
  const int64_t tree_count = tree_ids.empty() ? 0 : tree_ids.back() + 1;
  for (int64_t tree_id = 0; tree_id < tree_count; ++tree_id) {
    size_t idx = index.at({tree_id, 0});
    while (modes[static_cast<int>(idx)] == "BRANCH_LT") {
      const bool go_true = row[static_cast<size_t>(features[idx])] < thresholds[idx];
      idx = index.at({tree_id, go_true ? true_ids[idx] : false_ids[idx]});
    }
    sum += leaf_weight.at({tree_id, node_ids[idx]});
  }
  return sum;
}

TEST(OnnxExportTest, TreeEnsembleScoresAsTheForest) {
  // y depends on a number and a category; some values missing.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  const std::vector<std::string> colors = {"blue", "green", "red"};
  data::Column num{"num", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {}, colors};
  std::vector<float> labels;
  for (int row_idx = 0; row_idx < 300; ++row_idx) {
    const double value = 50.0 + 10.0 * normal(rng);
    const auto code = static_cast<int32_t>(rng() % colors.size());
    num.numbers.push_back(row_idx % 10 == 0 ? std::nan("") : value);
    color.codes.push_back(row_idx % 13 == 0 ? -1 : code);
    labels.push_back(static_cast<float>(value * value / 50.0 + 20.0 * code + normal(rng)));
  }
  const data::Table table(300, {num, color});
  std::vector<int64_t> rows(300);
  std::iota(rows.begin(), rows.end(), 0);
  auto pipeline = Pipeline::Fit(table, {0, 1}, rows, NumberScaling::kNone);
  ASSERT_TRUE(pipeline.ok());
  std::vector<float> encoded;
  pipeline->EncodeRowMajor(table, {0, 1}, rows, &encoded);
  BoosterParams params;
  params.n_estimators = 20;
  params.max_depth = 4;
  auto trained = TrainBooster({encoded.data(), rows.size(), static_cast<size_t>(pipeline->EncodedWidth())}, labels,
                              nullptr, {}, params);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  auto model = XgboostModel::Create(SignatureOf(*pipeline), *pipeline, trained->model_ubj);
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  auto bytes = ExportOnnx(**model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  onnx::ModelProto proto = Parse(*bytes);
  std::vector<std::string> ops;
  for (const onnx::NodeProto& node : proto.graph().node()) ops.push_back(node.op_type());
  // Tree models do not scale numbers.
  EXPECT_THAT(ops,
              ElementsAre("Imputer", "LabelEncoder", "OneHotEncoder", "Reshape", "Concat", "TreeEnsembleRegressor"));
  const onnx::NodeProto& trees = FindNode(proto.graph(), "TreeEnsembleRegressor");
  EXPECT_GT(FindAttribute(trees, "target_weights").floats_size(), 0);

  std::vector<FeatureValue> values;
  for (double sample : {20.0, 49.9, 50.0, 75.0}) {
    for (const char* text : {"blue", "red", "purple"}) {
      values.push_back(FeatureValue::Number(sample));
      values.push_back(FeatureValue::Text(text));
    }
  }
  values.push_back(FeatureValue::Missing());
  values.push_back(FeatureValue::Missing());
  const size_t row_count = values.size() / 2;
  std::vector<double> predicted(row_count);
  ASSERT_TRUE((*model)->Predict(values, predicted, nullptr).ok());
  std::vector<float> row(static_cast<size_t>(pipeline->EncodedWidth()));
  for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
    pipeline->EncodeRow(std::span(values).subspan(row_idx * 2, 2), row_idx, row, nullptr);
    // Summed in the forest's order (base score, then tree by tree), the spec's reading gives the very same float.
    EXPECT_EQ(ScoreTreeEnsemble(trees, row), static_cast<float>(predicted[row_idx])) << "row " << row_idx;
  }
}

TEST(OnnxExportTest, BinaryRandomForestLeafSharesExportAsScaledLeavesWithoutALink) {
  for (int class_count : {2, 3}) {
    SCOPED_TRACE(class_count);
    std::mt19937_64 rng(9);
    std::normal_distribution<double> normal(0.0, 1.0);
    data::Column num{"num", data::ColumnType::kNumeric, {}, {}, {}};
    std::vector<float> labels;
    for (int row_idx = 0; row_idx < 300; ++row_idx) {
      const int label = row_idx % class_count;
      num.numbers.push_back(2.0 * label + normal(rng));  // overlapping classes: leaves with mixed shares
      labels.push_back(static_cast<float>(label));
    }
    const data::Table table(300, {num});
    std::vector<int64_t> rows(300);
    std::iota(rows.begin(), rows.end(), 0);
    auto pipeline = Pipeline::Fit(table, {0}, rows, NumberScaling::kNone);
    ASSERT_TRUE(pipeline.ok());
    std::vector<float> encoded;
    pipeline->EncodeRowMajor(table, {0}, rows, &encoded);
    BoosterParams params;  // what the trainer sets for a random forest, smaller
    params.objective = class_count == 2 ? "binary:logistic" : "multi:softprob";
    params.num_class = class_count;
    params.n_estimators = 1;
    params.num_parallel_tree = 20;
    params.learning_rate = 1.0;
    params.max_depth = 5;
    params.subsample = 0.632;
    params.reg_lambda = 1e-5;
    auto trained = TrainBooster({encoded.data(), rows.size(), 1}, labels, nullptr, {}, params);
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
    ModelSignature signature = SignatureOf(*pipeline);
    signature.task = class_count == 2 ? Task::kBinaryClassification : Task::kMulticlassClassification;
    signature.classes = class_count == 2 ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"a", "b", "c"};
    auto forest = XgboostModel::Create(signature, *pipeline, trained->model_ubj, /*random_forest=*/true,
                                       /*leaf_frequencies=*/true);
    ASSERT_TRUE(forest.ok()) << forest.status().ToString();

    auto bytes = ExportOnnx(**forest);
    if (class_count > 2) {
      // Each class has its own trees, so the shares need renormalising per row: no ONNX form here yet.
      ASSERT_FALSE(bytes.ok());
      EXPECT_EQ(bytes.status().code(), core::StatusCode::kFailedPrecondition);
      EXPECT_THAT(bytes.status().message(), HasSubstr("multiclass random_forest_classifier"));
      continue;
    }
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    const onnx::ModelProto proto = Parse(*bytes);
    const onnx::NodeProto& trees = FindNode(proto.graph(), "TreeEnsembleClassifier");
    EXPECT_EQ(FindAttribute(trees, "post_transform").s(), "NONE");
    auto onnx_model = OnnxModel::Create(signature, *bytes, "price_probabilities");
    ASSERT_TRUE(onnx_model.ok()) << onnx_model.status().ToString();

    std::vector<FeatureValue> values;
    for (double x = -2.0; x <= 6.0; x += 0.25) values.push_back(FeatureValue::Number(x));
    values.push_back(FeatureValue::Missing());
    const size_t cells = values.size() * static_cast<size_t>(class_count);
    std::vector<double> amp(cells);
    std::vector<double> exported(cells);
    ASSERT_TRUE((*forest)->PredictProba(values, amp, nullptr).ok());
    ASSERT_TRUE((*onnx_model)->PredictProba(values, exported, nullptr).ok());
    bool mixed = false;  // some leaf shares strictly between 0 and 1, so the scale is exercised
    for (size_t idx = 0; idx < cells; ++idx) {
      EXPECT_NEAR(exported[idx], amp[idx], 1e-5) << "cell " << idx;
      mixed = mixed || (amp[idx] > 0.05 && amp[idx] < 0.95);
    }
    EXPECT_TRUE(mixed);
  }
}

}  // namespace
}  // namespace amp::ml
