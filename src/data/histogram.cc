#include "data/histogram.h"

#include <algorithm>
#include <cmath>

namespace amp::data {
namespace {

// The bin of `offset` (a bin index as a real, possibly NaN or infinite near the limits of double) in [0, bins).
int ClampedBin(double offset, int bins) {
  if (!(offset >= 0.0)) return 0;  // also NaN
  if (offset >= static_cast<double>(bins - 1)) return bins - 1;
  return static_cast<int>(offset);
}

// (value - origin) / width without overflowing when the range spans more than the largest double.
double BinOffset(double value, double origin, double width) {
  const double difference = value - origin;
  return std::isfinite(difference) ? difference / width : value / width - origin / width;
}

}  // namespace

int HistogramBinCount(int64_t count, int max_bins) {
  if (count <= 1) return 1;
  const auto bins = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(count))));
  return static_cast<int>(std::clamp<int64_t>(bins, 1, std::max(max_bins, 1)));
}

Histogram EqualWidthHistogram(std::span<const double> values, bool integer_values, int max_bins) {
  Histogram histogram;
  int64_t count = 0;
  double min = 0.0;
  double max = 0.0;
  for (double value : values) {
    if (!std::isfinite(value)) continue;
    min = count == 0 ? value : std::min(min, value);
    max = count == 0 ? value : std::max(max, value);
    ++count;
  }
  if (count == 0) return histogram;
  if (min == max) {
    histogram.edges = {min - 0.5, min + 0.5};
    histogram.counts = {count};
    return histogram;
  }
  int bins = HistogramBinCount(count, max_bins);
  const bool unit_bins = integer_values && max - min + 1.0 <= static_cast<double>(bins);
  if (unit_bins) {
    bins = static_cast<int>(max - min) + 1;
    for (int bin = 0; bin <= bins; ++bin) histogram.edges.push_back(min - 0.5 + bin);
  }
  double width = (max - min) / bins;
  if (!std::isfinite(width)) width = max / bins - min / bins;  // a range wider than the largest double
  if (!unit_bins) {
    for (int bin = 0; bin < bins; ++bin) histogram.edges.push_back(min + bin * width);
    histogram.edges.push_back(max);
  }
  histogram.counts.assign(static_cast<size_t>(bins), 0);
  for (double value : values) {
    if (!std::isfinite(value)) continue;
    const double offset = unit_bins ? std::round(value - min) : std::floor(BinOffset(value, min, width));
    ++histogram.counts[static_cast<size_t>(ClampedBin(offset, bins))];
  }
  return histogram;
}

void StreamingHistogram::Add(double value) {
  if (!std::isfinite(value)) return;
  if (fine_.empty()) {
    buffer_.push_back(value);
    if (buffer_.size() >= kBufferSize) StartBins();
    return;
  }
  Widen(value);
  ++fine_[static_cast<size_t>(ClampedBin(std::floor(BinOffset(value, origin_, width_)), kFineBins))];
}

void StreamingHistogram::StartBins() {
  const auto [min_it, max_it] = std::minmax_element(buffer_.begin(), buffer_.end());
  origin_ = *min_it;
  // The range [origin, origin + kFineBins * width) must hold the maximum, hence kFineBins - 1.
  width_ = *max_it > *min_it ? (*max_it - *min_it) / (kFineBins - 1) : std::max(std::abs(*min_it), 1.0) / kFineBins;
  fine_.assign(kFineBins, 0);
  std::vector<double> buffered;
  buffered.swap(buffer_);
  for (double value : buffered) Add(value);
}

void StreamingHistogram::Widen(double value) {
  constexpr int kHalf = kFineBins / 2;
  // Stops (the value then counts in the nearest end bin) once the range would leave the doubles.
  while (std::isfinite(width_ * 2.0 * kFineBins) && std::isfinite(origin_ - 2.0 * kFineBins * width_)) {
    const bool below = value < origin_;
    const bool above = !below && BinOffset(value, origin_, width_) >= kFineBins;
    if (!below && !above) return;
    std::vector<int64_t> merged(kFineBins, 0);
    // Pairs of neighbours merge into the lower half when the range grows upwards, the upper half when downwards.
    const int first = above ? 0 : kHalf;
    for (int pair = 0; pair < kHalf; ++pair) {
      merged[static_cast<size_t>(first + pair)] =
          fine_[static_cast<size_t>(2 * pair)] + fine_[static_cast<size_t>(2 * pair + 1)];
    }
    if (below) origin_ -= kFineBins * width_;
    width_ *= 2.0;
    fine_.swap(merged);
  }
}

Histogram StreamingHistogram::Finish(bool integer_values, int max_bins) const {
  if (fine_.empty()) return EqualWidthHistogram(buffer_, integer_values, max_bins);
  int first = 0;
  while (fine_[static_cast<size_t>(first)] == 0) ++first;  // StartBins counted kBufferSize > 0 values
  int last = kFineBins - 1;
  while (fine_[static_cast<size_t>(last)] == 0) --last;
  int64_t total = 0;
  for (int64_t count : fine_) total += count;
  const int occupied = last - first + 1;
  const int target = HistogramBinCount(total, max_bins);
  const int group = (occupied + target - 1) / target;
  Histogram histogram;
  for (int start = first; start <= last; start += group) {
    histogram.edges.push_back(origin_ + start * width_);
    int64_t count = 0;
    for (int bin = start; bin < std::min(start + group, last + 1); ++bin) count += fine_[static_cast<size_t>(bin)];
    histogram.counts.push_back(count);
  }
  histogram.edges.push_back(origin_ + (first + static_cast<int>(histogram.counts.size()) * group) * width_);
  return histogram;
}

}  // namespace amp::data
