#include "registry/retention_policy.h"

#include <algorithm>
#include <functional>

namespace amp::registry {

std::vector<int64_t> SelectVersionsToCollect(const RetentionInput& input) {
  if (input.keep_last <= 0) return {};
  std::vector<int64_t> newest_first = input.versions;
  std::sort(newest_first.begin(), newest_first.end(), std::greater<>());
  newest_first.erase(std::unique(newest_first.begin(), newest_first.end()), newest_first.end());
  std::vector<int64_t> collect;
  for (size_t rank = static_cast<size_t>(std::min<int64_t>(input.keep_last, static_cast<int64_t>(newest_first.size())));
       rank < newest_first.size(); ++rank) {
    const int64_t version = newest_first[rank];
    if (input.aliased.contains(version) || input.in_use.contains(version)) continue;
    collect.push_back(version);
  }
  std::sort(collect.begin(), collect.end());
  return collect;
}

}  // namespace amp::registry
