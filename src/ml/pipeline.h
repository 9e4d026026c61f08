// Pipeline: the fitted preprocessing that turns a table's raw feature columns into the numeric design matrix a
// model is fitted on. Number-like features: median imputation, then standardization (mean, population std).
// Categorical features: most-frequent imputation, then one-hot over the categories seen in training (sorted); an
// unseen category encodes as all zeros. Fitted on the training rows only. Immutable after Fit; thread-safe.
// The training mean of every encoded column is known (0 for standardized numbers, category_means for one-hot
// columns), which is what explanations measure contributions against.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/table.h"
#include "ml/model.h"

namespace amp::ml {

struct FeatureTransform {
  FeatureSpec feature;
  // Number-like features: z = (value - center) / scale, with missing values replaced by impute_value first.
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

class Pipeline {
 public:
  Pipeline() = default;
  explicit Pipeline(std::vector<FeatureTransform> transforms);

  // Fits on `rows` of `table`, one transform per column index in `feature_columns`. InvalidArgument if there are
  // no rows, a categorical feature has no value at all in those rows, or a number-like feature's mean or standard
  // deviation overflows a double.
  static core::Result<Pipeline> Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                    std::span<const int64_t> rows);

  // Writes the encoded rows into `out`, column-major, rows.size() x EncodedWidth(). `feature_columns` must be the
  // columns the pipeline was fitted on (same order), possibly of another table with the same schema.
  void Encode(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
              std::vector<double>* out) const;

  int EncodedWidth() const { return encoded_width_; }
  // One name per encoded column: the feature name, or "feature=category" for one-hot columns.
  std::vector<std::string> EncodedNames() const;
  const std::vector<FeatureTransform>& transforms() const { return transforms_; }

  // A JSON object text, and its inverse (DataLoss on malformed input).
  std::string ToJson() const;
  static core::Result<Pipeline> FromJson(std::string_view json);

 private:
  std::vector<FeatureTransform> transforms_;
  int encoded_width_ = 0;
};

}  // namespace amp::ml
