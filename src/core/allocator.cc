#include "core/allocator.h"

#include <dlfcn.h>
#include <malloc.h>

namespace amp::core {
namespace {

bool Sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

// gperftools' C entry point (gperftools/malloc_extension_c.h), looked up rather than linked: only the amp binary
// links tcmalloc.
using ReleaseFn = void (*)();
ReleaseFn TcmallocRelease() {
  static const auto release = reinterpret_cast<ReleaseFn>(dlsym(RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory"));
  return release;
}

}  // namespace

std::string_view AllocatorName() {
  if (Sanitized()) return "sanitizer";
  // tcmalloc exports its entry points under tc_* names as well as malloc's.
  return dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr ? "tcmalloc" : "glibc";
}

void ReleaseFreeMemory() {
  if (Sanitized()) return;
  if (ReleaseFn release = TcmallocRelease()) {
    release();
  } else {
    malloc_trim(0);
  }
}

}  // namespace amp::core
