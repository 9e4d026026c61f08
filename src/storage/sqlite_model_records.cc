#include <sqlite3.h>

#include <string>
#include <vector>

#include "storage/record_codec.h"
#include "storage/sqlite_metadata_store.h"
#include "storage/sqlite_statement.h"

namespace amp::storage {
namespace {

constexpr const char* kModelColumns =
    "id, name, created_at_micros, description, is_public, owner, tags_json, retention_keep_last";

ModelRecord ReadModel(const Statement& stmt) {
  ModelRecord record;
  record.id = stmt.Text(0);
  record.name = stmt.Text(1);
  record.created_at_micros = stmt.Int(2);
  record.description = stmt.Text(3);
  record.is_public = stmt.Int(4) != 0;
  record.owner = stmt.Text(5);
  auto tags = DecodeStringList(stmt.Text(6));
  if (tags.ok()) record.tags = std::move(tags).value();  // written by EncodeStringList only
  record.retention_keep_last = stmt.Int(7);
  return record;
}

constexpr const char* kVersionColumns =
    "model_id, version, created_at_micros, algorithm, task, target, features_json, metrics_json, params_json, "
    "dataset_id, dataset_sha256, job_id, artifact_key, artifact_sha256, artifact_size_bytes, leaderboard_json, "
    "code_version, feature_importance_json, "
    "cleaning_report_json, evaluation_curves_json";

core::Result<VersionRecord> ReadVersion(const Statement& stmt) {
  VersionRecord record;
  record.model_id = stmt.Text(0);
  record.version = stmt.Int(1);
  record.created_at_micros = stmt.Int(2);
  record.algorithm = stmt.Text(3);
  record.task = stmt.Text(4);
  record.target = stmt.Text(5);
  AMP_ASSIGN_OR_RETURN(record.features, DecodeFeatures(stmt.Text(6)));
  AMP_ASSIGN_OR_RETURN(record.metrics, DecodeNumberMap(stmt.Text(7)));
  AMP_ASSIGN_OR_RETURN(record.params, DecodeNumberMap(stmt.Text(8)));
  AMP_ASSIGN_OR_RETURN(record.feature_importance, DecodeFeatureImportance(stmt.Text(17)));
  record.dataset_id = stmt.Text(9);
  record.dataset_sha256 = stmt.Text(10);
  record.job_id = stmt.Text(11);
  record.artifact_key = stmt.Text(12);
  record.artifact_sha256 = stmt.Text(13);
  record.artifact_size_bytes = stmt.Int(14);
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(stmt.Text(15)));
  record.code_version = stmt.Text(16);
  record.cleaning_report_json = stmt.Text(18);
  record.evaluation_curves_json = stmt.Text(19);
  return record;
}

}  // namespace

core::Status SqliteMetadataStore::CreateModel(const ModelRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_, (std::string("INSERT INTO models (") + kModelColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.name);
  stmt.Bind(3, record.created_at_micros);
  stmt.Bind(4, record.description);
  stmt.Bind(5, int64_t{record.is_public ? 1 : 0});
  stmt.Bind(6, record.owner);
  stmt.Bind(7, EncodeStringList(record.tags));
  stmt.Bind(8, record.retention_keep_last);
  core::Status status = stmt.Run();
  if (status.code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("a model named '" + record.name + "' already exists");
  }
  return status;
}

core::Result<ModelRecord> SqliteMetadataStore::GetModelWhere(const char* column, std::string_view value) {
  core::MutexLock lock(mu_);
  std::string sql = std::string("SELECT ") + kModelColumns + " FROM models WHERE " + column + " = ?1";
  Statement stmt(db_, sql.c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, value);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("model not found: " + std::string(value));
  return ReadModel(stmt);
}

core::Result<ModelRecord> SqliteMetadataStore::GetModelById(std::string_view id) {
  return GetModelWhere("id", id);
}

core::Result<ModelRecord> SqliteMetadataStore::GetModelByName(std::string_view name) {
  return GetModelWhere("name", name);
}

