#include <string>
#include <vector>

#include "storage/postgres_metadata_store.h"
#include "storage/postgres_session.h"
#include "storage/record_codec.h"

namespace amp::storage {
namespace {

constexpr const char* kModelColumns =
    "id, name, created_at_micros, description, is_public, owner, tags_json, retention_keep_last";

core::Result<ModelRecord> ReadModel(const Rows& rows, int row) {
  ModelRecord record;
  record.id = rows.Text(row, "id");
  record.name = rows.Text(row, "name");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.description = rows.Text(row, "description");
  record.is_public = rows.Bool(row, "is_public");
  record.owner = rows.Text(row, "owner");
  AMP_ASSIGN_OR_RETURN(record.tags, DecodeStringList(rows.Text(row, "tags_json")));
  record.retention_keep_last = rows.Int(row, "retention_keep_last");
  return record;
}

constexpr const char* kVersionColumns =
    "model_id, version, created_at_micros, algorithm, task, target, features_json, metrics_json, params_json, "
    "dataset_id, dataset_sha256, job_id, artifact_key, artifact_sha256, artifact_size_bytes, leaderboard_json, "
    "code_version, feature_importance_json, cleaning_report_json, evaluation_curves_json";

core::Result<VersionRecord> ReadVersion(const Rows& rows, int row) {
  VersionRecord record;
  record.model_id = rows.Text(row, "model_id");
  record.version = rows.Int(row, "version");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.algorithm = rows.Text(row, "algorithm");
  record.task = rows.Text(row, "task");
  record.target = rows.Text(row, "target");
  AMP_ASSIGN_OR_RETURN(record.features, DecodeFeatures(rows.Text(row, "features_json")));
  AMP_ASSIGN_OR_RETURN(record.metrics, DecodeNumberMap(rows.Text(row, "metrics_json")));
  AMP_ASSIGN_OR_RETURN(record.params, DecodeNumberMap(rows.Text(row, "params_json")));
  AMP_ASSIGN_OR_RETURN(record.feature_importance, DecodeFeatureImportance(rows.Text(row, "feature_importance_json")));
  record.dataset_id = rows.Text(row, "dataset_id");
  record.dataset_sha256 = rows.Text(row, "dataset_sha256");
  record.job_id = rows.Text(row, "job_id");
  record.artifact_key = rows.Text(row, "artifact_key");
  record.artifact_sha256 = rows.Text(row, "artifact_sha256");
  record.artifact_size_bytes = rows.Int(row, "artifact_size_bytes");
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(rows.Text(row, "leaderboard_json")));
  record.code_version = rows.Text(row, "code_version");
  record.cleaning_report_json = rows.Text(row, "cleaning_report_json");
  record.evaluation_curves_json = rows.Text(row, "evaluation_curves_json");
  return record;
}

AliasRecord ReadAlias(const Rows& rows, int row) {
  return AliasRecord{rows.Text(row, "model_id"), rows.Text(row, "alias"), rows.Int(row, "version"),
                     rows.Int(row, "updated_at_micros"), rows.Text(row, "updated_by")};
}

}  // namespace

// ---- Models. ----

core::Status PostgresMetadataStore::CreateModel(const ModelRecord& record) {
  const std::string sql = Sql({"INSERT INTO models (", kModelColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"});
  core::Status status = InTransaction([&](Session& session) {
    return session.Exec(sql.c_str(), Params()
                                         .Add(record.id)
                                         .Add(record.name)
                                         .Add(record.created_at_micros)
                                         .Add(record.description)
                                         .Add(record.is_public)
                                         .Add(record.owner)
                                         .Add(EncodeStringList(record.tags))
                                         .Add(record.retention_keep_last));
  });
  if (status.code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("a model named '" + record.name + "' already exists");
  }
  return status;
}

core::Result<ModelRecord> PostgresMetadataStore::GetModelById(std::string_view id) {
  const std::string sql = Sql({"SELECT ", kModelColumns, " FROM models WHERE id = $1"});
  return WithSession([&](Session& session) -> core::Result<ModelRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(id)));
    if (rows.empty()) return core::NotFound("model not found: " + std::string(id));
    return ReadModel(rows, 0);
  });
}

