#include "training/evaluation_curves.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "training/classification_metrics.h"

namespace amp::training {
namespace {

// `max` indexes of [0, count) evenly spaced, first and last included (all of them when count <= max).
std::vector<size_t> EvenIndexes(size_t count, size_t max) {
  std::vector<size_t> kept(std::min(count, max));
  if (count <= max) {
    std::iota(kept.begin(), kept.end(), 0);
    return kept;
  }
  for (size_t pos = 0; pos < max; ++pos) {
    kept[pos] = static_cast<size_t>(
        std::llround(static_cast<double>(pos) * static_cast<double>(count - 1) / static_cast<double>(max - 1)));
  }
  return kept;
}

// One row per distinct score, highest first: the rows counted positive when that score is the threshold.
struct Sweep {
  std::vector<double> thresholds;  // +inf first: nothing counted positive
  std::vector<int64_t> true_positives, false_positives;
  int64_t positives = 0, negatives = 0;
};

Sweep SweepScores(std::span<const double> scores, const std::vector<bool>& positive) {
  Sweep sweep;
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  sweep.thresholds.push_back(std::numeric_limits<double>::infinity());
  sweep.true_positives.push_back(0);
  sweep.false_positives.push_back(0);
  int64_t true_positives = 0, false_positives = 0;
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin;
    while (end < order.size() && scores[order[end]] == scores[order[begin]]) {
      (positive[order[end]] ? true_positives : false_positives) += 1;
      ++end;
    }
    sweep.thresholds.push_back(scores[order[begin]]);
    sweep.true_positives.push_back(true_positives);
    sweep.false_positives.push_back(false_positives);
    begin = end;
  }
  sweep.positives = true_positives;
  sweep.negatives = false_positives;
  return sweep;
}

RocCurve BuildRoc(const Sweep& sweep, double auc) {
  // Drop the points on a straight line between their neighbours (exact, in counts): the curve is unchanged.
  std::vector<size_t> corners;
  const size_t points = sweep.thresholds.size();
  for (size_t point = 0; point < points; ++point) {
    if (point > 0 && point + 1 < points) {
      const size_t prev = corners.back();
      const int64_t dx1 = sweep.false_positives[point] - sweep.false_positives[prev];
      const int64_t dy1 = sweep.true_positives[point] - sweep.true_positives[prev];
      const int64_t dx2 = sweep.false_positives[point + 1] - sweep.false_positives[prev];
      const int64_t dy2 = sweep.true_positives[point + 1] - sweep.true_positives[prev];
      if (static_cast<double>(dx1) * static_cast<double>(dy2) == static_cast<double>(dy1) * static_cast<double>(dx2)) {
        continue;
      }
    }
    corners.push_back(point);
  }
  RocCurve curve;
  curve.auc = auc;
  for (size_t pos : EvenIndexes(corners.size(), kMaxCurvePoints)) {
    const size_t point = corners[pos];
    curve.false_positive_rate.push_back(static_cast<double>(sweep.false_positives[point]) /
                                        static_cast<double>(sweep.negatives));
    curve.true_positive_rate.push_back(static_cast<double>(sweep.true_positives[point]) /
                                       static_cast<double>(sweep.positives));
    curve.thresholds.push_back(sweep.thresholds[point]);
  }
  return curve;
}

PrecisionRecallCurve BuildPrecisionRecall(const Sweep& sweep) {
  PrecisionRecallCurve curve;
  const size_t points = sweep.thresholds.size();
  std::vector<double> recall(points), precision(points);
  recall[0] = 0.0;
  precision[0] = 1.0;  // sklearn's convention for the point where nothing is counted positive
  for (size_t point = 1; point < points; ++point) {
    const auto true_positives = static_cast<double>(sweep.true_positives[point]);
    recall[point] = true_positives / static_cast<double>(sweep.positives);
    precision[point] = true_positives / static_cast<double>(sweep.true_positives[point] + sweep.false_positives[point]);
    curve.average_precision += (recall[point] - recall[point - 1]) * precision[point];
  }
  for (size_t point : EvenIndexes(points, kMaxCurvePoints)) {
    curve.recall.push_back(recall[point]);
    curve.precision.push_back(precision[point]);
    curve.thresholds.push_back(sweep.thresholds[point]);
  }
  return curve;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Non-finite numbers (the +inf threshold of a curve's first point, a NaN prediction) are written as null.
void WriteNumber(Writer& writer, double value) {
  if (std::isfinite(value)) {
    writer.Double(value);
  } else {
    writer.Null();
  }
}

// Rates and probabilities are written with 6 decimals (a chart needs no more, and it keeps a 20-class version
// small); areas and target values exactly.
void WritePoints(Writer& writer, const char* key, const std::vector<double>& values, bool rounded) {
  writer.Key(key);
  if (rounded) writer.SetMaxDecimalPlaces(6);
  writer.StartArray();
  for (double value : values) WriteNumber(writer, value);
  writer.EndArray();
  writer.SetMaxDecimalPlaces(Writer::kDefaultMaxDecimalPlaces);
}

}  // namespace

EvaluationCurves ClassificationCurves(std::span<const int32_t> actual, std::span<const double> probabilities,
                                      const std::vector<std::string>& classes) {
  EvaluationCurves curves;
  const size_t class_count = classes.size();
  const size_t rows = actual.size();
  if (rows == 0 || class_count < 2 || probabilities.size() != rows * class_count) return curves;
  std::vector<double> scores(rows);
  std::vector<bool> positive(rows);
  for (size_t class_idx = class_count == 2 ? 1 : 0; class_idx < class_count; ++class_idx) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      scores[row_idx] = probabilities[row_idx * class_count + class_idx];
      positive[row_idx] = static_cast<size_t>(actual[row_idx]) == class_idx;
    }
    const double auc = RocAuc(scores, positive);
    if (std::isnan(auc)) continue;  // the class is absent from the holdout, or is all of it
    if (curves.roc.size() == kMaxCurveClasses) {
      ++curves.classes_omitted;
      continue;
    }
    const Sweep sweep = SweepScores(scores, positive);
    curves.roc.push_back(BuildRoc(sweep, auc));
    curves.roc.back().class_label = classes[class_idx];
    curves.precision_recall.push_back(BuildPrecisionRecall(sweep));
    curves.precision_recall.back().class_label = classes[class_idx];
  }
  return curves;
}

