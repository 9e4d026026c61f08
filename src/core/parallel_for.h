// ParallelFor: runs fn(0) .. fn(count - 1), each index exactly once, on the calling thread and up to threads - 1
// short-lived helper threads that take the next index as they free up (so uneven tasks balance). Returns when every
// call has returned. For splitting one job's CPU-bound work (per-column statistics, row blocks) over the cores its
// budget allows; fn must be safe to call concurrently for different indices, and results must not depend on which
// thread ran an index, so callers write each index's result to its own slot. fn must not throw.
#pragma once

#include <cstddef>
#include <functional>

namespace amp::core {

// The number of threads to use for `threads` asked (0: the hardware's) and `count` tasks: at least 1, at most count.
size_t WorkerCount(size_t threads, size_t count);

void ParallelFor(size_t count, size_t threads, const std::function<void(size_t)>& fn);

}  // namespace amp::core
