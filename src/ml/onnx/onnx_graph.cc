#include "ml/onnx/onnx_graph.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <unordered_map>

#include "ml/onnx/onnx_kernel.h"

namespace amp::ml {
namespace {

using onnx_kernels::OnnxAttribute;
using onnx_kernels::OnnxAttributes;

// What the executor understands: ONNX 1.x IR versions 3 (opset imports) to 10, ai.onnx opsets 7 to 21 (the operator
// versions implemented do not change meaning across them, except Softmax before 13 and Reshape's allowzero from 14)
// and ai.onnx.ml opsets 1 to 4.
constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 10;
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 21;
constexpr int64_t kMaxMlOpset = 4;
constexpr int kMaxNodes = 100000;

core::Result<OnnxElementType> ElementType(int32_t onnx_type, const std::string& what) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT:
      return OnnxElementType::kFloat;
    case onnx::TensorProto::INT64:
      return OnnxElementType::kInt64;
    case onnx::TensorProto::STRING:
      return OnnxElementType::kString;
    default:
      return core::InvalidArgument(what + " has element type " + std::to_string(onnx_type) +
                                   "; supported: float (1), int64 (7), string (8)");
  }
}

core::Result<OnnxTensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& what) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0) {
    return core::InvalidArgument(what + " uses external data, which is not supported");
  }
  if (proto.has_segment()) return core::InvalidArgument(what + " is segmented, which is not supported");
  OnnxTensor tensor;
  AMP_ASSIGN_OR_RETURN(tensor.type, ElementType(proto.data_type(), what));
  tensor.shape.assign(proto.dims().begin(), proto.dims().end());
  core::Result<int64_t> count = onnx_kernels::CheckedElementCount(tensor.shape);
  if (!count.ok()) return core::InvalidArgument(what + ": " + std::string(count.status().message()));
  const auto expected = static_cast<size_t>(*count);
  const std::string& raw = proto.raw_data();
  switch (tensor.type) {
    case OnnxElementType::kFloat:
      if (!raw.empty()) {
        if (raw.size() != expected * sizeof(float)) break;
        tensor.floats.resize(expected);
        std::memcpy(tensor.floats.data(), raw.data(), raw.size());  // little-endian, as ONNX stores it
      } else {
        tensor.floats.assign(proto.float_data().begin(), proto.float_data().end());
      }
      break;
    case OnnxElementType::kInt64:
      if (!raw.empty()) {
        if (raw.size() != expected * sizeof(int64_t)) break;
        tensor.ints.resize(expected);
        std::memcpy(tensor.ints.data(), raw.data(), raw.size());
      } else {
        tensor.ints.assign(proto.int64_data().begin(), proto.int64_data().end());
      }
      break;
    case OnnxElementType::kString:
      tensor.strings.assign(proto.string_data().begin(), proto.string_data().end());
      break;
  }
  if (tensor.ValueCount() != expected) {
    return core::InvalidArgument(what + " holds " + std::to_string(tensor.ValueCount()) + " values for shape " +
                                 tensor.Describe());
  }
  return tensor;
}

core::Result<OnnxValueInfo> ValueInfoFromProto(const onnx::ValueInfoProto& proto) {
  OnnxValueInfo info;
  info.name = proto.name();
  if (info.name.empty()) return core::InvalidArgument("a graph input or output has no name");
  if (!proto.type().has_tensor_type()) {
    return core::InvalidArgument("'" + info.name + "' is not a tensor (sequences and maps are not supported)");
  }
  const onnx::TypeProto_Tensor& tensor = proto.type().tensor_type();
  AMP_ASSIGN_OR_RETURN(info.type, ElementType(tensor.elem_type(), "'" + info.name + "'"));
  if (tensor.has_shape()) {
    info.has_shape = true;
    if (static_cast<size_t>(tensor.shape().dim_size()) > onnx_kernels::kMaxRank) {
      return core::InvalidArgument("'" + info.name + "' has rank above 8");
    }
    for (const onnx::TensorShapeProto_Dimension& dim : tensor.shape().dim()) {
      if (dim.has_dim_value() && dim.dim_value() < 0) {
        return core::InvalidArgument("'" + info.name + "' has a negative dimension");
      }
      info.dims.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    }
  }
  return info;
}