core::Result<std::vector<ModelRecord>> SqliteMetadataStore::ListModels() {
  core::MutexLock lock(mu_);
  Statement stmt(db_, (std::string("SELECT ") + kModelColumns + " FROM models ORDER BY created_at_micros, id").c_str());
  return CollectRows(stmt, ReadModel);
}

core::Status SqliteMetadataStore::UpdateModel(const ModelRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "UPDATE models SET description = ?2, owner = ?3, tags_json = ?4, retention_keep_last = ?5 "
                 "WHERE id = ?1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.description);
  stmt.Bind(3, record.owner);
  stmt.Bind(4, EncodeStringList(record.tags));
  stmt.Bind(5, record.retention_keep_last);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("model not found: " + record.id);
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::DeleteModel(std::string_view model_id) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Status {
    // Children first, so foreign keys hold at every step.
    for (const char* sql :
         {"DELETE FROM model_grants WHERE model_id = ?1", "DELETE FROM model_aliases WHERE model_id = ?1",
          "DELETE FROM model_alias_events WHERE model_id = ?1", "DELETE FROM model_versions WHERE model_id = ?1",
          "DELETE FROM models WHERE id = ?1"}) {
      Statement stmt(db_, sql);
      AMP_RETURN_IF_ERROR(stmt.prepare_status());
      stmt.Bind(1, model_id);
      AMP_RETURN_IF_ERROR(stmt.Run());
    }
    if (sqlite3_changes(db_) == 0) return core::NotFound("model not found: " + std::string(model_id));
    return core::Status::Ok();
  });
}

core::Status SqliteMetadataStore::SetModelPublic(std::string_view model_id, bool is_public) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "UPDATE models SET is_public = ?2 WHERE id = ?1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  stmt.Bind(2, int64_t{is_public ? 1 : 0});
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("model not found: " + std::string(model_id));
  return core::Status::Ok();
}

core::Result<int64_t> SqliteMetadataStore::AddVersion(const VersionRecord& record) {
  core::MutexLock lock(mu_);
  // The next number is computed inside the INSERT, so two writers cannot take the same one; the primary key
  // rejects the loser if they ever did. Deleted versions' numbers count, so a number is never reused.
  Statement stmt(
      db_, (std::string("INSERT INTO model_versions (") + kVersionColumns +
            ") VALUES (?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM (SELECT version FROM model_versions"
            " WHERE model_id = ?1 UNION ALL SELECT version FROM deleted_model_versions WHERE model_id = ?1)),"
            " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) RETURNING version")
               .c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.model_id);
  stmt.Bind(3, record.created_at_micros);
  stmt.Bind(4, record.algorithm);
  stmt.Bind(5, record.task);
  stmt.Bind(6, record.target);
  stmt.Bind(7, EncodeFeatures(record.features));
  stmt.Bind(8, EncodeNumberMap(record.metrics));
  stmt.Bind(9, EncodeNumberMap(record.params));
  stmt.Bind(10, record.dataset_id);
  stmt.Bind(11, record.dataset_sha256);
  stmt.Bind(12, record.job_id);
  stmt.Bind(13, record.artifact_key);
  stmt.Bind(14, record.artifact_sha256);
  stmt.Bind(15, record.artifact_size_bytes);
  stmt.Bind(16, EncodeLeaderboard(record.leaderboard));
  stmt.Bind(17, record.code_version);
  stmt.Bind(18, EncodeFeatureImportance(record.feature_importance));
  stmt.Bind(19, record.cleaning_report_json);
  stmt.Bind(20, record.evaluation_curves_json);
  auto inserted = stmt.Step();
  if (!inserted.ok() && inserted.status().code() == core::StatusCode::kNotFound) {
    return core::NotFound("cannot add a version to model " + record.model_id + ": no such model");
  }
  AMP_ASSIGN_OR_RETURN(bool has_row, std::move(inserted));
  if (!has_row) return core::Internal("version insert returned no row");
  int64_t version = stmt.Int(0);
  AMP_ASSIGN_OR_RETURN(bool more, stmt.Step());
  (void)more;
  return version;
}

