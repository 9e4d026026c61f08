// Pipeline: the fitted preprocessing that turns a table's raw feature columns into the numeric design matrix a
// model is fitted on. Number-like features: median imputation, then standardization (mean, population std), or
// no scaling at all for models that only compare values (trees). Categorical features: most-frequent imputation,
// then one-hot over the categories seen in training (sorted); an unseen category encodes as all zeros. Fitted on the
// training rows only. Immutable after Fit; thread-safe.
// Beyond that plain form (docs/data-preparation.md): a number-like or date feature may carry a missing-indicator
// column (1 where the value is missing); a categorical feature with more levels than FitOptions::max_levels, or with
// rare levels, gets an "other" column that also takes categories unseen in training; a date feature (a text
// column whose values data::ParseDateTime reads) encodes as numeric year, month, day, weekday (and hour) columns.
// Transforms with any of these are "extended" and are encoded one value at a time by EncodeFeature, the one code
// path training and serving share.
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

// One numeric column of a date feature: the part ("year", "month", "day", "weekday", "hour"), imputed, centered and
// scaled as a number is; `mean` is the training mean of the encoded column (for explanations).
struct DatePart {
  std::string part;
  double impute_value = 0.0;
  double center = 0.0;
  double scale = 1.0;
  double mean = 0.0;
  bool operator==(const DatePart&) const = default;
};

// The date part names in encoding order.
const std::vector<std::string>& DatePartNames();

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
  // Categorical features: one more column after the categories for rare levels and unseen categories, and its
  // training mean.
  bool other_bucket = false;
  double other_mean = 0.0;
  // Date features (type categorical; values parsed by data::ParseDateTime, an unparseable value counts as missing):
  // one column per part. Empty for every other feature.
  std::vector<DatePart> date_parts;
  // Number-like and date features: one more (last) column, 1 where the value is missing, and its training mean.
  bool missing_indicator = false;
  double missing_share = 0.0;

  bool IsDate() const { return !date_parts.empty(); }
  // False for the plain form (no indicator, no other bucket, no date parts).
  bool IsExtended() const { return other_bucket || missing_indicator || IsDate(); }
  int EncodedWidth() const;

  bool operator==(const FeatureTransform&) const = default;
};

class Pipeline;

// Per-feature importance from one non-negative value per encoded column of `pipeline` (`per_column` has
// EncodedWidth() entries): a feature's importance is the sum over its encoded columns (one for a number, one per
// category for a one-hot feature). Sorted by importance descending, ties in feature order: Model::FeatureImportance's
// shape.
std::vector<std::pair<std::string, double>> ImportanceByFeature(const Pipeline& pipeline,
                                                                std::span<const double> per_column);
// How Fit encodes each feature beyond its type. `date` applies to categorical features only; `missing_indicator`
// to number-like and date features.
struct FeatureOptions {
  bool date = false;
  bool missing_indicator = false;
};

inline constexpr int kDefaultMaxLevels = 30;
inline constexpr int64_t kRareLevelRows = 5;
inline constexpr double kRareLevelShare = 0.01;

struct FitOptions {
  NumberScaling scaling = NumberScaling::kStandardize;
  std::vector<FeatureOptions> features;  // one per feature column, or empty for all defaults
  int max_levels = kDefaultMaxLevels;    // one-hot columns per categorical feature before the "other" column
  int threads = 0;  // at most this many threads fit the features of a large table (0: the hardware's)
};

// Which levels of a categorical feature get their own one-hot column, by their training row counts (`counts[i]` of
// level i, all > 0) among `row_count` rows: the `max_levels` most frequent (ties to the lower index), minus rare ones
// (fewer than kRareLevelRows rows and less than kRareLevelShare of the rows). The rest go to the "other" column.
// At least one level is always kept.
std::vector<bool> ChooseOneHotLevels(const std::vector<int64_t>& counts, int64_t row_count, int max_levels);

