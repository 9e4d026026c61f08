// DatasetCatalog: uploaded tables. Ingest scans a CSV file (schema, profile), checksums it, moves it into the
// artifact store and records it; training reads it back as a typed Table, which is kept in a TableCache (under
// the options' byte budget) for the next training of the same columns. Thread-safe.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "data/table.h"
#include "registry/table_cache.h"
#include "storage/artifact_store.h"
#include "storage/metadata_store.h"

namespace amp::registry {

// Per-upload limits (the caller's quotas); 0: unlimited.
struct IngestLimits {
  int64_t max_bytes = 0;
  int64_t max_rows = 0;  // data rows, the header not counted
};

struct DatasetCatalogOptions {
  int64_t table_cache_bytes = 0;  // memory for parsed tables kept between trainings; 0: parse on every load
};

// A table LoadTable returns, shared with the cache.
struct LoadedTable {
  std::shared_ptr<const data::Table> table;
  bool from_cache = false;  // parsed by an earlier load; the stored file was not read again
};

class DatasetCatalog {
 public:
  DatasetCatalog(storage::MetadataStore& metadata, storage::ArtifactStore& artifacts, const core::Clock& clock,
                 const DatasetCatalogOptions& options = {});

  // Takes ownership of the CSV file at `csv_path` (it is moved into the store, or deleted on failure).
  // InvalidArgument (naming the line) for a CSV that cannot be read; InvalidArgument for a bad name;
  // ResourceExhausted (saying which limit) for a file over `limits`.
  core::Result<storage::DatasetRecord> Ingest(std::string_view name, const std::filesystem::path& csv_path,
                                              const IngestLimits& limits = {});

  core::Result<storage::DatasetRecord> Get(std::string_view id);
  core::Result<std::vector<storage::DatasetRecord>> List();

  // Deletes the dataset's file, then its record (so a failed delete can be retried), and forgets its parsed tables.
  // NotFound if absent.
  core::Result<storage::DatasetRecord> Delete(std::string_view id);

  // The columns named in `specs` as a typed table: from the cache when the same columns were loaded before, else
  // read from the store and parsed (and then cached); DataLoss if the stored file fails its checksum. Each load
  // also drops the cached tables of datasets deleted since (by this process or another one sharing the store).
  // Parsing uses up to `threads` threads (data::LoadCsvTable's row blocks; 0: the hardware's) and stops with
  // Cancelled once `*cancelled` (if set) is true.
  core::Result<LoadedTable> LoadTable(const storage::DatasetRecord& dataset,
                                      const std::vector<data::ColumnSpec>& specs, size_t threads = 1,
                                      const std::atomic<bool>* cancelled = nullptr);

  const TableCache& table_cache() const { return table_cache_; }

 private:
  storage::MetadataStore& metadata_;
  storage::ArtifactStore& artifacts_;
  const core::Clock& clock_;
  TableCache table_cache_;
};

// Dataset names: 1-128 characters of letters, digits and ._- (no spaces, no slashes).
core::Status ValidateDatasetName(std::string_view name);

}  // namespace amp::registry
