// Model: the interface every trained algorithm implements, for serving and for evaluation. A Model is immutable
// once built and safe to call from many threads at once; it is held as shared_ptr<const Model> so a request keeps
// the version it started with alive. Adding an algorithm means a folder under ml/ and a line in model_codec.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/column_type.h"
#include "ml/feature_value.h"

namespace amp::ml {

// What a model predicts: a number (regression), one of two or of several class labels, or the cluster of a row of a
// table without a target (clustering).
enum class Task { kRegression, kBinaryClassification, kMulticlassClassification, kClustering };
// "regression", "binary_classification", "multiclass_classification", "clustering".
std::string_view TaskName(Task task);
core::Result<Task> ParseTask(std::string_view name);
inline bool IsClassification(Task task) {
  return task == Task::kBinaryClassification || task == Task::kMulticlassClassification;
}

struct FeatureSpec {
  std::string name;
  data::ColumnType type = data::ColumnType::kNumeric;
  bool operator==(const FeatureSpec&) const = default;
};

// What a model takes and gives: the named, typed input features (in order) and the target it predicts. A
// classifier's class labels are the target's distinct values as text (numbers as the CSV wrote them, booleans as
// "true"/"false"), sorted by byte order; probabilities and class indices refer to this order. Empty for regression.
struct ModelSignature {
  Task task = Task::kRegression;
  std::string target;
  std::vector<FeatureSpec> features;
  std::vector<std::string> classes;

  // Index of the feature named `name`, or -1.
  int FindFeature(std::string_view name) const;
  // The feature names joined by ", ", for messages.
  std::string FeatureList() const;
  bool operator==(const ModelSignature&) const = default;
};

// Things worth telling the caller about a prediction that still succeeded (imputed values, unseen categories).
// Only touched when something happens, so the common path allocates nothing. At most kMaxWarnings are kept and the
// rest only counted, so a large batch full of missing values does not build (or answer with) millions of lines.
struct PredictionNotes {
  static constexpr size_t kMaxWarnings = 100;
  std::vector<std::string> warnings;
  int64_t more_warnings = 0;  // warnings counted but not kept

  // Keeps the warning `make()` returns, or only counts it once kMaxWarnings are kept (then `make` is not called).
  template <class MakeWarning>
  void Warn(MakeWarning&& make) {
    if (warnings.size() < kMaxWarnings) {
      warnings.push_back(make());
    } else {
      ++more_warnings;
    }
  }
  int64_t WarningCount() const { return static_cast<int64_t>(warnings.size()) + more_warnings; }
  void Clear() {
    warnings.clear();
    more_warnings = 0;
  }
};

// Writes into `classes` (one per row) the index of each row's most probable class (the first of equals), from
// row-major `probabilities` with `class_count` per row: what a classifier's Predict gives.
void MostProbableClasses(std::span<const double> probabilities, size_t class_count, std::span<double> classes);

class Model {
 public:
  virtual ~Model() = default;

  virtual std::string_view algorithm() const = 0;
  virtual const ModelSignature& signature() const = 0;

  // Scores `rows`, row-major with signature().features.size() values per row, into `out` (one per row): the
  // predicted value, or for a classifier the index in signature().classes of the most probable class (the first
  // of equals). Number-like features take kNumber or kMissing values, categorical ones kText or kMissing; the caller
  // checks kinds (see serving/). Missing values are imputed as in training and noted, as are unseen categories.
  // InvalidArgument if the sizes disagree.
  virtual core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                               PredictionNotes* notes) const = 0;

  // A classifier's class probabilities for `rows` (as for Predict) into `probabilities`, row-major, rows x
  // signature().classes.size(); each row sums to 1 up to rounding, and Predict's class is its argmax. Allocates
  // nothing per row. InvalidArgument if the sizes disagree. The default (regression models) answers
  // FailedPrecondition.
  virtual core::Status PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                                    PredictionNotes* notes) const;

  // A clustering model's number of clusters (Predict gives a cluster index in [0, ClusterCount())); 0 for others.
  virtual size_t ClusterCount() const { return 0; }
  // A clustering model's distance from each of `rows` (as for Predict) to every cluster centre, row-major,
  // rows x ClusterCount(); Predict's cluster is the nearest. InvalidArgument if the sizes disagree. The default
  // answers FailedPrecondition.
  virtual core::Status PredictDistances(std::span<const FeatureValue> rows, std::span<double> distances,
                                        PredictionNotes* notes) const;

  // Explains `rows` (as for Predict): for each row, one contribution per feature into `contributions` (row-major,
  // rows x signature().features.size()) and a base value into `base_values`, such that base value + the sum of the
  // row's contributions equals Predict's prediction for it (up to rounding). What a contribution is measured against
  // is the model's choice and its header says which; the base value should be the model's expected prediction.
  // Missing values and unseen categories are treated as Predict treats them, and noted likewise.
  // InvalidArgument if the sizes disagree. The default answers FailedPrecondition: "model type X does not support
  // explanations".
  virtual core::Status Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                               std::span<double> base_values, PredictionNotes* notes) const;

  // Learned parameters worth showing a person, by name (e.g. coefficients on the standardized scale).
  virtual std::vector<std::pair<std::string, double>> Parameters() const = 0;

  // How much each input feature (by the signature's names, one-hot columns summed into their feature) matters to
  // the model, >= 0, sorted by importance descending (ties in feature order). The measure is the model family's
  // own and its header says which (|coefficient| on the standardized scale, XGBoost total gain, ...): compare
  // features within a model, not across families. The default (a model that has no measure) is empty.
  virtual std::vector<std::pair<std::string, double>> FeatureImportance() const;

  // The model's own payload for model_codec (without the signature, which the codec writes).
  virtual std::string SerializePayload() const = 0;

  // An estimate of the memory the model holds, for cache budgets.
  virtual int64_t MemoryBytes() const = 0;
};

}  // namespace amp::ml
