#include "ml/onnx/onnx_graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/onnx/onnx_export.h"
#include "ml/pipeline_test_fixtures.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

ModelSignature SignatureOf(const Pipeline& pipeline, std::vector<std::string> classes = {}) {
  ModelSignature signature;
  signature.target = "y";
  signature.classes = std::move(classes);
  signature.task = signature.classes.empty()       ? Task::kRegression
                   : signature.classes.size() == 2 ? Task::kBinaryClassification
                                                   : Task::kMulticlassClassification;
  for (const FeatureTransform& transform : pipeline.transforms()) signature.features.push_back(transform.feature);
  return signature;
}

// Rows of (number, category) with missing values and an unseen category.
std::vector<FeatureValue> SampleRows() {
  std::vector<FeatureValue> values;
  for (double sample : {-3.0, 20.0, 49.9, 50.0, 75.0, 1e6}) {
    for (const char* text : {"blue", "red", "purple"}) {
      values.push_back(FeatureValue::Number(sample));
      values.push_back(FeatureValue::Text(text));
    }
  }
  values.push_back(FeatureValue::Missing());
  values.push_back(FeatureValue::Missing());
  values.push_back(FeatureValue::Number(12.5));
  values.push_back(FeatureValue::Missing());
  return values;
}

// The rows as an AMP-exported graph takes them: one [N, 1] input per feature.
std::vector<OnnxTensor> ExportedInputs(const std::vector<FeatureValue>& values) {
  const size_t rows = values.size() / 2;
  std::vector<float> numbers;
  std::vector<std::string> texts;
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    const FeatureValue& number = values[row_idx * 2];
    const FeatureValue& text = values[row_idx * 2 + 1];
    numbers.push_back(number.kind == FeatureValue::Kind::kNumber ? static_cast<float>(number.number) : std::nanf(""));
    texts.emplace_back(text.kind == FeatureValue::Kind::kText ? std::string(text.text) : "");
  }
  const auto n = static_cast<int64_t>(rows);
  return {OnnxTensor::Floats({n, 1}, numbers), OnnxTensor::Strings({n, 1}, texts)};
}

std::shared_ptr<const OnnxGraph> LoadExport(const Model& model) {
  auto bytes = ExportOnnx(model);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto graph = OnnxGraph::Load(*bytes);
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  return graph.ok() ? *graph : nullptr;
}

double Relative(double got, double want) {
  return std::abs(got - want) / std::max(std::abs(want), 1e-6);
}

Pipeline ScaledPipeline() {
  return Pipeline({Number("num", 50.0, 40.0, 12.0), Category("color", {"blue", "green", "red"}, 2)});
}

TEST(OnnxGraphTest, RunsAnExportedLinearRegressionAsAmp) {
  const Pipeline pipeline = ScaledPipeline();
  auto model = LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{{2.5, -1.0, 0.5, 3.0}, 7.0});
  ASSERT_TRUE(model.ok());
  auto graph = LoadExport(**model);
  ASSERT_NE(graph, nullptr);
  const std::vector<FeatureValue> values = SampleRows();
  std::vector<double> want(values.size() / 2);
  ASSERT_TRUE((*model)->Predict(values, want, nullptr).ok());
  auto outputs = graph->Run(ExportedInputs(values));
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  ASSERT_EQ(outputs->size(), 1u);
  EXPECT_EQ((*outputs)[0].shape, (std::vector<int64_t>{static_cast<int64_t>(want.size()), 1}));
  for (size_t row_idx = 0; row_idx < want.size(); ++row_idx) {
    EXPECT_LE(Relative((*outputs)[0].floats[row_idx], want[row_idx]), 1e-5) << "row " << row_idx;
  }
}