core::Result<ModelRecord> PostgresMetadataStore::GetModelByName(std::string_view name) {
  const std::string sql = Sql({"SELECT ", kModelColumns, " FROM models WHERE name = $1"});
  return WithSession([&](Session& session) -> core::Result<ModelRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(name)));
    if (rows.empty()) return core::NotFound("model not found: " + std::string(name));
    return ReadModel(rows, 0);
  });
}

core::Result<std::vector<ModelRecord>> PostgresMetadataStore::ListModels() {
  const std::string sql = Sql({"SELECT ", kModelColumns, " FROM models ORDER BY created_at_micros, id COLLATE \"C\""});
  return WithSession([&](Session& session) -> core::Result<std::vector<ModelRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str()));
    return CollectRows(rows, ReadModel);
  });
}

core::Status PostgresMetadataStore::UpdateModel(const ModelRecord& record) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("UPDATE models SET description = $2, owner = $3, tags_json = $4, "
                                                  "retention_keep_last = $5 WHERE id = $1",
                                                  Params()
                                                      .Add(record.id)
                                                      .Add(record.description)
                                                      .Add(record.owner)
                                                      .Add(EncodeStringList(record.tags))
                                                      .Add(record.retention_keep_last)));
    if (rows.affected() == 0) return core::NotFound("model not found: " + record.id);
    return core::Status::Ok();
  });
}

core::Status PostgresMetadataStore::DeleteModel(std::string_view model_id) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows model,
                         session.Query("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(model_id)));
    if (model.empty()) return core::NotFound("model not found: " + std::string(model_id));
    // Children first, so foreign keys hold at every step.
    for (const char* sql :
         {"DELETE FROM model_grants WHERE model_id = $1", "DELETE FROM model_aliases WHERE model_id = $1",
          "DELETE FROM model_alias_events WHERE model_id = $1", "DELETE FROM model_versions WHERE model_id = $1",
          "DELETE FROM models WHERE id = $1"}) {
      AMP_RETURN_IF_ERROR(session.Exec(sql, Params().Add(model_id)));
    }
    return core::Status::Ok();
  });
}

core::Status PostgresMetadataStore::SetModelPublic(std::string_view model_id, bool is_public) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("UPDATE models SET is_public = $2 WHERE id = $1",
                                                  Params().Add(model_id).Add(is_public)));
    if (rows.affected() == 0) return core::NotFound("model not found: " + std::string(model_id));
    return core::Status::Ok();
  });
}

// ---- Versions. ----

core::Result<int64_t> PostgresMetadataStore::AddVersion(const VersionRecord& record) {
  // Locking the model row serializes version numbering per model (READ COMMITTED alone would let two writers
  // compute the same next number). Deleted versions' numbers count, so a number is never reused.
  const std::string sql =
      Sql({"INSERT INTO model_versions (", kVersionColumns,
           ") VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM (SELECT version FROM model_versions"
           " WHERE model_id = $1 UNION ALL SELECT version FROM deleted_model_versions WHERE model_id = $1) AS taken),"
           " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING version"});
  return InTransaction([&](Session& session) -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(
        Rows model, session.Query("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(record.model_id)));
    if (model.empty()) return core::NotFound("cannot add a version to model " + record.model_id + ": no such model");
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params()
                                                        .Add(record.model_id)
                                                        .Add(record.created_at_micros)
                                                        .Add(record.algorithm)
                                                        .Add(record.task)
                                                        .Add(record.target)
                                                        .Add(EncodeFeatures(record.features))
                                                        .Add(EncodeNumberMap(record.metrics))
                                                        .Add(EncodeNumberMap(record.params))
                                                        .Add(record.dataset_id)
                                                        .Add(record.dataset_sha256)
                                                        .Add(record.job_id)
                                                        .Add(record.artifact_key)
                                                        .Add(record.artifact_sha256)
                                                        .Add(record.artifact_size_bytes)
                                                        .Add(EncodeLeaderboard(record.leaderboard))
                                                        .Add(record.code_version)
                                                        .Add(EncodeFeatureImportance(record.feature_importance))
                                                        .Add(record.cleaning_report_json)
                                                         .Add(record.evaluation_curves_json)));
    if (rows.empty()) return core::Internal("version insert returned no row");
    return rows.Int(0, "version");
  });
}

