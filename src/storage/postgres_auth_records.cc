#include <string>
#include <vector>

#include "storage/postgres_metadata_store.h"
#include "storage/postgres_session.h"

namespace amp::storage {
namespace {

constexpr const char* kApiKeyColumns =
    "id, name, role, prefix, secret_sha256, created_at_micros, expires_at_micros, revoked, max_dataset_bytes, "
    "max_dataset_rows, max_training_jobs";

ApiKeyRecord ReadApiKey(const Rows& rows, int row) {
  ApiKeyRecord record;
  record.id = rows.Text(row, "id");
  record.name = rows.Text(row, "name");
  record.role = rows.Text(row, "role");
  record.prefix = rows.Text(row, "prefix");
  record.secret_sha256 = rows.Text(row, "secret_sha256");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.expires_at_micros = rows.Int(row, "expires_at_micros");
  record.revoked = rows.Bool(row, "revoked");
  record.max_dataset_bytes = rows.Int(row, "max_dataset_bytes");
  record.max_dataset_rows = rows.Int(row, "max_dataset_rows");
  record.max_training_jobs = rows.Int(row, "max_training_jobs");
  return record;
}

Params ApiKeyParams(const ApiKeyRecord& record) {
  Params params;
  params.Add(record.id)
      .Add(record.name)
      .Add(record.role)
      .Add(record.prefix)
      .Add(record.secret_sha256)
      .Add(record.created_at_micros)
      .Add(record.expires_at_micros)
      .Add(record.revoked)
      .Add(record.max_dataset_bytes)
      .Add(record.max_dataset_rows)
      .Add(record.max_training_jobs);
  return params;
}

constexpr const char* kAuditColumns =
    "seq, at_micros, actor, action, resource, remote_address, outcome, previous_sha256, sha256";

AuditRecord ReadAudit(const Rows& rows, int row) {
  AuditRecord record;
  record.seq = rows.Int(row, "seq");
  record.at_micros = rows.Int(row, "at_micros");
  record.actor = rows.Text(row, "actor");
  record.action = rows.Text(row, "action");
  record.resource = rows.Text(row, "resource");
  record.remote_address = rows.Text(row, "remote_address");
  record.outcome = rows.Text(row, "outcome");
  record.previous_sha256 = rows.Text(row, "previous_sha256");
  record.sha256 = rows.Text(row, "sha256");
  return record;
}

}  // namespace

// ---- Security records. ----

core::Status PostgresMetadataStore::PutApiKey(const ApiKeyRecord& record) {
  const std::string sql =
      Sql({"INSERT INTO api_keys (", kApiKeyColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"});
  return InTransaction([&](Session& session) { return session.Exec(sql.c_str(), ApiKeyParams(record)); });
}

core::Status PostgresMetadataStore::UpdateApiKey(const ApiKeyRecord& record) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(
        Rows rows,
        session.Query("UPDATE api_keys SET name = $2, role = $3, prefix = $4, secret_sha256 = $5, "
                      "created_at_micros = $6, expires_at_micros = $7, revoked = $8, max_dataset_bytes = $9, "
                      "max_dataset_rows = $10, max_training_jobs = $11 WHERE id = $1",
                      ApiKeyParams(record)));
    if (rows.affected() == 0) return core::NotFound("API key not found: " + record.id);
    return core::Status::Ok();
  });
}

core::Result<std::vector<ApiKeyRecord>> PostgresMetadataStore::ListApiKeys() {
  const std::string sql =
      Sql({"SELECT ", kApiKeyColumns, " FROM api_keys ORDER BY created_at_micros, id COLLATE \"C\""});
  return WithSession([&](Session& session) -> core::Result<std::vector<ApiKeyRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str()));
    return CollectRows(rows, ReadApiKey);
  });
}

core::Status PostgresMetadataStore::PutGrant(const GrantRecord& grant) {
  return InTransaction([&](Session& session) {
    return session.Exec("INSERT INTO model_grants (key_id, model_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        Params().Add(grant.key_id).Add(grant.model_id));
  });
}

core::Status PostgresMetadataStore::DeleteGrant(const GrantRecord& grant) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("DELETE FROM model_grants WHERE key_id = $1 AND model_id = $2",
                                                  Params().Add(grant.key_id).Add(grant.model_id)));
    if (rows.affected() == 0) {
      return core::NotFound("key " + grant.key_id + " has no grant on model " + grant.model_id);
    }
    return core::Status::Ok();
  });
}

core::Result<std::vector<GrantRecord>> PostgresMetadataStore::ListGrants() {
  return WithSession([&](Session& session) -> core::Result<std::vector<GrantRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT key_id, model_id FROM model_grants "
                                                  "ORDER BY key_id COLLATE \"C\", model_id COLLATE \"C\""));
    return CollectRows(rows, [](const Rows& rows, int row) {
      return GrantRecord{rows.Text(row, "key_id"), rows.Text(row, "model_id")};
    });
  });
}

core::Status PostgresMetadataStore::AppendAudit(const AuditRecord& record) {
  const std::string sql =
      Sql({"INSERT INTO audit_log (", kAuditColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"});
  return InTransaction([&](Session& session) {
    return session.Exec(sql.c_str(), Params()
                                         .Add(record.seq)
                                         .Add(record.at_micros)
                                         .Add(record.actor)
                                         .Add(record.action)
                                         .Add(record.resource)
                                         .Add(record.remote_address)
                                         .Add(record.outcome)
                                         .Add(record.previous_sha256)
                                         .Add(record.sha256));
  });
}

core::Result<std::vector<AuditRecord>> PostgresMetadataStore::ListAudit(int64_t after_seq, int limit) {
  const std::string sql = Sql({"SELECT ", kAuditColumns, " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"});
  return WithSession([&](Session& session) -> core::Result<std::vector<AuditRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(after_seq).Add(SqlLimit(limit))));
    return CollectRows(rows, ReadAudit);
  });
}

}  // namespace amp::storage
