// Retention policy: which versions of a model the background collector (registry/retention_collector.h) may delete.
// A pure function, tested with a table of cases. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace amp::registry {

struct RetentionInput {
  std::vector<int64_t> versions;  // the model's version numbers, any order
  std::set<int64_t> aliased;      // versions an alias points to
  std::set<int64_t> in_use;       // versions the serving layer holds (served, pinned or loading)
  int64_t keep_last = 0;          // the policy; 0 keeps every version
};

// The versions to collect, ascending: every version older than the newest `keep_last` that no alias points to and
// that is not in use. Empty when keep_last is 0 (no policy) or negative.
std::vector<int64_t> SelectVersionsToCollect(const RetentionInput& input);

}  // namespace amp::registry