core::Result<VersionRecord> PostgresMetadataStore::GetVersion(std::string_view model_id, int64_t version) {
  const std::string sql =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 AND version = $2"});
  return WithSession([&](Session& session) -> core::Result<VersionRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(model_id).Add(version)));
    if (rows.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
    }
    return ReadVersion(rows, 0);
  });
}

core::Result<VersionRecord> PostgresMetadataStore::GetLatestVersion(std::string_view model_id) {
  const std::string sql =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 ORDER BY version DESC LIMIT 1"});
  return WithSession([&](Session& session) -> core::Result<VersionRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(model_id)));
    if (rows.empty()) return core::NotFound("model " + std::string(model_id) + " has no versions yet");
    return ReadVersion(rows, 0);
  });
}

core::Result<std::vector<VersionRecord>> PostgresMetadataStore::ListVersions(std::string_view model_id) {
  const std::string sql =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 ORDER BY version"});
  return WithSession([&](Session& session) -> core::Result<std::vector<VersionRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(model_id)));
    return CollectRows(rows, ReadVersion);
  });
}

core::Result<VersionRecord> PostgresMetadataStore::DeleteVersion(std::string_view model_id, int64_t version) {
  const std::string select =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 AND version = $2"});
  return InTransaction([&](Session& session) -> core::Result<VersionRecord> {
    // The model row lock orders this against SetAlias, so no alias can point here once the check passes.
    AMP_RETURN_IF_ERROR(session.Exec("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(model_id)));
    AMP_ASSIGN_OR_RETURN(Rows found, session.Query(select.c_str(), Params().Add(model_id).Add(version)));
    if (found.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
    }
    AMP_ASSIGN_OR_RETURN(VersionRecord record, ReadVersion(found, 0));
    AMP_ASSIGN_OR_RETURN(Rows aliased,
                         session.Query("SELECT alias FROM model_aliases WHERE model_id = $1 AND version = $2 "
                                       "ORDER BY alias COLLATE \"C\"",
                                       Params().Add(model_id).Add(version)));
    std::string aliases;
    for (int row = 0; row < aliased.size(); ++row) {
      aliases += (aliases.empty() ? "'" : ", '") + aliased.Text(row, "alias") + "'";
    }
    if (!aliases.empty()) {
      return core::FailedPrecondition("version " + std::to_string(version) + " is pointed to by alias " + aliases +
                                      "; move or delete the alias first");
    }
    AMP_RETURN_IF_ERROR(session.Exec("DELETE FROM model_versions WHERE model_id = $1 AND version = $2",
                                     Params().Add(model_id).Add(version)));
    AMP_RETURN_IF_ERROR(
        session.Exec("INSERT INTO deleted_model_versions (model_id, version) VALUES ($1, $2) "
                     "ON CONFLICT DO NOTHING",
                     Params().Add(model_id).Add(version)));
    return record;
  });
}

// ---- Aliases. ----

core::Result<int64_t> PostgresMetadataStore::SetAlias(const AliasRecord& alias) {
  return InTransaction([&](Session& session) -> core::Result<int64_t> {
    AMP_RETURN_IF_ERROR(session.Exec("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(alias.model_id)));
    AMP_ASSIGN_OR_RETURN(Rows exists, session.Query("SELECT 1 AS found FROM model_versions WHERE model_id = $1 AND "
                                                    "version = $2",
                                                    Params().Add(alias.model_id).Add(alias.version)));
    if (exists.empty()) {
      return core::NotFound("model " + alias.model_id + " has no version " + std::to_string(alias.version));
    }
    AMP_ASSIGN_OR_RETURN(Rows current, session.Query("SELECT version FROM model_aliases WHERE model_id = $1 AND "
                                                     "alias = $2",
                                                     Params().Add(alias.model_id).Add(alias.alias)));
    int64_t previous = current.empty() ? 0 : current.Int(0, "version");
    AMP_RETURN_IF_ERROR(session.Exec(
        "INSERT INTO model_aliases (model_id, alias, version, updated_at_micros, updated_by) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_id, alias) DO UPDATE SET "
        "version = excluded.version, updated_at_micros = excluded.updated_at_micros, updated_by = excluded.updated_by",
        Params()
            .Add(alias.model_id)
            .Add(alias.alias)
            .Add(alias.version)
            .Add(alias.updated_at_micros)
            .Add(alias.updated_by)));
    AMP_RETURN_IF_ERROR(
        session.Exec("INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                     "VALUES ($1, $2, $3, $4, $5, $6)",
                     Params()
                         .Add(alias.model_id)
                         .Add(alias.alias)
                         .Add(alias.version)
                         .Add(previous)
                         .Add(alias.updated_at_micros)
                         .Add(alias.updated_by)));
    return previous;
  });
}

core::Result<int64_t> PostgresMetadataStore::DeleteAlias(std::string_view model_id, std::string_view alias,
                                                         int64_t at_micros, std::string_view by) {
  return InTransaction([&](Session& session) -> core::Result<int64_t> {
    AMP_RETURN_IF_ERROR(session.Exec("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(model_id)));
    AMP_ASSIGN_OR_RETURN(Rows removed, session.Query("DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2 "
                                                     "RETURNING version",
                                                     Params().Add(model_id).Add(alias)));
    if (removed.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
    }
    int64_t previous = removed.Int(0, "version");
    AMP_RETURN_IF_ERROR(
        session.Exec("INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                     "VALUES ($1, $2, 0, $3, $4, $5)",
                     Params().Add(model_id).Add(alias).Add(previous).Add(at_micros).Add(by)));
    return previous;
  });
}

core::Result<AliasRecord> PostgresMetadataStore::GetAlias(std::string_view model_id, std::string_view alias) {
  return WithSession([&](Session& session) -> core::Result<AliasRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT model_id, alias, version, updated_at_micros, updated_by "
                                                  "FROM model_aliases WHERE model_id = $1 AND alias = $2",
                                                  Params().Add(model_id).Add(alias)));
    if (rows.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
    }
    return ReadAlias(rows, 0);
  });
}

core::Result<std::vector<AliasRecord>> PostgresMetadataStore::ListAliases(std::string_view model_id) {
  return WithSession([&](Session& session) -> core::Result<std::vector<AliasRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT model_id, alias, version, updated_at_micros, updated_by "
                                                  "FROM model_aliases WHERE model_id = $1 ORDER BY alias COLLATE \"C\"",
                                                  Params().Add(model_id)));
    return CollectRows(rows, ReadAlias);
  });
}

core::Result<std::vector<AliasEvent>> PostgresMetadataStore::ListAliasEvents(std::string_view model_id) {
  return WithSession([&](Session& session) -> core::Result<std::vector<AliasEvent>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT model_id, alias, version, previous_version, at_micros, by "
                                                  "FROM model_alias_events WHERE model_id = $1 ORDER BY seq",
                                                  Params().Add(model_id)));
    return CollectRows(rows, [](const Rows& rows, int row) {
      return AliasEvent{rows.Text(row, "model_id"),        rows.Text(row, "alias"),    rows.Int(row, "version"),
                        rows.Int(row, "previous_version"), rows.Int(row, "at_micros"), rows.Text(row, "by")};
    });
  });
}

}  // namespace amp::storage
