// The ai.onnx.ml operators of AMP's ONNX executor, by family: preprocessing (onnx_preprocessing_kernels.cc), linear
// models (onnx_linear_kernels.cc) and tree ensembles (onnx_tree_ensemble_kernels.cc). Every one takes one input;
// classifiers write one or two outputs (labels, then scores), the others one.
#include "ml/onnx/onnx_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

core::Status ExpectCounts(const OnnxNodeSpec& node, size_t outputs_min, size_t outputs_max) {
  if (node.input_count != 1 || node.output_count < outputs_min || node.output_count > outputs_max) {
    return Invalid(node.op_type, "takes 1 input and " + std::to_string(outputs_max) + " output(s), not " +
                                     std::to_string(node.input_count) + " and " + std::to_string(node.output_count));
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<std::unique_ptr<OnnxKernel>> CreateMlKernel(const OnnxNodeSpec& node, const OnnxAttributes& attributes) {
  const std::string& op = node.op_type;
  using Create = core::Result<std::unique_ptr<OnnxKernel>> (*)(const OnnxNodeSpec&, const OnnxAttributes&);
  Create create = nullptr;
  if (op == "Imputer" || op == "Scaler" || op == "OneHotEncoder" || op == "LabelEncoder") {
    create = CreatePreprocessingKernel;
  } else if (op == "LinearRegressor" || op == "LinearClassifier") {
    create = CreateLinearKernel;
  } else if (op == "TreeEnsembleRegressor" || op == "TreeEnsembleClassifier") {
    create = CreateTreeEnsembleKernel;
  } else {
    return std::unique_ptr<OnnxKernel>();
  }
  const bool classifier = op == "LinearClassifier" || op == "TreeEnsembleClassifier";
  AMP_RETURN_IF_ERROR(ExpectCounts(node, 1, classifier ? 2 : 1));
  return create(node, attributes);
}

}  // namespace amp::ml::onnx_kernels
