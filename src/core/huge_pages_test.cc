#include "core/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace amp::core {
namespace {

TEST(AssignZerosTest, GivesExactlyCountZerosWhateverTheBufferHeld) {
  const std::vector<size_t> counts = {0, 1, 1000, size_t{3} << 20};  // the last spans whole 2 MiB pages
  for (size_t count : counts) {
    std::vector<float> buffer(7, 5.0f);
    AssignZeros(&buffer, count);
    ASSERT_EQ(buffer.size(), count);
    for (float value : buffer) ASSERT_EQ(value, 0.0f);
  }
  std::vector<std::pair<uint64_t, int64_t>> pairs(3, {1, 2});
  AssignZeros(&pairs, 2);
  EXPECT_EQ(pairs, (std::vector<std::pair<uint64_t, int64_t>>{{0, 0}, {0, 0}}));
}

TEST(AssignZerosTest, ReusesALargeEnoughBuffer) {
  std::vector<double> buffer;
  AssignZeros(&buffer, 1 << 20);
  const double* data = buffer.data();
  buffer[12] = 3.0;
  AssignZeros(&buffer, 1 << 19);
  EXPECT_EQ(buffer.data(), data);
  EXPECT_EQ(buffer[12], 0.0);
}

TEST(AdviseHugePagesTest, AcceptsAnyRange) {
  // Ranges holding no whole huge page, a null pointer, and an unaligned range that does: none may fail or fault.
  std::vector<char> small(100);
  AdviseHugePages(small.data(), small.size());
  AdviseHugePages(nullptr, 0);
  AdviseHugePages(nullptr, size_t{8} << 20);
  std::vector<char> large(size_t{9} << 20);
  AdviseHugePages(large.data() + 3, large.size() - 3);
  large.back() = 1;
  EXPECT_EQ(large.back(), 1);
}

}  // namespace
}  // namespace amp::core
