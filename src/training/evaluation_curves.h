// EvaluationCurves: the points of a model's evaluation charts on the holdout, computed once at training time and
// stored with the version: ROC and precision-recall curves for a classifier (the second class for a binary one,
// one-vs-rest per class for more), a sample of (predicted, actual) pairs and the residual histogram for a
// regressor. Bounded in size whatever the holdout's. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/histogram.h"

namespace amp::training {

inline constexpr size_t kMaxCurvePoints = 200;
inline constexpr size_t kMaxResidualPoints = 500;
inline constexpr size_t kMaxCurveClasses = 20;

struct RocCurve {
  std::string class_label;  // the positive class
  // The exact area over every holdout row (RocAuc), not the area under the kept points.
  double auc = 0.0;
  // Points from (0, 0) to (1, 1); thresholds[i] is the lowest score counted positive at point i (+inf for the
  // first). Collinear points are dropped, then at most kMaxCurvePoints are kept, evenly by index, ends included.
  std::vector<double> false_positive_rate, true_positive_rate, thresholds;
};

struct PrecisionRecallCurve {
  std::string class_label;
  // sklearn's average_precision_score: sum over thresholds of (R_n - R_{n-1}) * P_n, over every holdout row.
  double average_precision = 0.0;
  // Points by decreasing threshold (recall rising), thinned like the ROC curve's.
  std::vector<double> recall, precision, thresholds;
};

struct ResidualSample {
  int64_t rows = 0;  // holdout rows the sample was drawn from
  // At most kMaxResidualPoints rows, evenly spaced over the holdout (already shuffled by its seeded split).
  std::vector<double> predicted, actual;
  data::Histogram histogram;  // of actual - predicted over every holdout row
};

struct EvaluationCurves {
  std::vector<RocCurve> roc;
  std::vector<PrecisionRecallCurve> precision_recall;
  int64_t classes_omitted = 0;  // classes past kMaxCurveClasses that got no curve
  bool has_residuals = false;
  ResidualSample residuals;
};

// `actual` holds class indexes into `classes`, `probabilities` is row-major rows x classes.size() (as for
// ClassificationMetrics). Two classes give one curve of each kind, for classes[1] (so its AUC is the roc_auc
// metric); more give one per class that occurs in `actual` alongside other classes, at most kMaxCurveClasses.
EvaluationCurves ClassificationCurves(std::span<const int32_t> actual, std::span<const double> probabilities,
                                      const std::vector<std::string>& classes);

EvaluationCurves RegressionCurves(std::span<const double> actual, std::span<const double> predicted);

// The JSON object the API returns as a version's "evaluation_curves" (see docs/models.md); "" when there is
// nothing to show (no curve and no residuals).
std::string EvaluationCurvesToJson(const EvaluationCurves& curves);

}  // namespace amp::training