class Pipeline {
 public:
  Pipeline() = default;
  explicit Pipeline(std::vector<FeatureTransform> transforms);

  // Fits on `rows` of `table`, one transform per column index in `feature_columns`. InvalidArgument if there are
  // no rows, a categorical feature has no value at all in those rows, or (when standardizing) a number-like
  // feature's mean or standard deviation overflows a double.
  static core::Result<Pipeline> Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                    std::span<const int64_t> rows, NumberScaling scaling = NumberScaling::kStandardize);
  // The same with per-feature options (options.features empty or one per feature column; InvalidArgument for a
  // date option on a number-like feature or a date feature without one parseable value in the rows).
  static core::Result<Pipeline> Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                    std::span<const int64_t> rows, const FitOptions& options);

  // Writes the encoded rows into `out`, column-major, rows.size() x EncodedWidth(). `feature_columns` must be the
  // columns the pipeline was fitted on (same order), possibly of another table with the same schema. A large table
  // is encoded in row blocks on at most `threads` threads (0: the hardware's); the result is the same for any count.
  void Encode(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
              std::vector<double>* out, size_t threads = 0) const;

  // Encode's values as row-major floats (each value rounded from the double Encode gives), the layout tree
  // libraries read.
  void EncodeRowMajor(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
                      std::vector<float>* out, size_t threads = 0) const;

  // Encodes one serving row (transforms().size() values, in feature order; kinds as Model::Predict takes them) into
  // `out` (EncodedWidth() floats), as Encode does for a table row, then rounded to float as tree models compare.
  // Notes missing values and unseen categories of row `row_idx` when `notes` is not null. Allocates nothing unless
  // it notes something.
  void EncodeRow(std::span<const FeatureValue> row, size_t row_idx, std::span<float> out, PredictionNotes* notes) const;

  // Writes the encoded columns of feature `feature_idx` for `value` (kinds as Model::Predict takes them) into
  // out[0 .. width of the feature), as doubles. Notes what EncodeRow notes (and a date that does not parse).
  void EncodeFeature(size_t feature_idx, const FeatureValue& value, size_t row_idx, double* out,
                     PredictionNotes* notes) const;

  // The training mean of each encoded column of feature `feature_idx` (for extended transforms; the plain form's
  // means are center and category_means).
  std::vector<double> EncodedMeans(size_t feature_idx) const;

  // True when some transform is extended (see above).
  bool HasExtendedTransforms() const;

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
  // One name per encoded column: the feature name, "feature=category" for one-hot columns, "feature=other" for the
  // other column, "feature.year" (and so on) for date parts, "feature.missing" for a missing indicator.
  std::vector<std::string> EncodedNames() const;
  const std::vector<FeatureTransform>& transforms() const { return transforms_; }

  // A JSON object text, and its inverse (DataLoss on malformed input).
  std::string ToJson() const;
  static core::Result<Pipeline> FromJson(std::string_view json);

 private:
  // Writes the value of (row pos, encoded column c) to out[pos * row_step + c * column_step]; zeros elsewhere are
  // the caller's.
  template <typename T>
  void EncodeFeatureInto(size_t feature_idx, const FeatureValue& value, size_t row_idx, T* out,
                         PredictionNotes* notes) const;
  // Encodes `rows` into `out` with those steps, blocks of rows on up to `threads` threads for a large table (each
  // block writes only its own rows, so the result does not depend on the thread count).
  template <typename T>
  void EncodeInto(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
                  size_t row_step, size_t column_step, size_t threads, T* out) const;
  // EncodeInto's work for one block of rows, on the calling thread.
  template <typename T>
  void EncodeBlock(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
                   size_t row_step, size_t column_step, T* out) const;

  std::vector<FeatureTransform> transforms_;
  std::vector<int> feature_offsets_ = {0};
  int encoded_width_ = 0;
};

}  // namespace amp::ml
