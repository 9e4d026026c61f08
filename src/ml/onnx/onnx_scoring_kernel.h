// ScoringKernel: the base of the ai.onnx.ml operators that score rows (LinearRegressor/Classifier,
// TreeEnsembleRegressor/Classifier): it checks the input, lets the operator compute raw scores, and writes them as a
// regressor's post-transformed values or a classifier's labels and probabilities, as ONNX Runtime does. Also the
// attributes those operators share (post_transform, class labels). Internal to ml/onnx/; Run is thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ml/onnx/onnx_kernel.h"

namespace amp::ml::onnx_kernels {

enum class PostTransform { kNone, kLogistic, kSoftmax, kSoftmaxZero };

// The post_transform attribute's value; InvalidArgument naming `op` for PROBIT and unknown names.
core::Result<PostTransform> ParsePostTransform(std::string_view op, const std::string& name);

// The class labels of a classifier: strings or int64s.
struct ClassLabels {
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
  size_t size() const { return strings.empty() ? ints.size() : strings.size(); }
};

// classlabels_strings or classlabels_int64s; InvalidArgument unless exactly one is given.
core::Result<ClassLabels> ReadClassLabels(std::string_view op, const OnnxAttributes& attributes);

// A classifier with one score column must be binary with post_transform LOGISTIC (the only such form whose
// probabilities ONNX runtimes agree on); with several, one column per class. InvalidArgument otherwise.
core::Status CheckClassifierColumns(std::string_view op, int64_t columns, size_t class_count, PostTransform transform);

class ScoringKernel : public OnnxKernel {
 public:
  // A regressor (no labels: one output of `targets` columns) or a classifier (labels and scores).
  ScoringKernel(std::string op, int64_t targets, PostTransform transform, ClassLabels labels)
      : op_(std::move(op)), targets_(targets), transform_(transform), labels_(std::move(labels)) {}

  core::Status Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const final;

 protected:
  const std::string& op() const { return op_; }
  int64_t targets() const { return targets_; }

 private:
  // InvalidArgument naming op() if the operator cannot read rows of `cols` columns.
  virtual core::Status CheckColumns(int64_t cols) const = 0;
  // The raw scores (rows x targets(), row-major) of `x` (rows x cols, row-major).
  virtual std::vector<float> Score(const std::vector<float>& x, int64_t rows, int64_t cols) const = 0;

  std::string op_;
  int64_t targets_;
  PostTransform transform_;
  ClassLabels labels_;
};

}  // namespace amp::ml::onnx_kernels
