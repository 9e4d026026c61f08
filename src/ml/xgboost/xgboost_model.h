// XgboostModel: a fitted preprocessing pipeline (imputation and one-hot, numbers unscaled) plus an XGBoost booster
// over its encoded columns: a regression (reg:squarederror) or a classifier (binary:logistic for two classes,
// multi:softprob for more). Predict scores with a FlatForest built from the booster at load time: bit-identical to
// XGBoost's own margins (a float, widened to double), probabilities through the same float link functions, with no
// heap allocation per row (each thread reuses scratch rows). The booster itself stays loaded for explanations and
// for comparisons (PredictWithXgboost). Immutable; thread-safe.
// Explanations are XGBoost's TreeSHAP values (prediction type 2: exact for trees, path expectations weighted by the
// training cover), summed over the one-hot columns of a categorical feature; the base value is XGBoost's bias term,
// the expected prediction over the training data. Base value + contributions = the prediction up to float rounding
// (XGBoost computes SHAP in float; tests see at most 1e-6 of |prediction| + |base value|). Classifiers do not
// explain (their SHAP values are per class and on the margin scale).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/model.h"
#include "ml/pipeline.h"
#include "ml/xgboost/booster.h"
#include "ml/xgboost/flat_forest.h"

namespace amp::ml {

inline constexpr std::string_view kXgboostRegressorAlgorithm = "xgboost_regressor";
inline constexpr std::string_view kXgboostClassifierAlgorithm = "xgboost_classifier";
// Random forests are XGBoost boosters too (num_parallel_tree trees in one round, learning rate 1): the same model
// type, told apart only by the algorithm it reports.
inline constexpr std::string_view kRandomForestRegressorAlgorithm = "random_forest_regressor";
inline constexpr std::string_view kRandomForestClassifierAlgorithm = "random_forest_classifier";

class XgboostModel final : public Model {
 public:
  // `booster_ubj` is a booster as XGBoosterSaveModelToBuffer({"format": "ubj"}) writes it, trained on the encoded
  // columns of `pipeline`; `signature.features` are the pipeline's features. InvalidArgument if the booster cannot
  // be read, is not a supported model (see FlatForest), does not fit the signature's task (a regression objective
  // for a regression; binary:logistic for two classes; multi:softprob with one group per class for more), was trained
  // on another number of columns than the pipeline encodes, or if signature and pipeline disagree
  // (Pipeline::CheckSignature).
  // `random_forest` changes the algorithm the model reports (random_forest_* instead of xgboost_*).
  // `leaf_frequencies` (random forest classifiers grown in one round from the default base score, else
  // InvalidArgument): PredictProba gives the mean over the trees of each leaf's class shares, as scikit-learn's
  // forests do, instead of the sigmoid / softmax of the summed margins. XGBoost's RF leaves are one Newton step
  // from probability 1/2 (or 1/K), affine in the leaf's class shares, so the shares come back exactly (up to
  // reg_lambda's shrinkage; a multiclass forest grows each class's trees on their own samples, so its per-class
  // shares are renormalised to sum to 1); the link functions would squash them (a pure leaf: sigmoid(2) = 0.88).
  static core::Result<std::shared_ptr<const XgboostModel>> Create(ModelSignature signature, Pipeline pipeline,
                                                                  std::string booster_ubj, bool random_forest = false,
                                                                  bool leaf_frequencies = false);
  // The inverse of SerializePayload. DataLoss on malformed input.
  static core::Result<std::shared_ptr<const XgboostModel>> FromPayload(ModelSignature signature,
                                                                       std::string_view payload);

  std::string_view algorithm() const override {
    if (random_forest_) {
      return signature_.classes.empty() ? kRandomForestRegressorAlgorithm : kRandomForestClassifierAlgorithm;
    }
    return signature_.classes.empty() ? kXgboostRegressorAlgorithm : kXgboostClassifierAlgorithm;
  }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                       PredictionNotes* notes) const override;
  core::Status PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                            PredictionNotes* notes) const override;
  core::Status Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                       std::span<double> base_values, PredictionNotes* notes) const override;
  // base_score, trees, nodes, max_depth, and each encoded column's total gain as "gain(<column>)".
  std::vector<std::pair<std::string, double>> Parameters() const override;
  // XGBoost's total gain of the splits on each encoded column, summed over a feature's one-hot columns.
  std::vector<std::pair<std::string, double>> FeatureImportance() const override;
  // {"pipeline": {...}, "booster_format": "ubj", "booster": "<base64 of the UBJSON model>"}, plus
  // "random_forest": true for a random forest and "probabilities": "leaf_frequencies" with leaf_frequencies.
  std::string SerializePayload() const override;
  // The flattened trees, the pipeline, the UBJSON kept for SerializePayload and an estimate of the loaded booster.
  int64_t MemoryBytes() const override;

  // XGBoost's own predictions (XGBoosterPredictFromDense on the encoded rows), for tests and benchmarks: Predict's
  // results for a regression, the probability of the second class for a binary classifier, every class's
  // probability (row-major) for a multiclass one (through the objective's link, also with leaf_frequencies). `out` has
  // one or class-count values per row. Allocates.
  core::Status PredictWithXgboost(std::span<const FeatureValue> rows, std::span<double> out) const;

  const Pipeline& pipeline() const { return pipeline_; }
  const FlatForest& forest() const { return forest_; }
  const std::string& booster_ubj() const { return booster_ubj_; }
  bool leaf_frequencies() const { return leaf_frequencies_; }
  // With leaf_frequencies: a class's share is 1/K + (margin - base_score) * LeafFrequencyScale() (1/2 + ... for the
  // binary forest's one margin).
  double LeafFrequencyScale() const;

 private:
  XgboostModel(ModelSignature signature, Pipeline pipeline, std::string booster_ubj, Booster booster, FlatForest forest,
               bool random_forest, bool leaf_frequencies);

  // Encodes `row_count` rows of `rows` block by block into the thread's scratch rows (row-major floats) and calls
  // score(encoded, first_row_idx, count) for each block. Allocates nothing once the scratch has grown.
  template <typename ScoreBlock>
  void ForEachEncodedBlock(std::span<const FeatureValue> rows, size_t row_count, PredictionNotes* notes,
                           const ScoreBlock& score) const;

  // Encodes `row_count` whole rows, numbered from `first_row_idx` in notes, into `encoded` (row-major floats).
  void EncodeRows(std::span<const FeatureValue> rows, size_t first_row_idx, size_t row_count,
                  std::vector<float>* encoded, PredictionNotes* notes) const;

  ModelSignature signature_;
  Pipeline pipeline_;
  std::string booster_ubj_;
  Booster booster_;
  FlatForest forest_;
  bool random_forest_ = false;
  bool leaf_frequencies_ = false;
};

}  // namespace amp::ml
