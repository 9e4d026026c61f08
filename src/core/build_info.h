// BuildInfo: facts about this build of AMP, baked in at configure time. Recorded in each model version's lineage
// so a version says which code trained it. Thread-safe (constants).
#pragma once

#include <string_view>

namespace amp::core {

// "<project version>+<git describe>" (e.g. "0.1.0+f0cb559-dirty"), or just the project version when built outside
// a git checkout.
std::string_view CodeVersion();

}  // namespace amp::core