core::Result<std::vector<VersionRecord>> SqliteMetadataStore::QueryVersions(const char* sql, std::string_view model_id,
                                                                            int64_t version) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, sql);
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  if (version > 0) stmt.Bind(2, version);
  std::vector<VersionRecord> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    AMP_ASSIGN_OR_RETURN(VersionRecord record, ReadVersion(stmt));
    records.push_back(std::move(record));
  }
  return records;
}

core::Result<VersionRecord> SqliteMetadataStore::GetVersion(std::string_view model_id, int64_t version) {
  std::string sql =
      std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE model_id = ?1 AND version = ?2";
  AMP_ASSIGN_OR_RETURN(auto records, QueryVersions(sql.c_str(), model_id, version));
  if (records.empty()) {
    return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
  }
  return std::move(records.front());
}

core::Result<VersionRecord> SqliteMetadataStore::GetLatestVersion(std::string_view model_id) {
  std::string sql = std::string("SELECT ") + kVersionColumns +
                    " FROM model_versions WHERE model_id = ?1 ORDER BY version DESC LIMIT 1";
  AMP_ASSIGN_OR_RETURN(auto records, QueryVersions(sql.c_str(), model_id, 0));
  if (records.empty()) return core::NotFound("model " + std::string(model_id) + " has no versions yet");
  return std::move(records.front());
}

core::Result<std::vector<VersionRecord>> SqliteMetadataStore::ListVersions(std::string_view model_id) {
  std::string sql =
      std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE model_id = ?1 ORDER BY version";
  return QueryVersions(sql.c_str(), model_id, 0);
}

core::Result<VersionRecord> SqliteMetadataStore::DeleteVersion(std::string_view model_id, int64_t version) {
  std::string select =
      std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE model_id = ?1 AND version = ?2";
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<VersionRecord> {
    Statement find(db_, select.c_str());
    AMP_RETURN_IF_ERROR(find.prepare_status());
    find.Bind(1, model_id);
    find.Bind(2, version);
    AMP_ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
    AMP_ASSIGN_OR_RETURN(VersionRecord record, ReadVersion(find));
    Statement aliased(db_, "SELECT alias FROM model_aliases WHERE model_id = ?1 AND version = ?2 ORDER BY alias");
    AMP_RETURN_IF_ERROR(aliased.prepare_status());
    aliased.Bind(1, model_id);
    aliased.Bind(2, version);
    std::string aliases;
    while (true) {
      AMP_ASSIGN_OR_RETURN(bool has_row, aliased.Step());
      if (!has_row) break;
      aliases += (aliases.empty() ? "'" : ", '") + aliased.Text(0) + "'";
    }
    if (!aliases.empty()) {
      return core::FailedPrecondition("version " + std::to_string(version) + " is pointed to by alias " + aliases +
                                      "; move or delete the alias first");
    }
    Statement remove(db_, "DELETE FROM model_versions WHERE model_id = ?1 AND version = ?2");
    AMP_RETURN_IF_ERROR(remove.prepare_status());
    remove.Bind(1, model_id);
    remove.Bind(2, version);
    AMP_RETURN_IF_ERROR(remove.Run());
    Statement tombstone(db_, "INSERT OR IGNORE INTO deleted_model_versions (model_id, version) VALUES (?1, ?2)");
    AMP_RETURN_IF_ERROR(tombstone.prepare_status());
    tombstone.Bind(1, model_id);
    tombstone.Bind(2, version);
    AMP_RETURN_IF_ERROR(tombstone.Run());
    return record;
  });
}

core::Result<int64_t> SqliteMetadataStore::CurrentAliasVersion(std::string_view model_id, std::string_view alias) {
  Statement stmt(db_, "SELECT version FROM model_aliases WHERE model_id = ?1 AND alias = ?2");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  stmt.Bind(2, alias);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? stmt.Int(0) : int64_t{0};
}