TEST(OnnxGraphTest, RunsExportedLogisticClassifiersAsAmp) {
  const Pipeline pipeline = ScaledPipeline();
  struct Case {
    std::vector<std::string> classes;
    LogisticSolution solution;
  };
  const std::vector<Case> cases = {
      {{"no", "yes"}, {{1.5, -2.0, 0.25, 1.0}, {0.3}, 0, true}},
      {{"a", "b", "c"}, {{1.0, 0.0, 0.5, -0.5, -1.0, 2.0, 0.0, 0.0, 0.0, -1.0, 1.0, 0.0}, {0.1, -0.3, 0.2}, 0, true}}};
  for (const Case& test_case : cases) {
    auto model = LogisticModel::Create(SignatureOf(pipeline, test_case.classes), pipeline, test_case.solution);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    auto graph = LoadExport(**model);
    ASSERT_NE(graph, nullptr);
    const std::vector<FeatureValue> values = SampleRows();
    const size_t rows = values.size() / 2;
    const size_t classes = test_case.classes.size();
    std::vector<double> probabilities(rows * classes);
    std::vector<double> labels(rows);
    ASSERT_TRUE((*model)->PredictProba(values, probabilities, nullptr).ok());
    ASSERT_TRUE((*model)->Predict(values, labels, nullptr).ok());
    auto outputs = graph->Run(ExportedInputs(values));
    ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
    ASSERT_EQ(outputs->size(), 2u);
    const OnnxTensor& label = (*outputs)[0];
    const OnnxTensor& scores = (*outputs)[1];
    ASSERT_EQ(label.type, OnnxElementType::kString);
    ASSERT_EQ(scores.shape, (std::vector<int64_t>{static_cast<int64_t>(rows), static_cast<int64_t>(classes)}));
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      EXPECT_EQ(label.strings[row_idx], test_case.classes[static_cast<size_t>(labels[row_idx])]) << "row " << row_idx;
      for (size_t class_idx = 0; class_idx < classes; ++class_idx) {
        EXPECT_LE(Relative(scores.floats[row_idx * classes + class_idx], probabilities[row_idx * classes + class_idx]),
                  1e-5)
            << "row " << row_idx << " class " << class_idx;
      }
    }
  }
}

// A trained XGBoost model of y on (num, color): a regression, or a classifier of `class_count` classes.
std::shared_ptr<const XgboostModel> TrainXgboost(size_t class_count) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  const std::vector<std::string> colors = {"blue", "green", "red"};
  data::Column num{"num", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {}, colors};
  std::vector<float> labels;
  for (int row_idx = 0; row_idx < 400; ++row_idx) {
    const double value = 50.0 + 10.0 * normal(rng);
    const auto code = static_cast<int32_t>(rng() % colors.size());
    num.numbers.push_back(row_idx % 10 == 0 ? std::nan("") : value);
    color.codes.push_back(row_idx % 13 == 0 ? -1 : code);
    const double y = value * value / 50.0 + 20.0 * code + 5.0 * normal(rng);
    labels.push_back(class_count == 0 ? static_cast<float>(y)
                                      : static_cast<float>(std::min<size_t>(
                                            class_count - 1, static_cast<size_t>(std::max(0.0, (y - 30.0) / 25.0)))));
  }
  const data::Table table(400, {num, color});
  std::vector<int64_t> rows(400);
  std::iota(rows.begin(), rows.end(), 0);
  auto pipeline = Pipeline::Fit(table, {0, 1}, rows, NumberScaling::kNone);
  EXPECT_TRUE(pipeline.ok());
  std::vector<float> encoded;
  pipeline->EncodeRowMajor(table, {0, 1}, rows, &encoded);
  BoosterParams params;
  params.n_estimators = 15;
  params.max_depth = 4;
  std::vector<std::string> classes;
  if (class_count == 2) params.objective = "binary:logistic";
  if (class_count > 2) {
    params.objective = "multi:softprob";
    params.num_class = static_cast<int>(class_count);
  }
  for (size_t class_idx = 0; class_idx < class_count; ++class_idx) classes.push_back("c" + std::to_string(class_idx));
  auto trained = TrainBooster({encoded.data(), rows.size(), static_cast<size_t>(pipeline->EncodedWidth())}, labels,
                              nullptr, {}, params);
  EXPECT_TRUE(trained.ok()) << trained.status().ToString();
  auto model = XgboostModel::Create(SignatureOf(*pipeline, classes), *pipeline, trained->model_ubj);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

TEST(OnnxGraphTest, RunsAnExportedXgboostRegressorBitForBit) {
  auto model = TrainXgboost(0);
  auto graph = LoadExport(*model);
  ASSERT_NE(graph, nullptr);
  const std::vector<FeatureValue> values = SampleRows();
  std::vector<double> want(values.size() / 2);
  ASSERT_TRUE(model->Predict(values, want, nullptr).ok());
  auto outputs = graph->Run(ExportedInputs(values));
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  // The executor adds the leaves in XGBoost's order (base score, then tree by tree) in float: the same floats.
  for (size_t row_idx = 0; row_idx < want.size(); ++row_idx) {
    EXPECT_EQ((*outputs)[0].floats[row_idx], static_cast<float>(want[row_idx])) << "row " << row_idx;
  }
}

