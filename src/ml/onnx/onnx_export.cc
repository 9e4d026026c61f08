#include "ml/onnx/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <exception>
#include <initializer_list>
#include <limits>
#include <set>
#include <string_view>
#include <vector>

#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

constexpr int64_t kIrVersion = 8;  // ONNX 1.12
constexpr int64_t kOnnxOpset = 15;
constexpr int64_t kOnnxMlOpset = 3;
constexpr std::string_view kMlDomain = "ai.onnx.ml";
constexpr int kFloat = onnx::TensorProto::FLOAT;

// Builds the graph; names every intermediate value under a prefix no feature or target name starts with.
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto* graph, const ModelSignature& signature) : graph_(graph) {
    std::set<std::string> names = {signature.target};
    for (const FeatureSpec& feature : signature.features) names.insert(feature.name);
    bool clash = true;
    while (clash) {
      clash = false;
      for (const std::string& name : names) {
        if (name.starts_with(prefix_ + "/")) {
          prefix_ += '_';
          clash = true;
          break;
        }
      }
    }
  }

  std::string Name(std::string_view what) const { return prefix_ + "/" + std::string(what); }

  // A value of shape [N, dims...] (N symbolic) as a graph input or output.
  static void DescribeValue(onnx::ValueInfoProto* value, const std::string& name, int elem_type,
                            std::initializer_list<int64_t> dims) {
    value->set_name(name);
    onnx::TypeProto_Tensor* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(elem_type);
    tensor->mutable_shape()->add_dim()->set_dim_param("N");
    for (int64_t dim : dims) tensor->mutable_shape()->add_dim()->set_dim_value(dim);
  }

  // Adds a node computing `output`, an intermediate value of type `elem_type` and shape [N, dims...]. ONNX 1.12 has
  // no type inference for several ai.onnx.ml operators (OneHotEncoder, Scaler, ...), so the graph states every
  // intermediate type itself (onnx.checker's full check needs them).
  onnx::NodeProto* AddNode(std::string_view op_type, std::string_view domain, std::vector<std::string> inputs,
                           const std::string& output, int elem_type, std::initializer_list<int64_t> dims) {
    DescribeValue(graph_->add_value_info(), output, elem_type, dims);
    return AddOutputNode(op_type, domain, std::move(inputs), output);
  }

  // Adds the node computing the graph output `output` (described by the caller).
  onnx::NodeProto* AddOutputNode(std::string_view op_type, std::string_view domain, std::vector<std::string> inputs,
                                 std::string output) {
    onnx::NodeProto* node = graph_->add_node();
    node->set_op_type(std::string(op_type));
    node->set_domain(std::string(domain));
    node->set_name(Name("node" + std::to_string(graph_->node_size())));
    for (std::string& input : inputs) node->add_input(std::move(input));
    node->add_output(std::move(output));
    return node;
  }

  onnx::GraphProto* graph() { return graph_; }

 private:
  onnx::GraphProto* graph_;
  std::string prefix_ = "amp";
};

onnx::AttributeProto* AddAttribute(onnx::NodeProto* node, std::string_view name,
                                   onnx::AttributeProto_AttributeType type) {
  onnx::AttributeProto* attribute = node->add_attribute();
  attribute->set_name(std::string(name));
  attribute->set_type(type);
  return attribute;
}