core::Result<int64_t> SqliteMetadataStore::SetAlias(const AliasRecord& alias) {
  core::MutexLock lock(mu_);
  {
    Statement exists(db_, "SELECT 1 FROM model_versions WHERE model_id = ?1 AND version = ?2");
    AMP_RETURN_IF_ERROR(exists.prepare_status());
    exists.Bind(1, alias.model_id);
    exists.Bind(2, alias.version);
    AMP_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) {
      return core::NotFound("model " + alias.model_id + " has no version " + std::to_string(alias.version));
    }
  }
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(int64_t previous, CurrentAliasVersion(alias.model_id, alias.alias));
    Statement upsert(db_,
                     "INSERT INTO model_aliases (model_id, alias, version, updated_at_micros, updated_by) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (model_id, alias) DO UPDATE SET "
                     "version = excluded.version, updated_at_micros = excluded.updated_at_micros, "
                     "updated_by = excluded.updated_by");
    AMP_RETURN_IF_ERROR(upsert.prepare_status());
    upsert.Bind(1, alias.model_id);
    upsert.Bind(2, alias.alias);
    upsert.Bind(3, alias.version);
    upsert.Bind(4, alias.updated_at_micros);
    upsert.Bind(5, alias.updated_by);
    AMP_RETURN_IF_ERROR(upsert.Run());
    Statement event(db_,
                    "INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    AMP_RETURN_IF_ERROR(event.prepare_status());
    event.Bind(1, alias.model_id);
    event.Bind(2, alias.alias);
    event.Bind(3, alias.version);
    event.Bind(4, previous);
    event.Bind(5, alias.updated_at_micros);
    event.Bind(6, alias.updated_by);
    AMP_RETURN_IF_ERROR(event.Run());
    return previous;
  });
}

core::Result<int64_t> SqliteMetadataStore::DeleteAlias(std::string_view model_id, std::string_view alias,
                                                       int64_t at_micros, std::string_view by) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(int64_t previous, CurrentAliasVersion(model_id, alias));
    if (previous == 0)
      return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
    Statement remove(db_, "DELETE FROM model_aliases WHERE model_id = ?1 AND alias = ?2");
    AMP_RETURN_IF_ERROR(remove.prepare_status());
    remove.Bind(1, model_id);
    remove.Bind(2, alias);
    AMP_RETURN_IF_ERROR(remove.Run());
    Statement event(db_,
                    "INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                    "VALUES (?1, ?2, 0, ?3, ?4, ?5)");
    AMP_RETURN_IF_ERROR(event.prepare_status());
    event.Bind(1, model_id);
    event.Bind(2, alias);
    event.Bind(3, previous);
    event.Bind(4, at_micros);
    event.Bind(5, by);
    AMP_RETURN_IF_ERROR(event.Run());
    return previous;
  });
}

core::Result<AliasRecord> SqliteMetadataStore::GetAlias(std::string_view model_id, std::string_view alias) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT model_id, alias, version, updated_at_micros, updated_by FROM model_aliases "
                 "WHERE model_id = ?1 AND alias = ?2");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  stmt.Bind(2, alias);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
  return AliasRecord{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Text(4)};
}

core::Result<std::vector<AliasRecord>> SqliteMetadataStore::ListAliases(std::string_view model_id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT model_id, alias, version, updated_at_micros, updated_by FROM model_aliases "
                 "WHERE model_id = ?1 ORDER BY alias");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  std::vector<AliasRecord> aliases;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    aliases.push_back(AliasRecord{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Text(4)});
  }
  return aliases;
}

core::Result<std::vector<AliasEvent>> SqliteMetadataStore::ListAliasEvents(std::string_view model_id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT model_id, alias, version, previous_version, at_micros, by FROM model_alias_events "
                 "WHERE model_id = ?1 ORDER BY seq");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  std::vector<AliasEvent> events;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    events.push_back(AliasEvent{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Int(4), stmt.Text(5)});
  }
  return events;
}

}  // namespace amp::storage