TEST(OnnxGraphTest, RunsExportedXgboostClassifiersAsAmp) {
  for (size_t class_count : {2u, 4u}) {
    auto model = TrainXgboost(class_count);
    auto graph = LoadExport(*model);
    ASSERT_NE(graph, nullptr);
    const std::vector<FeatureValue> values = SampleRows();
    const size_t rows = values.size() / 2;
    std::vector<double> probabilities(rows * class_count);
    std::vector<double> labels(rows);
    ASSERT_TRUE(model->PredictProba(values, probabilities, nullptr).ok());
    ASSERT_TRUE(model->Predict(values, labels, nullptr).ok());
    auto outputs = graph->Run(ExportedInputs(values));
    ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
    const OnnxTensor& scores = (*outputs)[1];
    ASSERT_EQ(scores.shape, (std::vector<int64_t>{static_cast<int64_t>(rows), static_cast<int64_t>(class_count)}));
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      EXPECT_EQ((*outputs)[0].strings[row_idx], "c" + std::to_string(static_cast<int>(labels[row_idx])));
      for (size_t class_idx = 0; class_idx < class_count; ++class_idx) {
        EXPECT_LE(Relative(scores.floats[row_idx * class_count + class_idx],
                           probabilities[row_idx * class_count + class_idx]),
                  1e-5)
            << "classes " << class_count << " row " << row_idx << " class " << class_idx;
      }
    }
  }
}

// A small hand-built model: input x float [N, 2] -> nodes -> output "out".
struct GraphMaker {
  onnx::ModelProto model;
  GraphMaker() {
    model.set_ir_version(8);
    auto* opset = model.add_opset_import();
    opset->set_version(15);
    opset = model.add_opset_import();
    opset->set_domain("ai.onnx.ml");
    opset->set_version(3);
    AddValue(model.mutable_graph()->add_input(), "x", onnx::TensorProto::FLOAT, {-1, 2});
    AddValue(model.mutable_graph()->add_output(), "out", onnx::TensorProto::FLOAT, {});
  }
  static void AddValue(onnx::ValueInfoProto* value, const std::string& name, int type, std::vector<int64_t> dims) {
    value->set_name(name);
    auto* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(type);
    for (int64_t dim : dims) {
      auto* shape_dim = tensor->mutable_shape()->add_dim();
      if (dim < 0) {
        shape_dim->set_dim_param("N");
      } else {
        shape_dim->set_dim_value(dim);
      }
    }
  }
  onnx::NodeProto* Node(const std::string& op, std::vector<std::string> inputs, std::string output,
                        const std::string& domain = "") {
    auto* node = model.mutable_graph()->add_node();
    node->set_op_type(op);
    node->set_domain(domain);
    for (auto& input : inputs) node->add_input(input);
    node->add_output(output);
    return node;
  }
  void Initializer(const std::string& name, std::vector<int64_t> dims, std::vector<float> values) {
    auto* tensor = model.mutable_graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t dim : dims) tensor->add_dims(dim);
    for (float value : values) tensor->add_float_data(value);
  }
  std::string Bytes() const { return model.SerializeAsString(); }
};