void SetInt(onnx::NodeProto* node, std::string_view name, int64_t value) {
  AddAttribute(node, name, onnx::AttributeProto::INT)->set_i(value);
}
void SetFloat(onnx::NodeProto* node, std::string_view name, float value) {
  AddAttribute(node, name, onnx::AttributeProto::FLOAT)->set_f(value);
}
void SetString(onnx::NodeProto* node, std::string_view name, std::string_view value) {
  AddAttribute(node, name, onnx::AttributeProto::STRING)->set_s(std::string(value));
}
void SetFloats(onnx::NodeProto* node, std::string_view name, const std::vector<float>& values) {
  onnx::AttributeProto* attribute = AddAttribute(node, name, onnx::AttributeProto::FLOATS);
  for (float value : values) attribute->add_floats(value);
}
void SetInts(onnx::NodeProto* node, std::string_view name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* attribute = AddAttribute(node, name, onnx::AttributeProto::INTS);
  for (int64_t value : values) attribute->add_ints(value);
}
void SetStrings(onnx::NodeProto* node, std::string_view name, const std::vector<std::string>& values) {
  onnx::AttributeProto* attribute = AddAttribute(node, name, onnx::AttributeProto::STRINGS);
  for (const std::string& value : values) attribute->add_strings(value);
}

// The preprocessing of `pipeline`: graph inputs, one per feature, encoded into one [N, EncodedWidth()] float
// value in the pipeline's column order, whose name is returned. FailedPrecondition if a category is "" (the
// graph's missing value).
core::Result<std::string> AddPreprocessing(GraphBuilder& builder, const Pipeline& pipeline) {
  std::vector<std::string> encoded;
  const std::vector<FeatureTransform>& transforms = pipeline.transforms();
  // Date parsing, missing indicators and the "other" column have no faithful ai.onnx.ml form here; exporting
  // without them would score differently from AMP, so the export is refused instead.
  for (const FeatureTransform& transform : transforms) {
    if (!transform.IsExtended()) continue;
    const char* what = transform.IsDate()       ? "is a date encoded as year/month/day/weekday parts"
                       : transform.other_bucket ? "has an \"other\" column for rare and unseen categories"
                                                : "has a missing-value indicator column";
    return core::FailedPrecondition("feature '" + transform.feature.name + "' " + what +
                                    ", which the ONNX export cannot express; the model serves through AMP and "
                                    "its bundle, but it cannot be exported to ONNX");
  }
  for (size_t feature_idx = 0; feature_idx < transforms.size(); ++feature_idx) {
    const FeatureTransform& transform = transforms[feature_idx];
    const std::string& input = transform.feature.name;
    const std::string step = "feature" + std::to_string(feature_idx);
    if (data::IsNumberLike(transform.feature.type)) {
      GraphBuilder::DescribeValue(builder.graph()->add_input(), input, kFloat, {1});
      std::string imputed = builder.Name(step + "/imputed");
      onnx::NodeProto* imputer = builder.AddNode("Imputer", kMlDomain, {input}, imputed, kFloat, {1});
      SetFloats(imputer, "imputed_value_floats", {static_cast<float>(transform.impute_value)});
      SetFloat(imputer, "replaced_value_float", std::numeric_limits<float>::quiet_NaN());
      if (transform.center == 0.0 && transform.scale == 1.0) {  // unscaled (tree models)
        encoded.push_back(std::move(imputed));
        continue;
      }
      std::string scaled = builder.Name(step + "/scaled");
      onnx::NodeProto* scaler = builder.AddNode("Scaler", kMlDomain, {imputed}, scaled, kFloat, {1});
      SetFloats(scaler, "offset", {static_cast<float>(transform.center)});
      SetFloats(scaler, "scale", {static_cast<float>(1.0 / transform.scale)});
      encoded.push_back(std::move(scaled));
      continue;
    }
    GraphBuilder::DescribeValue(builder.graph()->add_input(), input, onnx::TensorProto::STRING, {1});
    // Imputer has no string form, so the most frequent category is imputed by the label lookup: "" (missing)
    // maps to its index like the category itself.
    std::vector<std::string> keys = transform.categories;
    std::vector<int64_t> codes;
    std::vector<int64_t> positions;
    for (size_t category_idx = 0; category_idx < keys.size(); ++category_idx) {
      if (keys[category_idx].empty()) {
        return core::FailedPrecondition("categorical feature '" + input +
                                        "' has the empty category, which ONNX inputs use for missing values");
      }
      codes.push_back(static_cast<int64_t>(category_idx));
      positions.push_back(static_cast<int64_t>(category_idx));
    }
    keys.emplace_back();
    codes.push_back(transform.impute_category);
    std::string code = builder.Name(step + "/code");
    onnx::NodeProto* label_encoder =
        builder.AddNode("LabelEncoder", kMlDomain, {input}, code, onnx::TensorProto::INT64, {1});
    SetStrings(label_encoder, "keys_strings", keys);
    SetInts(label_encoder, "values_int64s", codes);
    SetInt(label_encoder, "default_int64", -1);
    const auto category_count = static_cast<int64_t>(transform.categories.size());
    std::string one_hot = builder.Name(step + "/one_hot");
    onnx::NodeProto* encoder =
        builder.AddNode("OneHotEncoder", kMlDomain, {code}, one_hot, kFloat, {1, category_count});
    SetInts(encoder, "cats_int64s", positions);
    SetInt(encoder, "zeros", 1);
    // OneHotEncoder appends the category axis: [N, 1, K] -> [N, K].
    std::string shape = builder.Name(step + "/shape");
    onnx::TensorProto* shape_tensor = builder.graph()->add_initializer();
    shape_tensor->set_name(shape);
    shape_tensor->set_data_type(onnx::TensorProto::INT64);
    shape_tensor->add_dims(2);
    shape_tensor->add_int64_data(-1);
    shape_tensor->add_int64_data(category_count);
    std::string flat = builder.Name(step + "/encoded");
    builder.AddNode("Reshape", "", {one_hot, shape}, flat, kFloat, {category_count});
    encoded.push_back(std::move(flat));
  }
  std::string features = builder.Name("features");
  onnx::NodeProto* concat = builder.AddNode("Concat", "", encoded, features, kFloat, {pipeline.EncodedWidth()});
  SetInt(concat, "axis", 1);
  return features;
}

