// ScoredBatch: the predictions (and, when asked, the explanations) for a batch of rows, and the two ways the v1
// predict routes render them: JSON ({"model_id", "model", "version", "target", "predictions", ["probabilities"],
// ["distances"], ["explanations"], "warnings"}) and text/csv (a header with the target, then "<class>_probability"
// columns for a classifier, "distance_<cluster>" columns for a clustering model, and "<feature>_contribution" columns and "base_value" when explained; one line per row; numbers in the
// shortest form that reads back exactly). A classifier's predictions are its class labels. One per thread (also
// used by the classic and KServe V2 routes), reused so its vectors keep their capacity; not thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "api/json_out.h"
#include "core/status.h"
#include "ml/model.h"
#include "serving/servable.h"

namespace amp::api {

struct ScoredBatch {
  std::vector<double> predictions;    // one per row; a classifier's class index into signature().classes
  size_t class_count = 0;             // a classifier's number of classes, else 0
  std::vector<double> probabilities;  // a classifier's: row-major, rows x class_count
  size_t cluster_count = 0;           // a clustering model's number of clusters, else 0
  std::vector<double> distances;      // a clustering model's distance to each centre: row-major, rows x clusters
  bool explained = false;
  std::vector<double> contributions;  // when explained: row-major, rows x features, in the signature's order
  std::vector<double> base_values;    // when explained: one per row
  ml::PredictionNotes notes;          // the warnings of Predict (Explain's would repeat them)

  // Scores `row_count` rows of `values` (row-major, in `model`'s feature order) and explains them when `explain`.
  // Returns the model's error: InvalidArgument if the sizes disagree, FailedPrecondition if the model cannot explain.
  // A classifier is scored by PredictProba, its class being the most probable (the first of equals).
  core::Status Score(const ml::Model& model, std::span<const ml::FeatureValue> values, size_t row_count, bool explain);

  // A classifier's predicted label of row `row_idx`.
  const std::string& Label(const ml::ModelSignature& signature, size_t row_idx) const {
    return signature.classes[static_cast<size_t>(predictions[row_idx])];
  }
};

// Writes prediction `row_idx` of `scored`: its label for a classifier, its cluster index (a whole number) for a
// clustering model, else its number.
void WritePrediction(JsonWriter& writer, const ml::ModelSignature& signature, const ScoredBatch& scored,
                     size_t row_idx);
// Writes row `row_idx`'s distances to the cluster centres as [d0, d1, ...].
void WriteDistances(JsonWriter& writer, const ScoredBatch& scored, size_t row_idx);
// Writes row `row_idx`'s class probabilities as {label: probability, ...}.
void WriteProbabilities(JsonWriter& writer, const ml::ModelSignature& signature, const ScoredBatch& scored,
                        size_t row_idx);

// Counts the scored rows in the version's live monitoring (when it has one), which may add warnings to
// scored->notes for values far outside the training range, and remembers the predictions under `request_id`.
void ObserveScored(const serving::Servable& served, std::span<const ml::FeatureValue> values, size_t row_count,
                   std::string_view request_id, ScoredBatch* scored);

// The JSON answer. Explanations map each feature name to its contribution; non-finite numbers are written as null.
std::string RenderScoredBatchJson(const serving::Servable& served, const ScoredBatch& scored);

// The text/csv answer, RFC 4180 with CRLF line ends; names that need it are quoted. A non-finite number is written
// as NA (missing).
std::string RenderScoredBatchCsv(const ml::ModelSignature& signature, const ScoredBatch& scored);

}  // namespace amp::api
