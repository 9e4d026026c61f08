// The parsed-dataset cache's figures (registry/table_cache.h) in the Prometheus text format, for the /metrics of
// `amp serve` and of an `amp worker`'s health listener.
#pragma once

#include <string>

#include "registry/table_cache.h"

namespace amp::api {

// Appends amp_dataset_cache_{tables,bytes,budget_bytes,hits_total,misses_total,evictions_total} to *out. Pure.
void RenderDatasetCacheMetrics(const registry::TableCacheStats& stats, int64_t budget_bytes, std::string* out);

}  // namespace amp::api
