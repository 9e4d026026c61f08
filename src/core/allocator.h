// Allocator: which allocator serves this process's malloc, and handing its free memory back to the kernel. The amp
// binary links gperftools' tcmalloc (CMakeLists.txt says why); the test binaries and sanitizer builds do not, so
// both are found at run time. Thread-safe.
#pragma once

#include <string_view>

namespace amp::core {

// "tcmalloc", "sanitizer" (ASan's allocator) or "glibc": what really serves malloc, not what the build asked for.
std::string_view AllocatorName();

// Returns the allocator's free pages to the kernel (tcmalloc's ReleaseFreeMemory, glibc's malloc_trim; nothing under
// a sanitizer). tcmalloc keeps freed memory for reuse, which is its point while a training job allocates and frees
// large buffers; a queue worker calls it once idle after a job, so a server's resident size does not stay at its
// largest job's peak (training::QueueWorkerOptions::release_memory_after_idle_micros).
void ReleaseFreeMemory();

}  // namespace amp::core