core::Result<OnnxAttributes> AttributesFromProto(const onnx::NodeProto& node) {
  std::map<std::string, OnnxAttribute, std::less<>> attributes;
  for (const onnx::AttributeProto& proto : node.attribute()) {
    if (!proto.ref_attr_name().empty()) {
      return core::InvalidArgument(node.op_type() + ": attribute references (functions) are not supported");
    }
    OnnxAttribute attribute;
    switch (proto.type()) {
      case onnx::AttributeProto::INT:
        attribute.kind = OnnxAttribute::Kind::kInt;
        attribute.i = proto.i();
        break;
      case onnx::AttributeProto::FLOAT:
        attribute.kind = OnnxAttribute::Kind::kFloat;
        attribute.f = proto.f();
        break;
      case onnx::AttributeProto::STRING:
        attribute.kind = OnnxAttribute::Kind::kString;
        attribute.s = proto.s();
        break;
      case onnx::AttributeProto::INTS:
        attribute.kind = OnnxAttribute::Kind::kInts;
        attribute.ints.assign(proto.ints().begin(), proto.ints().end());
        break;
      case onnx::AttributeProto::FLOATS:
        attribute.kind = OnnxAttribute::Kind::kFloats;
        attribute.floats.assign(proto.floats().begin(), proto.floats().end());
        break;
      case onnx::AttributeProto::STRINGS:
        attribute.kind = OnnxAttribute::Kind::kStrings;
        attribute.strings.assign(proto.strings().begin(), proto.strings().end());
        break;
      case onnx::AttributeProto::TENSOR: {
        attribute.kind = OnnxAttribute::Kind::kTensor;
        AMP_ASSIGN_OR_RETURN(attribute.tensor,
                             TensorFromProto(proto.t(), node.op_type() + " attribute '" + proto.name() + "'"));
        break;
      }
      default:
        attribute.kind = OnnxAttribute::Kind::kOther;
        break;
    }
    if (!attributes.emplace(proto.name(), std::move(attribute)).second) {
      return core::InvalidArgument(node.op_type() + ": attribute '" + proto.name() + "' appears twice");
    }
  }
  return OnnxAttributes(std::move(attributes));
}

bool IsOnnxDomain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

}  // namespace

struct OnnxGraph::Node {
  std::string op_type;
  std::vector<size_t> inputs;  // slots; kAbsent for an omitted optional input
  std::vector<size_t> outputs;
  std::unique_ptr<onnx_kernels::OnnxKernel> kernel;
  static constexpr size_t kAbsent = SIZE_MAX;
};

OnnxGraph::OnnxGraph() = default;
OnnxGraph::~OnnxGraph() = default;

