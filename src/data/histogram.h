// Histogram: counts of numbers in contiguous equal-width bins, as the dataset profile and a regression model's
// residual summary show them. EqualWidthHistogram bins values held in memory; StreamingHistogram bins a column
// read once (the CSV scan) in bounded memory with exact counts. Pure values; thread-compatible.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace amp::data {

// Bin i holds the values in [edges[i], edges[i + 1]); the last bin also holds edges.back(). edges.size() is
// counts.size() + 1 (both empty when there was no finite value). Non-finite values are not counted.
struct Histogram {
  std::vector<double> edges;
  std::vector<int64_t> counts;
  bool operator==(const Histogram&) const = default;
};

inline constexpr int kMaxHistogramBins = 30;

// The number of bins for `count` values: ceil(sqrt(count)), between 1 and max_bins.
int HistogramBinCount(int64_t count, int max_bins = kMaxHistogramBins);

// Bins [min, max] of the finite `values` into HistogramBinCount equal-width bins. When `integer_values` and the
// range holds at most that many integers, each integer gets its own unit bin [v - 0.5, v + 0.5). All-equal values
// give one bin [v - 0.5, v + 0.5).
Histogram EqualWidthHistogram(std::span<const double> values, bool integer_values, int max_bins = kMaxHistogramBins);

// Keeps the first kBufferSize values as they are (Finish then bins them exactly as EqualWidthHistogram), after that
// kFineBins fine bins whose width doubles (merging neighbours) whenever a value falls outside their range, so the
// counts stay exact and memory stays constant; Finish merges the occupied fine bins into at most max_bins.
class StreamingHistogram {
 public:
  static constexpr size_t kBufferSize = 1024;
  static constexpr int kFineBins = 256;

  void Add(double value);
  Histogram Finish(bool integer_values, int max_bins = kMaxHistogramBins) const;

 private:
  void StartBins();
  void Widen(double value);

  std::vector<double> buffer_;
  std::vector<int64_t> fine_;  // empty while buffering
  double origin_ = 0.0;
  double width_ = 0.0;
};

}  // namespace amp::data
