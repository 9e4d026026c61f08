// DatasetCatalog: uploaded tables. Ingest scans a CSV file (schema, profile), checksums it, moves it into the
// artifact store and records it; training reads it back as a typed Table. Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "data/table.h"
#include "storage/artifact_store.h"
#include "storage/metadata_store.h"

namespace amp::registry {

// Per-upload limits (the caller's quotas); 0: unlimited.
struct IngestLimits {
  int64_t max_bytes = 0;
  int64_t max_rows = 0;  // data rows, the header not counted
};

class DatasetCatalog {
 public:
  DatasetCatalog(storage::MetadataStore& metadata, storage::ArtifactStore& artifacts, const core::Clock& clock);

  // Takes ownership of the CSV file at `csv_path` (it is moved into the store, or deleted on failure).
  // InvalidArgument (naming the line) for a CSV that cannot be read; InvalidArgument for a bad name;
  // ResourceExhausted (saying which limit) for a file over `limits`.
  core::Result<storage::DatasetRecord> Ingest(std::string_view name, const std::filesystem::path& csv_path,
                                              const IngestLimits& limits = {});

  core::Result<storage::DatasetRecord> Get(std::string_view id);
  core::Result<std::vector<storage::DatasetRecord>> List();

  // Deletes the dataset's file, then its record (so a failed delete can be retried). NotFound if absent.
  core::Result<storage::DatasetRecord> Delete(std::string_view id);

  // Loads the columns named in `specs` as a typed table; DataLoss if the stored file fails its checksum.
  core::Result<data::Table> LoadTable(const storage::DatasetRecord& dataset,
                                      const std::vector<data::ColumnSpec>& specs);

 private:
  storage::MetadataStore& metadata_;
  storage::ArtifactStore& artifacts_;
  const core::Clock& clock_;
};

// Dataset names: 1-128 characters of letters, digits and ._- (no spaces, no slashes).
core::Status ValidateDatasetName(std::string_view name);

}  // namespace amp::registry
