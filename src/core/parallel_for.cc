#include "core/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace amp::core {

size_t WorkerCount(size_t threads, size_t count) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  return std::max<size_t>(1, std::min(threads, count));
}

void ParallelFor(size_t count, size_t threads, const std::function<void(size_t)>& fn) {
  const size_t workers = WorkerCount(threads, count);
  if (workers <= 1) {
    for (size_t idx = 0; idx < count; ++idx) fn(idx);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t idx = next.fetch_add(1); idx < count; idx = next.fetch_add(1)) fn(idx);
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t worker = 1; worker < workers; ++worker) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace amp::core
