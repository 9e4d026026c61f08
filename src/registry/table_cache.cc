#include "registry/table_cache.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace amp::registry {
namespace {

// The dataset id, then each column's name and type: a table loaded with other columns or types is another entry.
std::string CacheKey(std::string_view dataset_id, const std::vector<data::ColumnSpec>& specs) {
  std::string key(dataset_id);
  for (const data::ColumnSpec& spec : specs) {
    key += '\n';
    key += data::ColumnTypeName(spec.type);
    key += ':';
    key += spec.name;
  }
  return key;
}

}  // namespace

std::shared_ptr<const data::Table> TableCache::Find(std::string_view dataset_id,
                                                    const std::vector<data::ColumnSpec>& specs) {
  const std::string key = CacheKey(dataset_id, specs);
  core::MutexLock lock(mu_);
  auto found = by_key_.find(key);
  if (found == by_key_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->table;
}

void TableCache::Insert(std::string_view dataset_id, const std::vector<data::ColumnSpec>& specs,
                        std::shared_ptr<const data::Table> table) {
  if (table == nullptr) return;
  const int64_t bytes = data::TableMemoryBytes(*table);
  std::string key = CacheKey(dataset_id, specs);
  core::MutexLock lock(mu_);
  if (auto found = by_key_.find(key); found != by_key_.end()) EraseEntry(found->second);
  if (bytes > capacity_bytes_) return;
  entries_.push_front(Entry{key, std::string(dataset_id), std::move(table), bytes});
  by_key_.emplace(std::move(key), entries_.begin());
  bytes_ += bytes;
  while (bytes_ > capacity_bytes_) {
    EraseEntry(std::prev(entries_.end()));
    ++evictions_;
  }
}

void TableCache::Erase(std::string_view dataset_id) {
  core::MutexLock lock(mu_);
  for (auto entry = entries_.begin(); entry != entries_.end();) {
    auto next = std::next(entry);
    if (entry->dataset_id == dataset_id) EraseEntry(entry);
    entry = next;
  }
}

std::vector<std::string> TableCache::DatasetIds() const {
  core::MutexLock lock(mu_);
  std::vector<std::string> ids;
  for (const Entry& entry : entries_) {
    if (std::find(ids.begin(), ids.end(), entry.dataset_id) == ids.end()) ids.push_back(entry.dataset_id);
  }
  return ids;
}

TableCacheStats TableCache::stats() const {
  core::MutexLock lock(mu_);
  TableCacheStats stats;
  stats.tables = static_cast<int64_t>(entries_.size());
  stats.bytes = bytes_;
  stats.hits = hits_;
  stats.misses = misses_;
  stats.evictions = evictions_;
  return stats;
}

void TableCache::EraseEntry(std::list<Entry>::iterator entry) {
  bytes_ -= entry->bytes;
  by_key_.erase(entry->key);
  entries_.erase(entry);
}

}  // namespace amp::registry
