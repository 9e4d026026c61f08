#include "core/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace amp::core {
namespace {

TEST(WorkerCountTest, IsBetweenOneAndTheTaskCount) {
  struct Case {
    size_t threads, count, expected;
  };
  for (const Case& c : {Case{1, 10, 1}, Case{4, 10, 4}, Case{8, 3, 3}, Case{4, 0, 1}, Case{4, 1, 1}}) {
    EXPECT_EQ(WorkerCount(c.threads, c.count), c.expected) << c.threads << " threads, " << c.count << " tasks";
  }
  EXPECT_GE(WorkerCount(0, 1000), 1u);  // the hardware's count
  EXPECT_LE(WorkerCount(0, 2), 2u);
}

TEST(ParallelForTest, CallsEveryIndexExactlyOnce) {
  for (size_t threads : {0u, 1u, 2u, 3u, 16u}) {
    for (size_t count : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> calls(count);
      ParallelFor(count, threads, [&](size_t idx) { calls[idx].fetch_add(1); });
      for (size_t idx = 0; idx < count; ++idx) {
        ASSERT_EQ(calls[idx].load(), 1) << "index " << idx << " of " << count << " with " << threads << " threads";
      }
    }
  }
}

TEST(ParallelForTest, OneThreadRunsInOrderOnTheCallingThread) {
  std::vector<size_t> order;
  const std::thread::id caller = std::this_thread::get_id();
  bool same_thread = true;
  ParallelFor(5, 1, [&](size_t idx) {
    order.push_back(idx);
    same_thread = same_thread && std::this_thread::get_id() == caller;
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(same_thread);
}

TEST(ParallelForTest, UsesAtMostTheThreadsAsked) {
  std::mutex mu;
  std::set<std::thread::id> seen;
  ParallelFor(200, 3, [&](size_t) {
    std::this_thread::yield();
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_GE(seen.size(), 1u);
  EXPECT_LE(seen.size(), 3u);
}

}  // namespace
}  // namespace amp::core