core::Result<std::shared_ptr<const OnnxGraph>> OnnxGraph::Load(std::string_view bytes) {
  onnx::ModelProto model;
  try {
    if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
        !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return core::InvalidArgument("not an ONNX model (the bytes do not parse as a ModelProto)");
    }
  } catch (const std::exception& error) {  // protobuf reports allocation failures by exception
    return core::InvalidArgument(std::string("not a readable ONNX model: ") + error.what());
  }
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion) {
    return core::InvalidArgument("ONNX IR version " + std::to_string(model.ir_version()) + " is not supported (" +
                                 std::to_string(kMinIrVersion) + " to " + std::to_string(kMaxIrVersion) + ")");
  }
  std::shared_ptr<OnnxGraph> graph(new OnnxGraph());
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (IsOnnxDomain(opset.domain())) {
      graph->opset_ = opset.version();
    } else if (opset.domain() == "ai.onnx.ml") {
      graph->ml_opset_ = opset.version();
    }
  }
  if (graph->opset_ < kMinOpset || graph->opset_ > kMaxOpset) {
    return core::InvalidArgument("ai.onnx opset " + std::to_string(graph->opset_) + " is not supported (" +
                                 std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
  }
  if (graph->ml_opset_ > kMaxMlOpset) {
    return core::InvalidArgument("ai.onnx.ml opset " + std::to_string(graph->ml_opset_) + " is not supported (1 to " +
                                 std::to_string(kMaxMlOpset) + ")");
  }
  const onnx::GraphProto& proto = model.graph();
  if (proto.node_size() > kMaxNodes) return core::InvalidArgument("the graph has too many nodes");
  if (proto.sparse_initializer_size() > 0) return core::InvalidArgument("sparse initializers are not supported");

  // Unsupported operators first, all named at once.
  std::set<std::string> unsupported;
  std::set<std::string> used;
  for (const onnx::NodeProto& node : proto.node()) {
    const std::string name = IsOnnxDomain(node.domain()) ? node.op_type() : node.domain() + "." + node.op_type();
    used.insert(name);
    if (!onnx_kernels::IsSupportedOperator(IsOnnxDomain(node.domain()) ? "" : node.domain(), node.op_type())) {
      unsupported.insert(name);
    }
  }
  if (!unsupported.empty()) {
    std::string names;
    for (const std::string& name : unsupported) names += (names.empty() ? "" : ", ") + name;
    return core::FailedPrecondition("unsupported ONNX operators: " + names);
  }
  graph->operators_.assign(used.begin(), used.end());

  std::unordered_map<std::string, size_t> slots;
  std::set<std::string> initializer_names;
  for (const onnx::TensorProto& initializer : proto.initializer()) initializer_names.insert(initializer.name());
  for (const onnx::ValueInfoProto& input : proto.input()) {
    if (initializer_names.contains(input.name())) continue;  // an initializer with a declared (overridable) type
    AMP_ASSIGN_OR_RETURN(OnnxValueInfo info, ValueInfoFromProto(input));
    if (!slots.emplace(info.name, slots.size()).second) {
      return core::InvalidArgument("graph input '" + info.name + "' is declared twice");
    }
    graph->inputs_.push_back(std::move(info));
  }
  for (const onnx::TensorProto& initializer : proto.initializer()) {
    if (initializer.name().empty()) return core::InvalidArgument("an initializer has no name");
    AMP_ASSIGN_OR_RETURN(OnnxTensor tensor, TensorFromProto(initializer, "initializer '" + initializer.name() + "'"));
    if (!slots.emplace(initializer.name(), slots.size()).second) {
      return core::InvalidArgument("initializer '" + initializer.name() + "' is defined twice");
    }
    graph->initializers_.push_back(std::move(tensor));
  }
  for (const onnx::NodeProto& node_proto : proto.node()) {
    Node node;
    node.op_type = node_proto.op_type();
    for (const std::string& input : node_proto.input()) {
      if (input.empty()) {
        node.inputs.push_back(Node::kAbsent);
        continue;
      }
      auto it = slots.find(input);
      if (it == slots.end()) {
        return core::InvalidArgument(node.op_type + " node '" + node_proto.name() + "' reads '" + input +
                                     "', which no input, initializer or earlier node defines (missing, or the "
                                     "graph is not in topological order or has a cycle)");
      }
      node.inputs.push_back(it->second);
    }
    for (const std::string& output : node_proto.output()) {
      if (output.empty()) return core::InvalidArgument(node.op_type + ": omitted outputs are not supported");
      if (!slots.emplace(output, slots.size()).second) {
        return core::InvalidArgument("value '" + output + "' is defined twice");
      }
      node.outputs.push_back(slots[output]);
    }
    onnx_kernels::OnnxNodeSpec spec{node.op_type, IsOnnxDomain(node_proto.domain()) ? "" : node_proto.domain(),
                                    IsOnnxDomain(node_proto.domain()) ? graph->opset_ : graph->ml_opset_,
                                    node.inputs.size(), node.outputs.size()};
    if (!IsOnnxDomain(node_proto.domain()) && graph->ml_opset_ == 0) {
      return core::InvalidArgument(node.op_type + " needs the ai.onnx.ml opset, which the model does not import");
    }
    core::Result<OnnxAttributes> attributes = AttributesFromProto(node_proto);
    if (!attributes.ok()) return attributes.status();
    core::Result<std::unique_ptr<onnx_kernels::OnnxKernel>> kernel = onnx_kernels::CreateKernel(spec, *attributes);
    if (!kernel.ok()) {
      return core::InvalidArgument("node '" + node_proto.name() + "': " + std::string(kernel.status().message()));
    }
    node.kernel = std::move(*kernel);
    graph->nodes_.push_back(std::move(node));
  }
  if (proto.output_size() == 0) return core::InvalidArgument("the graph has no outputs");
  for (const onnx::ValueInfoProto& output : proto.output()) {
    AMP_ASSIGN_OR_RETURN(OnnxValueInfo info, ValueInfoFromProto(output));
    auto it = slots.find(info.name);
    if (it == slots.end()) return core::InvalidArgument("graph output '" + info.name + "' is never computed");
    graph->output_slots_.push_back(it->second);
    graph->outputs_.push_back(std::move(info));
  }
  graph->value_count_ = slots.size();
  return std::shared_ptr<const OnnxGraph>(std::move(graph));
}

