#include "core/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

namespace amp::core {
namespace {

TEST(RadixSortByKeyTest, SortsLikeAStableSortOnEveryKeyShape) {
  std::mt19937_64 rng(9);
  const std::vector<std::pair<const char*, uint64_t>> shapes = {
      {"full 64-bit keys", ~uint64_t{0}}, {"small keys (high passes skipped)", 1023}, {"one key", 0}};
  for (const auto& [shape, mask] : shapes) {
    for (size_t count : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}, size_t{4096}, size_t{100000}}) {
      std::vector<std::pair<uint64_t, size_t>> values;  // (key, original position)
      for (size_t pos = 0; pos < count; ++pos) values.emplace_back(rng() & mask, pos);
      if (mask == ~uint64_t{0}) {
        for (size_t pos = 0; pos + 1 < count; pos += 7) values[pos + 1].first = values[pos].first;  // some equal keys
      }
      std::vector<std::pair<uint64_t, size_t>> expected = values;
      std::stable_sort(expected.begin(), expected.end(),
                       [](const auto& left, const auto& right) { return left.first < right.first; });
      RadixSortByKey(values, [](const std::pair<uint64_t, size_t>& value) { return value.first; });
      EXPECT_EQ(values, expected) << shape << ", " << count << " values";
    }
  }
}

TEST(RadixSortByKeyTest, SortsPlainKeys) {
  std::vector<uint64_t> keys = {5, 0, ~uint64_t{0}, 3, 5, uint64_t{1} << 63, 2};
  for (uint64_t key = 0; key < 5000; ++key) keys.push_back(key * 0x9E3779B97F4A7C15ULL);  // past the radix threshold
  std::vector<uint64_t> expected = keys;
  std::sort(expected.begin(), expected.end());
  RadixSortByKey(keys, [](uint64_t key) { return key; });
  EXPECT_EQ(keys, expected);
}

}  // namespace
}  // namespace amp::core
