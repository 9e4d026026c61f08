#include <sqlite3.h>

#include <string>
#include <vector>

#include "storage/sqlite_metadata_store.h"
#include "storage/sqlite_statement.h"

namespace amp::storage {
namespace {

constexpr const char* kApiKeyColumns =
    "id, name, role, prefix, secret_sha256, created_at_micros, expires_at_micros, revoked, max_dataset_bytes, "
    "max_dataset_rows, max_training_jobs";

ApiKeyRecord ReadApiKey(const Statement& stmt) {
  return ApiKeyRecord{stmt.Text(0), stmt.Text(1),     stmt.Text(2), stmt.Text(3), stmt.Text(4), stmt.Int(5),
                      stmt.Int(6),  stmt.Int(7) != 0, stmt.Int(8),  stmt.Int(9),  stmt.Int(10)};
}

constexpr const char* kAuditColumns =
    "seq, at_micros, actor, action, resource, remote_address, outcome, previous_sha256, sha256";

AuditRecord ReadAudit(const Statement& stmt) {
  return AuditRecord{stmt.Int(0),  stmt.Int(1),  stmt.Text(2), stmt.Text(3), stmt.Text(4),
                     stmt.Text(5), stmt.Text(6), stmt.Text(7), stmt.Text(8)};
}

}  // namespace

core::Status SqliteMetadataStore::WriteApiKey(const char* sql, const ApiKeyRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, sql);
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.name);
  stmt.Bind(3, record.role);
  stmt.Bind(4, record.prefix);
  stmt.Bind(5, record.secret_sha256);
  stmt.Bind(6, record.created_at_micros);
  stmt.Bind(7, record.expires_at_micros);
  stmt.Bind(8, int64_t{record.revoked ? 1 : 0});
  stmt.Bind(9, record.max_dataset_bytes);
  stmt.Bind(10, record.max_dataset_rows);
  stmt.Bind(11, record.max_training_jobs);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("API key not found: " + record.id);
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::PutApiKey(const ApiKeyRecord& record) {
  return WriteApiKey((std::string("INSERT INTO api_keys (") + kApiKeyColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
                         .c_str(),
                     record);
}

core::Status SqliteMetadataStore::UpdateApiKey(const ApiKeyRecord& record) {
  return WriteApiKey(
      "UPDATE api_keys SET name = ?2, role = ?3, prefix = ?4, secret_sha256 = ?5, created_at_micros = ?6, "
      "expires_at_micros = ?7, revoked = ?8, max_dataset_bytes = ?9, max_dataset_rows = ?10, max_training_jobs = ?11 "
      "WHERE id = ?1",
      record);
}

core::Result<std::vector<ApiKeyRecord>> SqliteMetadataStore::ListApiKeys() {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 (std::string("SELECT ") + kApiKeyColumns + " FROM api_keys ORDER BY created_at_micros, id").c_str());
  return CollectRows(stmt, ReadApiKey);
}

core::Status SqliteMetadataStore::PutGrant(const GrantRecord& grant) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "INSERT OR IGNORE INTO model_grants (key_id, model_id) VALUES (?1, ?2)");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, grant.key_id);
  stmt.Bind(2, grant.model_id);
  return stmt.Run();
}

core::Status SqliteMetadataStore::DeleteGrant(const GrantRecord& grant) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "DELETE FROM model_grants WHERE key_id = ?1 AND model_id = ?2");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, grant.key_id);
  stmt.Bind(2, grant.model_id);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) {
    return core::NotFound("key " + grant.key_id + " has no grant on model " + grant.model_id);
  }
  return core::Status::Ok();
}

core::Result<std::vector<GrantRecord>> SqliteMetadataStore::ListGrants() {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "SELECT key_id, model_id FROM model_grants ORDER BY key_id, model_id");
  return CollectRows(stmt, [](const Statement& row) { return GrantRecord{row.Text(0), row.Text(1)}; });
}

core::Status SqliteMetadataStore::AppendAudit(const AuditRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_, (std::string("INSERT INTO audit_log (") + kAuditColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
               .c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.seq);
  stmt.Bind(2, record.at_micros);
  stmt.Bind(3, record.actor);
  stmt.Bind(4, record.action);
  stmt.Bind(5, record.resource);
  stmt.Bind(6, record.remote_address);
  stmt.Bind(7, record.outcome);
  stmt.Bind(8, record.previous_sha256);
  stmt.Bind(9, record.sha256);
  return stmt.Run();
}

core::Result<std::vector<AuditRecord>> SqliteMetadataStore::ListAudit(int64_t after_seq, int limit) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_, (std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, after_seq);
  stmt.Bind(2, static_cast<int64_t>(limit));
  return CollectRows(stmt, ReadAudit);
}

}  // namespace amp::storage