TEST(OnnxGraphTest, RunsADenseNetwork) {
  GraphMaker maker;
  maker.Initializer("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  maker.Initializer("b", {3}, {0.5f, -100.0f, 0.0f});
  maker.Node("Gemm", {"x", "w", "b"}, "h");
  maker.Node("Relu", {"h"}, "r");
  maker.Node("Softmax", {"r"}, "out");
  auto graph = OnnxGraph::Load(maker.Bytes());
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_THAT((*graph)->operators(), ::testing::ElementsAre("Gemm", "Relu", "Softmax"));
  auto outputs = (*graph)->Run({OnnxTensor::Floats({1, 2}, {1.0f, 0.0f})});
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  // h = [1.5, -98, 3] -> r = [1.5, 0, 3] -> softmax.
  const double sum = std::exp(1.5) + 1.0 + std::exp(3.0);
  EXPECT_NEAR((*outputs)[0].floats[0], std::exp(1.5) / sum, 1e-7);
  EXPECT_NEAR((*outputs)[0].floats[1], 1.0 / sum, 1e-7);
  EXPECT_NEAR((*outputs)[0].floats[2], std::exp(3.0) / sum, 1e-7);
  // Inputs of another type or a fixed dimension that differs are refused.
  EXPECT_FALSE((*graph)->Run({OnnxTensor::Floats({1, 3}, {1, 2, 3})}).ok());
  EXPECT_FALSE((*graph)->Run({OnnxTensor::Ints({1, 2}, {1, 2})}).ok());
  EXPECT_FALSE((*graph)->Run({}).ok());
}

TEST(OnnxGraphTest, RefusesUnsupportedOperatorsByName) {
  GraphMaker maker;
  maker.Node("Conv", {"x"}, "a");
  maker.Node("ZipMap", {"a"}, "b", "ai.onnx.ml");
  maker.Node("Relu", {"b"}, "out");
  auto graph = OnnxGraph::Load(maker.Bytes());
  EXPECT_EQ(graph.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(graph.status().message(), HasSubstr("unsupported ONNX operators: Conv, ai.onnx.ml.ZipMap"));
}

TEST(OnnxGraphTest, RefusesHostileGraphs) {
  EXPECT_FALSE(OnnxGraph::Load("not a model at all").ok());
  EXPECT_FALSE(OnnxGraph::Load("").ok());
  {  // a cycle: a node reads its own output
    GraphMaker maker;
    maker.Node("Add", {"x", "out"}, "out");
    auto graph = OnnxGraph::Load(maker.Bytes());
    EXPECT_THAT(graph.status().message(), HasSubstr("topological order"));
  }
  {  // a value nobody defines
    GraphMaker maker;
    maker.Node("Add", {"x", "ghost"}, "out");
    EXPECT_THAT(OnnxGraph::Load(maker.Bytes()).status().message(), HasSubstr("'ghost'"));
  }
  {  // an output nobody computes
    GraphMaker maker;
    maker.Node("Relu", {"x"}, "other");
    EXPECT_THAT(OnnxGraph::Load(maker.Bytes()).status().message(), HasSubstr("never computed"));
  }
  {  // a value defined twice
    GraphMaker maker;
    maker.Node("Relu", {"x"}, "out");
    maker.Node("Sigmoid", {"x"}, "out");
    EXPECT_THAT(OnnxGraph::Load(maker.Bytes()).status().message(), HasSubstr("defined twice"));
  }
  {  // an initializer claiming 2^60 elements
    GraphMaker maker;
    auto* tensor = maker.model.mutable_graph()->add_initializer();
    tensor->set_name("huge");
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    tensor->add_dims(int64_t{1} << 30);
    tensor->add_dims(int64_t{1} << 30);
    maker.Node("Add", {"x", "huge"}, "out");
    EXPECT_FALSE(OnnxGraph::Load(maker.Bytes()).ok());
  }
  {  // a reshape to a huge shape at run time
    GraphMaker maker;
    auto* shape = maker.model.mutable_graph()->add_initializer();
    shape->set_name("shape");
    shape->set_data_type(onnx::TensorProto::INT64);
    shape->add_dims(2);
    shape->add_int64_data(int64_t{1} << 40);
    shape->add_int64_data(int64_t{1} << 40);
    maker.Node("Reshape", {"x", "shape"}, "out");
    auto graph = OnnxGraph::Load(maker.Bytes());
    ASSERT_TRUE(graph.ok()) << graph.status().ToString();
    EXPECT_FALSE((*graph)->Run({OnnxTensor::Floats({1, 2}, {1, 2})}).ok());
  }
  {  // a tree whose nodes point at each other
    GraphMaker maker;
    auto* node = maker.Node("TreeEnsembleRegressor", {"x"}, "out", "ai.onnx.ml");
    auto ints = [&](const char* name, std::vector<int64_t> values) {
      auto* attribute = node->add_attribute();
      attribute->set_name(name);
      attribute->set_type(onnx::AttributeProto::INTS);
      for (int64_t value : values) attribute->add_ints(value);
    };
    ints("nodes_treeids", {0, 0});
    ints("nodes_nodeids", {0, 1});
    ints("nodes_featureids", {0, 0});
    ints("nodes_truenodeids", {1, 0});
    ints("nodes_falsenodeids", {1, 0});
    auto* modes = node->add_attribute();
    modes->set_name("nodes_modes");
    modes->set_type(onnx::AttributeProto::STRINGS);
    modes->add_strings("BRANCH_LT");
    modes->add_strings("BRANCH_LT");
    auto* values = node->add_attribute();
    values->set_name("nodes_values");
    values->set_type(onnx::AttributeProto::FLOATS);
    values->add_floats(0.0f);
    values->add_floats(0.0f);
    EXPECT_THAT(OnnxGraph::Load(maker.Bytes()).status().message(), HasSubstr("tree 0"));
  }
  {  // Cast to a type the executor does not have
    GraphMaker maker;
    auto* node = maker.Node("Cast", {"x"}, "out");
    auto* to = node->add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(11);
    EXPECT_THAT(OnnxGraph::Load(maker.Bytes()).status().message(), HasSubstr("Cast"));
  }
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

// ONNX's own node tests (Debian's libonnx-testdata): every test whose model the executor loads (all its operators
// and types supported) must reproduce the expected outputs within the ONNX backend tests' tolerance (rtol 1e-3,
// atol 1e-7).
TEST(OnnxGraphTest, PassesOnnxNodeTestsOfTheSupportedOperators) {
  const std::filesystem::path root = "/usr/share/libonnx-testdata/data/node";
  if (!std::filesystem::is_directory(root)) GTEST_SKIP() << "libonnx-testdata is not installed";
  int loaded = 0;
  int passed = 0;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(root)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    auto graph = OnnxGraph::Load(ReadFile(root / name / "model.onnx"));
    if (!graph.ok()) continue;
    ++loaded;
    bool ok = true;
    for (int set_idx = 0;; ++set_idx) {
      const auto set = root / name / ("test_data_set_" + std::to_string(set_idx));
      if (!std::filesystem::is_directory(set)) break;
      std::vector<OnnxTensor> inputs;
      for (size_t input_idx = 0; input_idx < (*graph)->inputs().size(); ++input_idx) {
        auto tensor = ParseOnnxTensor(ReadFile(set / ("input_" + std::to_string(input_idx) + ".pb")));
        ASSERT_TRUE(tensor.ok()) << name << ": " << tensor.status().ToString();
        inputs.push_back(std::move(*tensor));
      }
      auto outputs = (*graph)->Run(std::move(inputs));
      if (!outputs.ok()) {
        ADD_FAILURE() << name << ": " << outputs.status().ToString();
        ok = false;
        continue;
      }
      for (size_t output_idx = 0; output_idx < outputs->size(); ++output_idx) {
        auto want = ParseOnnxTensor(ReadFile(set / ("output_" + std::to_string(output_idx) + ".pb")));
        ASSERT_TRUE(want.ok()) << name << ": " << want.status().ToString();
        const OnnxTensor& got = (*outputs)[output_idx];
        if (got.type != want->type || got.shape != want->shape || got.ValueCount() != want->ValueCount()) {
          ADD_FAILURE() << name << " output " << output_idx << ": " << got.Describe() << ", want " << want->Describe();
          ok = false;
          continue;
        }
        for (size_t idx = 0; idx < got.floats.size(); ++idx) {
          if (std::abs(got.floats[idx] - want->floats[idx]) > 1e-7 + 1e-3 * std::abs(want->floats[idx])) {
            ADD_FAILURE() << name << " output " << output_idx << "[" << idx << "]: " << got.floats[idx] << ", want "
                          << want->floats[idx];
            ok = false;
            break;
          }
        }
        if (got.ints != want->ints || got.strings != want->strings) {
          ADD_FAILURE() << name << " output " << output_idx << ": values differ";
          ok = false;
        }
      }
    }
    if (ok) ++passed;
  }
  std::cout << "ONNX node tests: " << passed << " of " << loaded << " loadable tests passed\n";
  EXPECT_EQ(passed, loaded);
  EXPECT_GE(passed, 60);  // the supported operators' tests (Add, Gemm, MatMul, Concat, Reshape, Flatten, ...)
}

}  // namespace
}  // namespace amp::ml
