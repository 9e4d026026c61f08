// TableCache: typed tables parsed from uploaded datasets, kept in memory under a byte budget so that training the
// same dataset again does not read and parse its CSV again (H2O keeps a parsed frame for the same reason). A
// dataset never changes after upload (a new upload is a new id), so an entry stays true until the dataset is
// deleted; the catalog drops it then. The least recently used tables are evicted to stay within the budget; a
// table larger than the whole budget is not kept. Thread-safe; a caller holding a table keeps it alive after it is
// evicted.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "data/table.h"

namespace amp::registry {

struct TableCacheStats {
  int64_t tables = 0;  // held now
  int64_t bytes = 0;   // their estimated memory
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t evictions = 0;
};

class TableCache {
 public:
  explicit TableCache(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // The table of `dataset_id` with exactly these columns and types, or null (a miss). A hit makes it the most
  // recently used.
  std::shared_ptr<const data::Table> Find(std::string_view dataset_id, const std::vector<data::ColumnSpec>& specs)
      AMP_EXCLUDES(mu_);
  // Keeps `table` (replacing an entry with the same key), then evicts the least recently used entries until the
  // tables fit the budget. A table over the whole budget, or any table when the budget is 0, is not kept.
  void Insert(std::string_view dataset_id, const std::vector<data::ColumnSpec>& specs,
              std::shared_ptr<const data::Table> table) AMP_EXCLUDES(mu_);
  // Drops every table of `dataset_id` (a deleted dataset).
  void Erase(std::string_view dataset_id) AMP_EXCLUDES(mu_);
  // The datasets that have a table here, each once, most recently used first.
  std::vector<std::string> DatasetIds() const AMP_EXCLUDES(mu_);

  TableCacheStats stats() const AMP_EXCLUDES(mu_);
  int64_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Entry {
    std::string key;
    std::string dataset_id;
    std::shared_ptr<const data::Table> table;
    int64_t bytes = 0;
  };

  void EraseEntry(std::list<Entry>::iterator entry) AMP_REQUIRES(mu_);

  const int64_t capacity_bytes_;
  mutable core::Mutex mu_;
  std::list<Entry> entries_ AMP_GUARDED_BY(mu_);  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_ AMP_GUARDED_BY(mu_);
  int64_t bytes_ AMP_GUARDED_BY(mu_) = 0;
  int64_t hits_ AMP_GUARDED_BY(mu_) = 0;
  int64_t misses_ AMP_GUARDED_BY(mu_) = 0;
  int64_t evictions_ AMP_GUARDED_BY(mu_) = 0;
};

}  // namespace amp::registry
