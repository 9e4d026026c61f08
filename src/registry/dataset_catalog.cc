#include "registry/dataset_catalog.h"

#include <fstream>

#include "core/id.h"
#include "data/csv_scanner.h"
#include "storage/sha256.h"

namespace amp::registry {

core::Status ValidateDatasetName(std::string_view name) {
  if (name.empty() || name.size() > 128) return core::InvalidArgument("dataset name must be 1-128 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return core::InvalidArgument("dataset name may contain only letters, digits and . _ -");
  }
  if (name == "." || name == "..") return core::InvalidArgument("dataset name may not be '.' or '..'");
  return core::Status::Ok();
}

DatasetCatalog::DatasetCatalog(storage::MetadataStore& metadata, storage::ArtifactStore& artifacts,
                               const core::Clock& clock, const DatasetCatalogOptions& options)
    : metadata_(metadata), artifacts_(artifacts), clock_(clock), table_cache_(options.table_cache_bytes) {}

core::Result<storage::DatasetRecord> DatasetCatalog::Ingest(std::string_view name,
                                                            const std::filesystem::path& csv_path,
                                                            const IngestLimits& limits) {
  // The file is ours from here on: whatever happens, it does not stay where it was.
  struct RemoveOnExit {
    const std::filesystem::path& path;
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } cleanup{csv_path};

  AMP_RETURN_IF_ERROR(ValidateDatasetName(name));
  storage::DatasetRecord record;
  std::error_code ec;
  record.size_bytes = static_cast<int64_t>(std::filesystem::file_size(csv_path, ec));
  if (ec) return core::Internal("cannot read the size of uploaded file " + csv_path.string());
  if (limits.max_bytes > 0 && record.size_bytes > limits.max_bytes) {
    return core::ResourceExhausted("the dataset is " + std::to_string(record.size_bytes) +
                                   " bytes, over this API key's limit of " + std::to_string(limits.max_bytes) +
                                   " bytes per dataset");
  }
  {
    std::ifstream input(csv_path, std::ios::binary);
    if (!input) return core::Internal("cannot open uploaded file " + csv_path.string());
    AMP_ASSIGN_OR_RETURN(record.summary, data::ScanCsv(input));
  }
  if (limits.max_rows > 0 && record.summary.row_count > limits.max_rows) {
    return core::ResourceExhausted("the dataset has " + std::to_string(record.summary.row_count) +
                                   " rows, over this API key's limit of " + std::to_string(limits.max_rows) +
                                   " rows per dataset");
  }
  AMP_ASSIGN_OR_RETURN(record.sha256, storage::Sha256HexOfFile(csv_path));
  record.id = core::NewId("ds");
  record.name = std::string(name);
  record.created_at_micros = clock_.NowMicros();
  record.artifact_key = "datasets/" + record.id + ".csv";
  AMP_RETURN_IF_ERROR(artifacts_.PutFile(record.artifact_key, csv_path).WithContext("storing the dataset"));
  core::Status recorded = metadata_.PutDataset(record);
  if (!recorded.ok()) {
    artifacts_.Delete(record.artifact_key).IgnoreError();
    return recorded;
  }
  return record;
}

core::Result<storage::DatasetRecord> DatasetCatalog::Get(std::string_view id) { return metadata_.GetDataset(id); }

core::Result<std::vector<storage::DatasetRecord>> DatasetCatalog::List() { return metadata_.ListDatasets(); }

core::Result<storage::DatasetRecord> DatasetCatalog::Delete(std::string_view id) {
  AMP_ASSIGN_OR_RETURN(storage::DatasetRecord record, metadata_.GetDataset(id));
  AMP_RETURN_IF_ERROR(artifacts_.Delete(record.artifact_key).WithContext("deleting the dataset's file"));
  AMP_RETURN_IF_ERROR(metadata_.DeleteDataset(record.id));
  // After the record is gone: a load that was already parsing may still put a table back, and the next load's
  // pruning below drops it.
  table_cache_.Erase(record.id);
  return record;
}

core::Result<LoadedTable> DatasetCatalog::LoadTable(const storage::DatasetRecord& dataset,
                                                    const std::vector<data::ColumnSpec>& specs, size_t threads,
                                                    const std::atomic<bool>* cancelled) {
  // A dataset deleted through another replica leaves its tables here; they go now rather than at eviction (they
  // may hold personal data its owner asked to delete). A store error keeps them: the next load asks again.
  for (const std::string& id : table_cache_.DatasetIds()) {
    if (id == dataset.id) continue;
    core::Result<storage::DatasetRecord> record = metadata_.GetDataset(id);
    if (!record.ok() && record.status().code() == core::StatusCode::kNotFound) table_cache_.Erase(id);
  }
  if (std::shared_ptr<const data::Table> cached = table_cache_.Find(dataset.id, specs)) {
    return LoadedTable{std::move(cached), true};
  }
  AMP_ASSIGN_OR_RETURN(std::string bytes, artifacts_.Get(dataset.artifact_key));
  if (storage::Sha256Hex(bytes) != dataset.sha256) {
    return core::DataLoss("stored file of dataset " + dataset.id + " fails its SHA-256 check");
  }
  AMP_ASSIGN_OR_RETURN(data::Table table,
                       data::LoadCsvTable(bytes, specs, {.threads = threads, .cancelled = cancelled}));
  auto shared = std::make_shared<const data::Table>(std::move(table));
  table_cache_.Insert(dataset.id, specs, shared);
  return LoadedTable{std::move(shared), false};
}

}  // namespace amp::registry