void AddLinearRegressor(GraphBuilder& builder, const LinearModel& model, const std::string& features,
                        const std::string& output) {
  onnx::NodeProto* node = builder.AddOutputNode("LinearRegressor", kMlDomain, {features}, output);
  std::vector<float> coefficients;
  for (double weight : model.solution().weights) coefficients.push_back(static_cast<float>(weight));
  SetFloats(node, "coefficients", coefficients);
  SetFloats(node, "intercepts", {static_cast<float>(model.solution().intercept)});
  SetInt(node, "targets", 1);
  SetString(node, "post_transform", "NONE");
}

// XGBoost's trees as ai.onnx.ml tree attributes: BRANCH_LT splits (XGBoost goes left iff value < threshold, the true
// branch), each split's default direction for NaN as missing_value_tracks_true, and per leaf its tree's output group.
struct TreeAttributes {
  std::vector<int64_t> tree_ids, node_ids, feature_ids, true_ids, false_ids, tracks_true;
  std::vector<std::string> modes;
  std::vector<float> thresholds;
  std::vector<int64_t> leaf_tree_ids, leaf_node_ids, leaf_target_ids;
  std::vector<float> leaf_weights;
};

TreeAttributes FlattenTrees(const FlatForest& forest) {
  const std::vector<FlatNode>& nodes = forest.nodes();
  // FlatForest keeps each tree's root private; a root is the one node that is no split's child (trees are laid
  // out one after another, so roots come in tree order).
  std::vector<bool> is_child(nodes.size(), false);
  for (const FlatNode& node : nodes) {
    if (node.left != 0) is_child[node.left] = is_child[node.left + 1] = true;
  }
  TreeAttributes trees;
  int64_t tree_id = -1;
  std::vector<int64_t> local_id(nodes.size(), -1);
  for (size_t root = 0; root < nodes.size(); ++root) {
    if (is_child[root]) continue;
    ++tree_id;
    const auto group = static_cast<int64_t>(forest.TreeGroup(static_cast<size_t>(tree_id)));
    // Number the tree's nodes 0, 1, ... in walk order; children get their ids before their parent is written.
    std::vector<uint32_t> pending = {static_cast<uint32_t>(root)};
    int64_t next_id = 0;
    local_id[root] = next_id++;
    while (!pending.empty()) {
      const uint32_t idx = pending.back();
      pending.pop_back();
      const FlatNode& node = nodes[idx];
      trees.tree_ids.push_back(tree_id);
      trees.node_ids.push_back(local_id[idx]);
      if (node.left == 0) {
        trees.modes.emplace_back("LEAF");
        trees.feature_ids.push_back(0);
        trees.thresholds.push_back(0.0f);
        trees.true_ids.push_back(0);
        trees.false_ids.push_back(0);
        trees.tracks_true.push_back(0);
        trees.leaf_tree_ids.push_back(tree_id);
        trees.leaf_node_ids.push_back(local_id[idx]);
        trees.leaf_target_ids.push_back(group);
        trees.leaf_weights.push_back(node.value);
        continue;
      }
      local_id[node.left] = next_id++;
      local_id[node.left + 1] = next_id++;
      trees.modes.emplace_back("BRANCH_LT");
      trees.feature_ids.push_back(node.feature);
      trees.thresholds.push_back(node.value);
      trees.true_ids.push_back(local_id[node.left]);
      trees.false_ids.push_back(local_id[node.left + 1]);
      trees.tracks_true.push_back(node.missing == node.left ? 1 : 0);
      pending.push_back(node.left + 1);
      pending.push_back(node.left);
    }
  }
  return trees;
}

