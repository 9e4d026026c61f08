// Booster and BoosterMatrix: owned handles to an XGBoost booster and DMatrix (libxgboost 1.7's C API), with the few
// calls AMP makes, each turning XGBoost's error text into a core::Status (the C API itself never throws). This pair
// and collective.cc (the distributed collective) are the only code that includes <xgboost/c_api.h>.
// Thread safety: the const calls (predictions, Save) may run concurrently on one Booster (XGBoost >= 1.4 keeps
// prediction buffers per thread for gbtree models); the others must not overlap with anything else on it.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace amp::ml {

// A row-major float matrix borrowed from the caller; NaN means missing.
struct DenseRows {
  const float* values = nullptr;
  size_t row_count = 0;
  size_t column_count = 0;
};

class BoosterMatrix {
 public:
  // Copies `rows` into a DMatrix (NaN = missing, every other value present, zeros included). Internal if XGBoost
  // refuses the data (it rejects infinities).
  static core::Result<BoosterMatrix> FromDense(DenseRows rows, int nthread);
  // The rows sketched straight into the histogram index the "hist" tree method trains on (XGBoost's QuantileDMatrix,
  // what XGBRegressor / XGBClassifier.fit builds), without the row copy FromDense keeps: less memory and a faster
  // start for training. One label per row; `weights` empty or one per row, given before the sketch (which weighs the
  // rows by them, as fit(sample_weight=...) does). `reference` (may be null): a training matrix whose bin boundaries
  // an evaluation matrix must share. Only for training a booster; errors as FromDense.
  static core::Result<BoosterMatrix> QuantileFromDense(DenseRows rows, std::span<const float> labels,
                                                       std::span<const float> weights, int nthread,
                                                       const BoosterMatrix* reference);

  BoosterMatrix(BoosterMatrix&& other) noexcept;
  BoosterMatrix& operator=(BoosterMatrix&& other) noexcept;
  BoosterMatrix(const BoosterMatrix&) = delete;
  BoosterMatrix& operator=(const BoosterMatrix&) = delete;
  ~BoosterMatrix();

  // One label per row. Internal if XGBoost refuses them (NaN, infinite).
  core::Status SetLabels(std::span<const float> labels);
  // One non-negative weight per row (XGBoost's sample weights). Internal if XGBoost refuses them.
  core::Status SetWeights(std::span<const float> weights);

  void* handle() const { return handle_; }

 private:
  explicit BoosterMatrix(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

class Booster {
 public:
  // A new, untrained booster whose prediction cache covers `cache` (XGBoost wants the training and evaluation
  // matrices here; the matrices must outlive training).
  static core::Result<Booster> Create(std::span<const BoosterMatrix* const> cache);
  // A booster read from a model that XGBoosterSaveModelToBuffer wrote (UBJSON or JSON). Internal if malformed.
  static core::Result<Booster> Load(std::string_view model_bytes);

  Booster(Booster&& other) noexcept;
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster();

  core::Status SetParam(std::string_view name, std::string_view value);
  core::Status UpdateOneIter(int iteration, const BoosterMatrix& train);
  // XGBoost's evaluation line for `matrix` after `iteration`, e.g. "[3]\tvalidation-rmse:12.5".
  core::Result<std::string> EvalOneIter(int iteration, const BoosterMatrix& matrix, const std::string& name);
  // A booster holding the trees of boosting rounds [begin, end).
  core::Result<Booster> Slice(int begin, int end) const;
  core::Result<int> BoostedRounds() const;

  // The model as XGBoosterSaveModelToBuffer writes it; `format` is "ubj" or "json".
  core::Result<std::string> Save(std::string_view format) const;

  // XGBoost's own predictions (one per row, into `out`; row-major, one per class, for multi:softprob): in place
  // from dense rows (XGBoosterPredictFromDense) or through a DMatrix (XGBoosterPredictFromDMatrix).
  // InvalidArgument (in place) or Internal if `out` has the wrong size.
  core::Status PredictInPlace(DenseRows rows, std::span<float> out) const;
  core::Status Predict(const BoosterMatrix& matrix, size_t row_count, std::span<float> out) const;
  // SHAP values (prediction type 2): row-major, row_count x (columns + 1), the last column of a row being the bias
  // (the expected prediction); a row's values sum to its prediction up to float rounding.
  core::Status PredictContributions(const BoosterMatrix& matrix, size_t row_count, size_t column_count,
                                    std::span<float> out) const;

  void* handle() const { return handle_; }

 private:
  explicit Booster(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

// The __array_interface__ JSON that XGBoost's dense entry points read, for `rows` (float32, row-major).
std::string DenseArrayInterface(DenseRows rows);

}  // namespace amp::ml
