// TrainingProfile: what a model version's training data looked like, per feature (quantile bins for numbers,
// frequencies for categories, missing rate) and for its predictions on that data. Computed once by the trainer
// from the training part (never the holdout), stored beside the version's artifact (registry::VersionDraft::
// profile_json) and compared by monitoring with live traffic. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "ml/feature_value.h"
#include "ml/model.h"

namespace amp::monitoring {

inline constexpr int kProfileQuantileBins = 10;      // deciles: the usual PSI binning
inline constexpr size_t kProfileMaxCategories = 64;  // the most frequent; the rest count as "other"

struct NumberProfile {
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;
  // Bin b holds x with edges[b-1] <= x < edges[b] (bin 0: x < edges[0]; last: x >= edges.back()). Edges are the
  // training deciles with repeats removed, so a feature with few distinct values has fewer bins.
  std::vector<double> edges;
  std::vector<double> fractions;  // edges.size() + 1, of the non-missing training values
};

struct CategoryProfile {
  std::vector<std::string> categories;  // the most frequent first, at most kProfileMaxCategories
  std::vector<double> fractions;        // of the non-missing training values, one per category
  double other_fraction = 0;            // categories beyond the kept ones
};

struct FeatureProfile {
  std::string name;
  bool numeric = true;
  int64_t count = 0;  // training rows profiled, missing included
  double missing_rate = 0;
  NumberProfile numbers;       // when numeric
  CategoryProfile categories;  // when not
};

struct TrainingProfile {
  int64_t rows = 0;
  std::vector<FeatureProfile> features;  // in the model signature's order
  // Of the model's predictions on the profiled rows: numbers for a regression; the predicted class labels
  // (categories, in the signature's class order) for a classifier.
  FeatureProfile prediction;
};

// Profiles `row_count` rows of `rows` (row-major, in `signature`'s feature order) and the model's `predictions` on
// them (Model::Predict's output: a classifier's class index). Sizes must agree (a programmer error otherwise).
TrainingProfile BuildTrainingProfile(const ml::ModelSignature& signature, std::span<const ml::FeatureValue> rows,
                                     size_t row_count, std::span<const double> predictions);

std::string EncodeTrainingProfile(const TrainingProfile& profile);
// InvalidArgument (DataLoss would claim a checksum) when `json` is not a profile this code wrote.
core::Result<TrainingProfile> DecodeTrainingProfile(std::string_view json);

// The bin of `value` under `edges` (see NumberProfile::edges).
inline size_t NumberBin(const std::vector<double>& edges, double value) {
  size_t low = 0;
  size_t high = edges.size();
  while (low < high) {  // first edge > value
    size_t mid = (low + high) / 2;
    if (edges[mid] <= value) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

}  // namespace amp::monitoring
