#include <sqlite3.h>

#include <string>
#include <vector>

#include "storage/record_codec.h"
#include "storage/sqlite_metadata_store.h"
#include "storage/sqlite_statement.h"

namespace amp::storage {
namespace {

constexpr const char* kDatasetColumns =
    "id, name, created_at_micros, size_bytes, sha256, artifact_key, row_count, columns_json";

core::Result<DatasetRecord> ReadDataset(const Statement& stmt) {
  DatasetRecord record;
  record.id = stmt.Text(0);
  record.name = stmt.Text(1);
  record.created_at_micros = stmt.Int(2);
  record.size_bytes = stmt.Int(3);
  record.sha256 = stmt.Text(4);
  record.artifact_key = stmt.Text(5);
  record.summary.row_count = stmt.Int(6);
  AMP_ASSIGN_OR_RETURN(record.summary.columns, DecodeColumnSummaries(stmt.Text(7)));
  return record;
}

}  // namespace

core::Status SqliteMetadataStore::PutDataset(const DatasetRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_,
      (std::string("INSERT INTO datasets (") + kDatasetColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.name);
  stmt.Bind(3, record.created_at_micros);
  stmt.Bind(4, record.size_bytes);
  stmt.Bind(5, record.sha256);
  stmt.Bind(6, record.artifact_key);
  stmt.Bind(7, record.summary.row_count);
  stmt.Bind(8, EncodeColumnSummaries(record.summary.columns));
  return stmt.Run();
}

core::Result<DatasetRecord> SqliteMetadataStore::GetDataset(std::string_view id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, (std::string("SELECT ") + kDatasetColumns + " FROM datasets WHERE id = ?1").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, id);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("dataset not found: " + std::string(id));
  return ReadDataset(stmt);
}

core::Result<std::vector<DatasetRecord>> SqliteMetadataStore::ListDatasets() {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 (std::string("SELECT ") + kDatasetColumns + " FROM datasets ORDER BY created_at_micros, id").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  std::vector<DatasetRecord> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    AMP_ASSIGN_OR_RETURN(DatasetRecord record, ReadDataset(stmt));
    records.push_back(std::move(record));
  }
  return records;
}

core::Status SqliteMetadataStore::DeleteDataset(std::string_view id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "DELETE FROM datasets WHERE id = ?1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, id);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("dataset not found: " + std::string(id));
  return core::Status::Ok();
}

}  // namespace amp::storage
