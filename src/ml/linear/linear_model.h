// LinearModel: a fitted preprocessing pipeline plus linear weights over its encoded columns. At construction the
// pipeline is folded into the weights (imputation, centring, scaling, one-hot lookups), so Predict is one pass
// over the inputs with no heap allocation. Immutable; thread-safe.
// Explanations are exact and centred on the training data (what SHAP's LinearExplainer computes for independent
// features): a number-like feature contributes slope * (value - its training mean), slope = weight / scale, a
// missing value counting as its imputed value; a categorical feature contributes weight(category) minus the
// training mean of its one-hot part, sum over categories of weight * share of training rows (an unseen category
// has weight 0, a missing one the imputed category's). The base value is the prediction at the training means of
// the encoded columns, i.e. the mean prediction over the training rows; base + contributions = the prediction.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ml/linear/ridge_solver.h"
#include "ml/model.h"
#include "ml/pipeline.h"

namespace amp::ml {

inline constexpr std::string_view kLinearRegressionAlgorithm = "linear_regression";

class LinearModel final : public Model {
 public:
  // `solution.weights` has one weight per encoded column of `pipeline`, and `signature.features` are the pipeline's
  // features (same names, types and order). InvalidArgument if not, or if a categorical transform's categories are
  // not sorted and distinct or its impute_category is not one of them.
  static core::Result<std::shared_ptr<const LinearModel>> Create(ModelSignature signature, Pipeline pipeline,
                                                                 LinearSolution solution);
  // The inverse of SerializePayload. DataLoss on malformed input.
  static core::Result<std::shared_ptr<const LinearModel>> FromPayload(ModelSignature signature,
                                                                      std::string_view payload);

  std::string_view algorithm() const override { return kLinearRegressionAlgorithm; }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                       PredictionNotes* notes) const override;
  core::Status Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                       std::span<double> base_values, PredictionNotes* notes) const override;
  std::vector<std::pair<std::string, double>> Parameters() const override;
  // |weight| on the standardized scale (Pipeline::EncodedStdDevs), summed over a feature's one-hot columns.
  std::vector<std::pair<std::string, double>> FeatureImportance() const override;
  std::string SerializePayload() const override;
  int64_t MemoryBytes() const override;

  const Pipeline& pipeline() const { return pipeline_; }
  const LinearSolution& solution() const { return solution_; }

 private:
  // The folded form of one input feature.
  struct FoldedFeature {
    bool is_number = true;
    double slope = 0.0;           // number-like: contribution = slope * value
    double missing_contribution;  // contribution when the value is missing (imputed)
    // Categorical: (category, weight) sorted by category for binary search; unseen categories contribute 0.
    std::vector<std::pair<std::string, double>> category_weights;
    double mean_contribution = 0.0;  // the contribution at the training mean: what explanations measure against
    // Extended transforms (missing indicator, "other" column, date parts): no closed fold; the contribution is the
    // dot product of these weights with the pipeline's encoding of the value.
    bool is_extended = false;
    std::vector<double> weights;
  };

  LinearModel(ModelSignature signature, Pipeline pipeline, LinearSolution solution);

  // The folded contribution of `value` to feature `feature_idx`, shared by Predict and Explain so the two cannot
  // disagree. Notes a missing value or an unseen category (row `row_idx`) when `notes` is not null.
  double FoldedContribution(size_t feature_idx, const FeatureValue& value, size_t row_idx,
                            PredictionNotes* notes) const;

  ModelSignature signature_;
  Pipeline pipeline_;
  LinearSolution solution_;
  double folded_intercept_ = 0.0;
  double base_value_ = 0.0;  // folded_intercept_ + every feature's mean_contribution
  std::vector<FoldedFeature> folded_;
};

}  // namespace amp::ml