void SetTreeNodes(onnx::NodeProto* node, const TreeAttributes& trees) {
  SetInts(node, "nodes_treeids", trees.tree_ids);
  SetInts(node, "nodes_nodeids", trees.node_ids);
  SetInts(node, "nodes_featureids", trees.feature_ids);
  SetStrings(node, "nodes_modes", trees.modes);
  SetFloats(node, "nodes_values", trees.thresholds);
  SetInts(node, "nodes_truenodeids", trees.true_ids);
  SetInts(node, "nodes_falsenodeids", trees.false_ids);
  SetInts(node, "nodes_missing_value_tracks_true", trees.tracks_true);
}

void AddTreeEnsembleRegressor(GraphBuilder& builder, const FlatForest& forest, const std::string& features,
                              const std::string& output) {
  const TreeAttributes trees = FlattenTrees(forest);
  onnx::NodeProto* node = builder.AddOutputNode("TreeEnsembleRegressor", kMlDomain, {features}, output);
  SetInt(node, "n_targets", 1);
  SetString(node, "aggregate_function", "SUM");
  SetString(node, "post_transform", "NONE");
  SetFloats(node, "base_values", {forest.base_score()});
  SetTreeNodes(node, trees);
  SetInts(node, "target_treeids", trees.leaf_tree_ids);
  SetInts(node, "target_nodeids", trees.leaf_node_ids);
  SetInts(node, "target_ids", trees.leaf_target_ids);
  SetFloats(node, "target_weights", trees.leaf_weights);
}

// A classifier node has two outputs: the label (string [N]) and the probabilities (float [N, classes]).
onnx::NodeProto* AddClassifierNode(GraphBuilder& builder, std::string_view op_type, const std::string& features,
                                   const ModelSignature& signature, const std::string& probabilities) {
  onnx::NodeProto* node = builder.AddOutputNode(op_type, kMlDomain, {features}, signature.target);
  node->add_output(probabilities);
  SetStrings(node, "classlabels_strings", signature.classes);
  return node;
}

