// Random identifiers for datasets, models and jobs: a short prefix and 16 hex digits from the OS entropy source,
// e.g. "mdl_3f9a0c1d2e4b5a69". Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace amp::core {

std::string NewId(std::string_view prefix);

// True if `text` has the shape NewId produces for `prefix`.
bool LooksLikeId(std::string_view text, std::string_view prefix);

}  // namespace amp::core
