#include "api/dataset_cache_metrics.h"

#include "metrics/prometheus_text.h"

namespace amp::api {

void RenderDatasetCacheMetrics(const registry::TableCacheStats& stats, int64_t budget_bytes, std::string* out) {
  metrics::AppendMetric("amp_dataset_cache_tables", "gauge", "Parsed datasets kept in memory for the next training.",
                        static_cast<double>(stats.tables), out);
  metrics::AppendMetric("amp_dataset_cache_bytes", "gauge", "Estimated memory held by the kept datasets.",
                        static_cast<double>(stats.bytes), out);
  metrics::AppendMetric("amp_dataset_cache_budget_bytes", "gauge", "The --dataset-cache-bytes budget.",
                        static_cast<double>(budget_bytes), out);
  metrics::AppendMetric("amp_dataset_cache_hits_total", "counter",
                        "Trainings that found their dataset parsed in memory.", static_cast<double>(stats.hits), out);
  metrics::AppendMetric("amp_dataset_cache_misses_total", "counter",
                        "Trainings that read and parsed their dataset's CSV.", static_cast<double>(stats.misses), out);
  metrics::AppendMetric("amp_dataset_cache_evictions_total", "counter",
                        "Parsed datasets dropped to stay within the budget.", static_cast<double>(stats.evictions),
                        out);
}

}  // namespace amp::api
