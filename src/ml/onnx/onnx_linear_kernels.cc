// LinearRegressor and LinearClassifier (ai.onnx.ml) of AMP's ONNX executor: scores are intercept + coefficients . x,
// summed in double and rounded to float once.
#include <utility>

#include "ml/onnx/onnx_scoring_kernel.h"

namespace amp::ml::onnx_kernels {
namespace {

class LinearKernel final : public ScoringKernel {
 public:
  // `coefficients` holds `targets` rows; `intercepts` one per target, or none.
  LinearKernel(std::string op, std::vector<float> coefficients, std::vector<float> intercepts, int64_t targets,
               PostTransform transform, ClassLabels labels)
      : ScoringKernel(std::move(op), targets, transform, std::move(labels)),
        coefficients_(std::move(coefficients)),
        intercepts_(std::move(intercepts)) {}

 private:
  core::Status CheckColumns(int64_t cols) const override {
    if (cols * targets() != static_cast<int64_t>(coefficients_.size())) {
      return Invalid(op(), std::to_string(coefficients_.size()) + " coefficients for " + std::to_string(targets()) +
                               " outputs of " + std::to_string(cols) + " columns");
    }
    return core::Status::Ok();
  }

  std::vector<float> Score(const std::vector<float>& x, int64_t rows, int64_t cols) const override {
    const int64_t targets = this->targets();
    std::vector<float> scores(static_cast<size_t>(rows * targets));
    for (int64_t row = 0; row < rows; ++row) {
      for (int64_t target = 0; target < targets; ++target) {
        double sum = intercepts_.empty() ? 0.0 : intercepts_[static_cast<size_t>(target)];
        for (int64_t col = 0; col < cols; ++col) {
          sum += static_cast<double>(x[static_cast<size_t>(row * cols + col)]) *
                 coefficients_[static_cast<size_t>(target * cols + col)];
        }
        scores[static_cast<size_t>(row * targets + target)] = static_cast<float>(sum);
      }
    }
    return scores;
  }

  std::vector<float> coefficients_;
  std::vector<float> intercepts_;
};

}  // namespace

core::Result<std::unique_ptr<OnnxKernel>> CreateLinearKernel(const OnnxNodeSpec& node,
                                                             const OnnxAttributes& attributes) {
  const bool classifier = node.op_type == "LinearClassifier";
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

}  // namespace amp::ml::onnx_kernels
