#include <string>
#include <vector>

#include "storage/postgres_metadata_store.h"
#include "storage/postgres_session.h"
#include "storage/record_codec.h"

namespace amp::storage {
namespace {

constexpr const char* kDatasetColumns =
    "id, name, created_at_micros, size_bytes, sha256, artifact_key, row_count, columns_json";

core::Result<DatasetRecord> ReadDataset(const Rows& rows, int row) {
  DatasetRecord record;
  record.id = rows.Text(row, "id");
  record.name = rows.Text(row, "name");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.size_bytes = rows.Int(row, "size_bytes");
  record.sha256 = rows.Text(row, "sha256");
  record.artifact_key = rows.Text(row, "artifact_key");
  record.summary.row_count = rows.Int(row, "row_count");
  AMP_ASSIGN_OR_RETURN(record.summary.columns, DecodeColumnSummaries(rows.Text(row, "columns_json")));
  return record;
}

}  // namespace

// ---- Datasets. ----

core::Status PostgresMetadataStore::PutDataset(const DatasetRecord& record) {
  const std::string sql = Sql({"INSERT INTO datasets (", kDatasetColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"});
  return InTransaction([&](Session& session) {
    return session.Exec(sql.c_str(), Params()
                                         .Add(record.id)
                                         .Add(record.name)
                                         .Add(record.created_at_micros)
                                         .Add(record.size_bytes)
                                         .Add(record.sha256)
                                         .Add(record.artifact_key)
                                         .Add(record.summary.row_count)
                                         .Add(EncodeColumnSummaries(record.summary.columns)));
  });
}

core::Result<DatasetRecord> PostgresMetadataStore::GetDataset(std::string_view id) {
  const std::string sql = Sql({"SELECT ", kDatasetColumns, " FROM datasets WHERE id = $1"});
  return WithSession([&](Session& session) -> core::Result<DatasetRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(id)));
    if (rows.empty()) return core::NotFound("dataset not found: " + std::string(id));
    return ReadDataset(rows, 0);
  });
}

core::Result<std::vector<DatasetRecord>> PostgresMetadataStore::ListDatasets() {
  const std::string sql =
      Sql({"SELECT ", kDatasetColumns, " FROM datasets ORDER BY created_at_micros, id COLLATE \"C\""});
  return WithSession([&](Session& session) -> core::Result<std::vector<DatasetRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str()));
    return CollectRows(rows, ReadDataset);
  });
}

core::Status PostgresMetadataStore::DeleteDataset(std::string_view id) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("DELETE FROM datasets WHERE id = $1", Params().Add(id)));
    if (rows.affected() == 0) return core::NotFound("dataset not found: " + std::string(id));
    return core::Status::Ok();
  });
}

}  // namespace amp::storage
