#include "ml/onnx/onnx_scoring_kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace amp::ml::onnx_kernels {
namespace {

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

}  // namespace

core::Result<PostTransform> ParsePostTransform(std::string_view op, const std::string& name) {
  if (name == "NONE") return PostTransform::kNone;
  if (name == "LOGISTIC") return PostTransform::kLogistic;
  if (name == "SOFTMAX") return PostTransform::kSoftmax;
  if (name == "SOFTMAX_ZERO") return PostTransform::kSoftmaxZero;
  return Invalid(op, "post_transform '" + name + "' is not supported (NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO)");
}

core::Result<ClassLabels> ReadClassLabels(std::string_view op, const OnnxAttributes& attributes) {
  ClassLabels labels;
  AMP_ASSIGN_OR_RETURN(labels.strings, attributes.Strings("classlabels_strings"));
  AMP_ASSIGN_OR_RETURN(labels.ints, attributes.Ints("classlabels_ints"));
  if (labels.strings.empty() == labels.ints.empty()) {
    return Invalid(op, "needs one of classlabels_strings and classlabels_int64s");
  }
  return labels;
}

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

core::Status ScoringKernel::Run(std::span<const OnnxTensor* const> inputs, std::span<OnnxTensor> outputs) const {
  const OnnxTensor& input = *inputs[0];
  int64_t rows = 0;
  int64_t cols = 0;
  AMP_RETURN_IF_ERROR(MatrixShape(input, op_, &rows, &cols));
  AMP_RETURN_IF_ERROR(CheckColumns(cols));
  AMP_ASSIGN_OR_RETURN(std::vector<float> x, AsFloats(input, op_));
  WriteScores(labels_, transform_, targets_, rows, Score(x, rows, cols), outputs);
  return core::Status::Ok();
}

}  // namespace amp::ml::onnx_kernels