// Binary: two score rows, zeros for the first class and the log-odds for the second, through SOFTMAX: softmax(0, s)
// is (1 - sigmoid(s), sigmoid(s)), AMP's probabilities, with no reliance on how a runtime completes a one-score
// binary classifier. Multinomial: one row per class through SOFTMAX.
void AddLinearClassifier(GraphBuilder& builder, const LogisticModel& model, const std::string& features,
                         const std::string& probabilities) {
  const ModelSignature& signature = model.signature();
  const LogisticSolution& solution = model.solution();
  onnx::NodeProto* node = AddClassifierNode(builder, "LinearClassifier", features, signature, probabilities);
  std::vector<float> coefficients;
  std::vector<float> intercepts;
  const size_t width = solution.weights.size() / solution.outputs();
  if (solution.outputs() == 1) {
    coefficients.assign(width, 0.0f);
    intercepts.push_back(0.0f);
  }
  for (double weight : solution.weights) coefficients.push_back(static_cast<float>(weight));
  for (double intercept : solution.intercepts) intercepts.push_back(static_cast<float>(intercept));
  SetFloats(node, "coefficients", coefficients);
  SetFloats(node, "intercepts", intercepts);
  SetInt(node, "multi_class", 0);
  SetString(node, "post_transform", "SOFTMAX");
}

// Binary (binary:logistic, one group): every leaf adds to class 0's score, base_values holds the base margin and
// post_transform LOGISTIC gives (1 - sigmoid(margin), sigmoid(margin)), as onnxmltools writes XGBoost classifiers.
// Multiclass (multi:softprob): leaves add to their tree's group and SOFTMAX turns the margins into probabilities.
// Random forests with leaf-frequency probabilities: see below.
void AddTreeEnsembleClassifier(GraphBuilder& builder, const XgboostModel& model, const std::string& features,
                               const std::string& probabilities) {
  const FlatForest& forest = model.forest();
  const TreeAttributes trees = FlattenTrees(forest);
  onnx::NodeProto* node =
      AddClassifierNode(builder, "TreeEnsembleClassifier", features, model.signature(), probabilities);
  const bool binary = forest.group_count() == 1;
  SetTreeNodes(node, trees);
  if (model.leaf_frequencies()) {
    // A random forest's class shares are affine in its leaves (XgboostModel::LeafFrequencyScale): scaled leaves on
    // top of 1/2 and no link. The second class gets the scaled leaves, the first their negation. (Multiclass forests
    // are refused in BuildModel: each class has trees of its own, so their shares need renormalising per row.)
    const auto scale = static_cast<float>(model.LeafFrequencyScale());
    const size_t class_count = model.signature().classes.size();
    TreeAttributes scaled;
    for (size_t leaf = 0; leaf < trees.leaf_weights.size(); ++leaf) {
      for (int64_t side : binary ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{trees.leaf_target_ids[leaf]}) {
        scaled.leaf_tree_ids.push_back(trees.leaf_tree_ids[leaf]);
        scaled.leaf_node_ids.push_back(trees.leaf_node_ids[leaf]);
        scaled.leaf_target_ids.push_back(side);
        scaled.leaf_weights.push_back((binary && side == 0 ? -scale : scale) * trees.leaf_weights[leaf]);
      }
    }
    SetString(node, "post_transform", "NONE");
    SetFloats(node, "base_values", std::vector<float>(class_count, 1.0f / static_cast<float>(class_count)));
    SetInts(node, "class_treeids", scaled.leaf_tree_ids);
    SetInts(node, "class_nodeids", scaled.leaf_node_ids);
    SetInts(node, "class_ids", scaled.leaf_target_ids);
    SetFloats(node, "class_weights", scaled.leaf_weights);
    return;
  }
  SetString(node, "post_transform", binary ? "LOGISTIC" : "SOFTMAX");
  SetFloats(node, "base_values", std::vector<float>(forest.group_count(), forest.base_score()));
  SetInts(node, "class_treeids", trees.leaf_tree_ids);
  SetInts(node, "class_nodeids", trees.leaf_node_ids);
  SetInts(node, "class_ids", trees.leaf_target_ids);
  SetFloats(node, "class_weights", trees.leaf_weights);
}

