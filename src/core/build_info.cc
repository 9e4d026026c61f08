#include "core/build_info.h"

#ifndef AMP_CODE_VERSION
#define AMP_CODE_VERSION "unknown"
#endif

namespace amp::core {

std::string_view CodeVersion() {
  return AMP_CODE_VERSION;
}

}  // namespace amp::core