EvaluationCurves RegressionCurves(std::span<const double> actual, std::span<const double> predicted) {
  EvaluationCurves curves;
  const size_t rows = std::min(actual.size(), predicted.size());
  if (rows == 0) return curves;
  curves.has_residuals = true;
  ResidualSample& sample = curves.residuals;
  sample.rows = static_cast<int64_t>(rows);
  const size_t kept = std::min(rows, kMaxResidualPoints);
  for (size_t pos = 0; pos < kept; ++pos) {
    const size_t row_idx = pos * rows / kept;
    sample.predicted.push_back(predicted[row_idx]);
    sample.actual.push_back(actual[row_idx]);
  }
  std::vector<double> residuals(rows);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) residuals[row_idx] = actual[row_idx] - predicted[row_idx];
  sample.histogram = data::EqualWidthHistogram(residuals, /*integer_values=*/false);
  return curves;
}

std::string EvaluationCurvesToJson(const EvaluationCurves& curves) {
  if (curves.roc.empty() && !curves.has_residuals) return "";
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  if (!curves.roc.empty()) {
    writer.Key("roc");
    writer.StartArray();
    for (const RocCurve& curve : curves.roc) {
      writer.StartObject();
      writer.Key("class");
      writer.String(curve.class_label.c_str(), static_cast<rapidjson::SizeType>(curve.class_label.size()));
      writer.Key("auc");
      WriteNumber(writer, curve.auc);
      WritePoints(writer, "fpr", curve.false_positive_rate, true);
      WritePoints(writer, "tpr", curve.true_positive_rate, true);
      WritePoints(writer, "thresholds", curve.thresholds, true);
      writer.EndObject();
    }
    writer.EndArray();
    writer.Key("precision_recall");
    writer.StartArray();
    for (const PrecisionRecallCurve& curve : curves.precision_recall) {
      writer.StartObject();
      writer.Key("class");
      writer.String(curve.class_label.c_str(), static_cast<rapidjson::SizeType>(curve.class_label.size()));
      writer.Key("average_precision");
      WriteNumber(writer, curve.average_precision);
      WritePoints(writer, "recall", curve.recall, true);
      WritePoints(writer, "precision", curve.precision, true);
      WritePoints(writer, "thresholds", curve.thresholds, true);
      writer.EndObject();
    }
    writer.EndArray();
    writer.Key("classes_omitted");
    writer.Int64(curves.classes_omitted);
  }
  if (curves.has_residuals) {
    const ResidualSample& sample = curves.residuals;
    writer.Key("residuals");
    writer.StartObject();
    writer.Key("rows");
    writer.Int64(sample.rows);
    WritePoints(writer, "predicted", sample.predicted, false);
    WritePoints(writer, "actual", sample.actual, false);
    writer.Key("histogram");
    writer.StartObject();
    WritePoints(writer, "edges", sample.histogram.edges, false);
    writer.Key("counts");
    writer.StartArray();
    for (int64_t count : sample.histogram.counts) writer.Int64(count);
    writer.EndArray();
    writer.EndObject();
    writer.EndObject();
  }
  writer.EndObject();
  return buffer.GetString();
}

}  // namespace amp::training
