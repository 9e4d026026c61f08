// Transparent huge pages for large buffers that are allocated and filled at once (a training job's design matrix).
// On a virtual machine every 4 KiB page's first touch is a costly fault: filling a fresh 80 MB buffer was measured
// at 270 ms, most of a job's own work before XGBoost's first round (docs/benchmarks.md). Backed by 2 MiB pages the
// same buffer takes a few hundred faults instead of twenty thousand. Best effort: where the kernel has transparent
// huge pages disabled the advice is ignored and nothing changes.
#pragma once

#include <cstddef>
#include <vector>

namespace amp::core {

// Advises the kernel (madvise MADV_HUGEPAGE) to back the whole 2 MiB pages inside [data, data + bytes) with huge
// pages. Does nothing for a range holding no whole huge page, or where the advice is not supported.
void AdviseHugePages(void* data, size_t bytes);

// Sets *buffer to `count` value-initialized (zero) elements; a fresh allocation is advised huge pages before it is
// first written.
template <typename T>
void AssignZeros(std::vector<T>* buffer, size_t count) {
  buffer->clear();
  buffer->reserve(count);
  AdviseHugePages(buffer->data(), count * sizeof(T));
  buffer->assign(count, T{});
}

}  // namespace amp::core
