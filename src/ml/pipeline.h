// Pipeline: the fitted preprocessing that turns a table's raw feature columns into the numeric design matrix a
// model is fitted on. Number-like features: median imputation, then standardization (mean, population std), or
// no scaling at all for models that only compare values (trees). Categorical features: most-frequent imputation,
// then one-hot over the categories seen in training (sorted); an unseen category encodes as all zeros. Fitted on the
// training rows only. Immutable after Fit; thread-safe.
// With standardization the training mean of every encoded column is known (0 for standardized numbers,
// category_means for one-hot columns), which is what linear explanations measure contributions against.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <utility>

#include "core/status.h"
#include "data/table.h"
#include "ml/feature_value.h"
#include "ml/model.h"

namespace amp::ml {

// How Fit treats number-like features. kNone records center 0 and scale 1, so encoded numbers are the imputed raw
// values (exactly: (v - 0) / 1 == v) and artifacts need no new field.
enum class NumberScaling { kStandardize, kNone };

// The warnings Predict notes for row `row_idx` (shared by every model so clients see one wording).
std::string MissingValueWarning(size_t row_idx, std::string_view feature);
std::string UnseenCategoryWarning(size_t row_idx, std::string_view feature, std::string_view category);

struct FeatureTransform {
  FeatureSpec feature;
  // Number-like features: z = (value - center) / scale, with missing values replaced by impute_value first (NaN for
  // imported XGBoost models: missing stays missing).
  double impute_value = 0.0;
  double center = 0.0;
  double scale = 1.0;
  // Categorical features: the one-hot categories in column order, and the index used for missing values.
  std::vector<std::string> categories;
  int32_t impute_category = 0;
  // Categorical features: the mean of each one-hot column over the training rows after imputation (the share of
  // rows in that category, missing ones counted in impute_category). Empty for artifacts written before it was
  // recorded; readers then assume equal shares.
  std::vector<double> category_means;

  bool operator==(const FeatureTransform&) const = default;
};

class Pipeline;

// Per-feature importance from one non-negative value per encoded column of `pipeline` (`per_column` has
// EncodedWidth() entries): a feature's importance is the sum over its encoded columns (one for a number, one per
// category for a one-hot feature). Sorted by importance descending, ties in feature order: Model::FeatureImportance's
// shape.
std::vector<std::pair<std::string, double>> ImportanceByFeature(const Pipeline& pipeline,
                                                                std::span<const double> per_column);

class Pipeline {
 public:
  Pipeline() = default;
  explicit Pipeline(std::vector<FeatureTransform> transforms);

  // Fits on `rows` of `table`, one transform per column index in `feature_columns`. InvalidArgument if there are
  // no rows, a categorical feature has no value at all in those rows, or (when standardizing) a number-like
  // feature's mean or standard deviation overflows a double.
  static core::Result<Pipeline> Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                    std::span<const int64_t> rows, NumberScaling scaling = NumberScaling::kStandardize);

  // Writes the encoded rows into `out`, column-major, rows.size() x EncodedWidth(). `feature_columns` must be the
  // columns the pipeline was fitted on (same order), possibly of another table with the same schema.
  void Encode(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
              std::vector<double>* out) const;

  // Encode's values as row-major floats (each value rounded from the double Encode gives), the layout tree
  // libraries read.
  void EncodeRowMajor(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
                      std::vector<float>* out) const;

  // Encodes one serving row (transforms().size() values, in feature order; kinds as Model::Predict takes them) into
  // `out` (EncodedWidth() floats), as Encode does for a table row, then rounded to float as tree models compare.
  // Notes missing values and unseen categories of row `row_idx` when `notes` is not null. Allocates nothing unless
  // it notes something.
  void EncodeRow(std::span<const FeatureValue> row, size_t row_idx, std::span<float> out, PredictionNotes* notes) const;

  // The first encoded column of every feature (transforms().size() + 1 entries; the last is EncodedWidth()), to map
  // per-column quantities (e.g. SHAP values) back to features.
  const std::vector<int>& feature_offsets() const { return feature_offsets_; }

  // Checks that `signature.features` are this pipeline's features (same names, types and order) and that every
  // categorical transform can encode: categories sorted and distinct (Predict finds them by binary search),
  // impute_category one of them, category_means empty or one per category. InvalidArgument naming the problem.
  core::Status CheckSignature(const ModelSignature& signature) const;

  int EncodedWidth() const { return encoded_width_; }
  // One value per encoded column: 1 for a number (standardized columns have unit variance by construction), and the
  // training standard deviation sqrt(p (1 - p)) of a one-hot column whose category has share p (equal shares when
  // category_means is empty). A weight times it is the weight on the standardized scale.
  std::vector<double> EncodedStdDevs() const;
  // One name per encoded column: the feature name, or "feature=category" for one-hot columns.
  std::vector<std::string> EncodedNames() const;
  const std::vector<FeatureTransform>& transforms() const { return transforms_; }

  // A JSON object text, and its inverse (DataLoss on malformed input).
  std::string ToJson() const;
  static core::Result<Pipeline> FromJson(std::string_view json);

 private:
  // Writes the value of (row pos, encoded column c) to out[pos * row_step + c * column_step]; zeros elsewhere are
  // the caller's.
  template <typename T>
  void EncodeInto(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
                  size_t row_step, size_t column_step, T* out) const;

  std::vector<FeatureTransform> transforms_;
  std::vector<int> feature_offsets_ = {0};
  int encoded_width_ = 0;
};

}  // namespace amp::ml
