// ScoredBatch: the predictions (and, when asked, the explanations) for a batch of rows, and the two ways the v1
// predict routes render them: JSON ({"model_id", "model", "version", "target", "predictions", ["explanations"],
// "warnings"}) and text/csv (a header with the target, then "<feature>_contribution" columns and "base_value" when
// explained; one line per row; numbers in the shortest form that reads back exactly). One per thread, reused so its
// vectors keep their capacity; not thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "ml/model.h"
#include "serving/servable.h"

namespace amp::api {

struct ScoredBatch {
  std::vector<double> predictions;  // one per row
  bool explained = false;
  std::vector<double> contributions;  // when explained: row-major, rows x features, in the signature's order
  std::vector<double> base_values;    // when explained: one per row
  ml::PredictionNotes notes;          // the warnings of Predict (Explain's would repeat them)

  // Scores `row_count` rows of `values` (row-major, in `model`'s feature order) and explains them when `explain`.
  // Returns the model's error: InvalidArgument if the sizes disagree, FailedPrecondition if the model cannot explain.
  core::Status Score(const ml::Model& model, std::span<const ml::FeatureValue> values, size_t row_count, bool explain);
};

// The JSON answer. Explanations map each feature name to its contribution; non-finite numbers are written as null.
std::string RenderScoredBatchJson(const serving::Servable& served, const ScoredBatch& scored);

// The text/csv answer, RFC 4180 with CRLF line ends; names that need it are quoted. A non-finite number is written
// as NA (missing).
std::string RenderScoredBatchCsv(const ml::ModelSignature& signature, const ScoredBatch& scored);

}  // namespace amp::api