core::Result<std::vector<OnnxTensor>> OnnxGraph::Run(std::vector<OnnxTensor> inputs) const {
  if (inputs.size() != inputs_.size()) {
    return core::InvalidArgument("the model takes " + std::to_string(inputs_.size()) + " inputs, got " +
                                 std::to_string(inputs.size()));
  }
  for (size_t input_idx = 0; input_idx < inputs.size(); ++input_idx) {
    const OnnxValueInfo& info = inputs_[input_idx];
    const OnnxTensor& tensor = inputs[input_idx];
    AMP_ASSIGN_OR_RETURN(int64_t count, onnx_kernels::CheckedElementCount(tensor.shape));
    bool fits = tensor.type == info.type && tensor.ValueCount() == static_cast<size_t>(count);
    if (info.has_shape) {
      fits = fits && tensor.shape.size() == info.dims.size();
      for (size_t dim_idx = 0; fits && dim_idx < info.dims.size(); ++dim_idx) {
        fits = info.dims[dim_idx] < 0 || info.dims[dim_idx] == tensor.shape[dim_idx];
      }
    }
    if (!fits) {
      std::string declared = std::string(OnnxElementTypeName(info.type));
      if (info.has_shape) {
        declared += " [";
        for (size_t dim_idx = 0; dim_idx < info.dims.size(); ++dim_idx) {
          declared += (dim_idx > 0 ? ", " : "") + (info.dims[dim_idx] < 0 ? "?" : std::to_string(info.dims[dim_idx]));
        }
        declared += "]";
      }
      return core::InvalidArgument("input '" + info.name + "' is " + declared + ", got " + tensor.Describe());
    }
  }
  // Slots: inputs (moved in), initializers (read in place), node outputs.
  std::vector<OnnxTensor> values(value_count_);
  std::vector<const OnnxTensor*> slots(value_count_, nullptr);
  for (size_t input_idx = 0; input_idx < inputs.size(); ++input_idx) {
    values[input_idx] = std::move(inputs[input_idx]);
    slots[input_idx] = &values[input_idx];
  }
  for (size_t init_idx = 0; init_idx < initializers_.size(); ++init_idx) {
    slots[inputs_.size() + init_idx] = &initializers_[init_idx];
  }
  std::vector<const OnnxTensor*> node_inputs;
  std::vector<OnnxTensor> node_outputs;
  for (const Node& node : nodes_) {
    node_inputs.clear();
    for (size_t slot : node.inputs) node_inputs.push_back(slot == Node::kAbsent ? nullptr : slots[slot]);
    // Required inputs (all but Gemm's C and trailing optional ones) must be present.
    const size_t required = node.op_type == "Gemm" ? 2 : node.inputs.size();
    for (size_t input_idx = 0; input_idx < required; ++input_idx) {
      if (node_inputs[input_idx] == nullptr) {
        return core::InvalidArgument(node.op_type + ": required input " + std::to_string(input_idx) + " is omitted");
      }
    }
    node_outputs.assign(node.outputs.size(), OnnxTensor{});
    AMP_RETURN_IF_ERROR(node.kernel->Run(node_inputs, node_outputs));
    for (size_t output_idx = 0; output_idx < node.outputs.size(); ++output_idx) {
      const size_t slot = node.outputs[output_idx];
      values[slot] = std::move(node_outputs[output_idx]);
      slots[slot] = &values[slot];
    }
  }
  std::vector<OnnxTensor> outputs;
  for (size_t slot : output_slots_) outputs.push_back(*slots[slot]);
  return outputs;
}

core::Result<OnnxTensor> ParseOnnxTensor(std::string_view bytes) {
  onnx::TensorProto proto;
  try {
    if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
        !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return core::InvalidArgument("not an ONNX TensorProto");
    }
  } catch (const std::exception& error) {
    return core::InvalidArgument(std::string("not a readable ONNX TensorProto: ") + error.what());
  }
  return TensorFromProto(proto, "tensor '" + proto.name() + "'");
}

}  // namespace amp::ml
