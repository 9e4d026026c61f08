// A stable least-significant-digit radix sort by a 64-bit key: six passes of 11-bit digits, each pass's histogram
// counted in one read pass beforehand, and a pass skipped when every value shares its digit. Linear time: the
// cleaning report sorts a million (hash, row) pairs and each feature's 100,000 sampled keys on every training job;
// with this sort the 1M-row logistic regression job took a sixth less time than with Boost's spreadsort, itself no
// faster there than std::sort (docs/benchmarks.md, docs/architecture.md). Small inputs take std::stable_sort.
// Header-only: a template over the value and its key.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/huge_pages.h"

namespace amp::core {

// Sorts `values` by `key_of(value)` (a uint64_t) ascending; values with equal keys keep their order.
template <typename T, typename KeyOf>
void RadixSortByKey(std::vector<T>& values, KeyOf key_of) {
  constexpr int kDigitBits = 11;
  constexpr size_t kBuckets = size_t{1} << kDigitBits;
  constexpr int kPasses = (64 + kDigitBits - 1) / kDigitBits;
  const size_t count = values.size();
  if (count < 4096) {  // the histograms' fixed cost is not worth it
    std::stable_sort(values.begin(), values.end(),
                     [&](const T& left, const T& right) { return key_of(left) < key_of(right); });
    return;
  }
  std::vector<std::array<size_t, kBuckets>> histograms(kPasses);
  for (auto& histogram : histograms) histogram.fill(0);
  for (const T& value : values) {
    const uint64_t key = key_of(value);
    for (int pass = 0; pass < kPasses; ++pass) ++histograms[pass][(key >> (pass * kDigitBits)) & (kBuckets - 1)];
  }
  std::vector<T> scratch;
  AssignZeros(&scratch, count);  // huge pages for a large sort
  for (int pass = 0; pass < kPasses; ++pass) {
    std::array<size_t, kBuckets>& offsets = histograms[pass];
    bool one_bucket = false;
    for (size_t bucket_count : offsets) one_bucket = one_bucket || bucket_count == count;
    if (one_bucket) continue;  // every value has this digit: the order stays as it is
    size_t next = 0;
    for (size_t& offset : offsets) {
      const size_t bucket_count = offset;
      offset = next;
      next += bucket_count;
    }
    for (const T& value : values) scratch[offsets[(key_of(value) >> (pass * kDigitBits)) & (kBuckets - 1)]++] = value;
    values.swap(scratch);
  }
}

}  // namespace amp::core