core::Result<std::string> BuildModel(const Model& model) {
  const auto* linear = dynamic_cast<const LinearModel*>(&model);
  const auto* logistic = dynamic_cast<const LogisticModel*>(&model);
  const auto* xgboost = dynamic_cast<const XgboostModel*>(&model);
  if (linear == nullptr && logistic == nullptr && xgboost == nullptr) {
    return core::FailedPrecondition("model type '" + std::string(model.algorithm()) +
                                    "' cannot be exported to ONNX (supported: linear_regression, "
                                    "logistic_regression, xgboost_regressor, xgboost_classifier)");
  }
  if (xgboost != nullptr && xgboost->leaf_frequencies() && xgboost->forest().group_count() > 1) {
    return core::FailedPrecondition(
        "a multiclass random_forest_classifier cannot be exported to ONNX yet: its probabilities are the trees' class "
        "shares renormalised per row, which needs an ONNX Normalizer that this export does not write");
  }
  const ModelSignature& signature = model.signature();
  if (signature.FindFeature(signature.target) >= 0) {
    return core::FailedPrecondition("feature '" + signature.target +
                                    "' has the target's name; ONNX inputs and outputs need distinct names");
  }
  const bool classifier = IsClassification(signature.task);
  const std::string probabilities = OnnxProbabilitiesOutput(signature.target);
  if (classifier && signature.FindFeature(probabilities) >= 0) {
    return core::FailedPrecondition("feature '" + probabilities +
                                    "' has the name of the probabilities output; ONNX names need to be distinct");
  }
  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("amp");
  proto.set_model_version(1);
  proto.set_doc_string(std::string(model.algorithm()) + " predicting '" + signature.target +
                       "', with AMP's preprocessing");
  onnx::OperatorSetIdProto* onnx_opset = proto.add_opset_import();
  onnx_opset->set_domain("");
  onnx_opset->set_version(kOnnxOpset);
  onnx_opset = proto.add_opset_import();
  onnx_opset->set_domain(std::string(kMlDomain));
  onnx_opset->set_version(kOnnxMlOpset);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name("amp_" + std::string(model.algorithm()));
  GraphBuilder builder(graph, signature);
  const Pipeline& pipeline =
      linear != nullptr ? linear->pipeline() : (logistic != nullptr ? logistic->pipeline() : xgboost->pipeline());
  AMP_ASSIGN_OR_RETURN(std::string features, AddPreprocessing(builder, pipeline));
  if (linear != nullptr) {
    AddLinearRegressor(builder, *linear, features, signature.target);
  } else if (logistic != nullptr) {
    AddLinearClassifier(builder, *logistic, features, probabilities);
  } else if (classifier) {
    AddTreeEnsembleClassifier(builder, *xgboost, features, probabilities);
  } else {
    AddTreeEnsembleRegressor(builder, xgboost->forest(), features, signature.target);
  }
  if (classifier) {
    onnx::ValueInfoProto* label = graph->add_output();
    label->set_name(signature.target);
    onnx::TypeProto_Tensor* tensor = label->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::STRING);
    tensor->mutable_shape()->add_dim()->set_dim_param("N");
    GraphBuilder::DescribeValue(graph->add_output(), probabilities, kFloat,
                                {static_cast<int64_t>(signature.classes.size())});
  } else {
    GraphBuilder::DescribeValue(graph->add_output(), signature.target, kFloat, {1});
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) return core::Internal("could not serialize the ONNX model");
  return bytes;
}

}  // namespace

std::string OnnxProbabilitiesOutput(std::string_view target) {
  return std::string(target) + "_probabilities";
}

core::Result<std::string> ExportOnnx(const Model& model) {
  try {
    return BuildModel(model);
  } catch (const std::exception& error) {  // protobuf reports allocation failures by exception
    return core::Internal(std::string("ONNX export failed: ") + error.what());
  }
}

}  // namespace amp::ml
