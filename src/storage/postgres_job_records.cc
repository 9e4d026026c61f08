#include <algorithm>
#include <string>
#include <vector>

#include "storage/postgres_metadata_store.h"
#include "storage/postgres_session.h"
#include "storage/record_codec.h"

namespace amp::storage {
namespace {

// The job columns in the order of JobParams ($1..$30).
constexpr const char* kJobColumns =
    "id, state, model_name, dataset_id, target, algorithm, features_json, params_json, created_at_micros, "
    "started_at_micros, finished_at_micros, error, progress, result_model_id, result_version, result_metrics_json, "
    "task, options_json, progress_json, leaderboard_json, callback_url, model_description, model_owner, "
    "model_tags_json, allow_personal_data_all, allow_personal_data_json, worker_id, lease_until_micros, attempts, "
    "cancel_requested";
constexpr const char* kJobValues =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, "
    "$25, $26, $27, $28, $29, $30";
// What a holder may rewrite (UpdateHeldJob): everything but the id and the queue's own fields ($27..$30).
constexpr const char* kHeldJobAssignments =
    "state = $2, model_name = $3, dataset_id = $4, target = $5, algorithm = $6, features_json = $7, "
    "params_json = $8, created_at_micros = $9, started_at_micros = $10, finished_at_micros = $11, error = $12, "
    "progress = $13, result_model_id = $14, result_version = $15, result_metrics_json = $16, task = $17, "
    "options_json = $18, progress_json = $19, leaderboard_json = $20, callback_url = $21, model_description = $22, "
    "model_owner = $23, model_tags_json = $24, allow_personal_data_all = $25, allow_personal_data_json = $26";

// $1..$30 in kJobColumns order; with `queue_fields` false only $1..$27 (up to worker_id), for UpdateHeldJob.
Params JobParams(const JobRecord& record, bool queue_fields = true) {
  Params params;
  params.Add(record.id)
      .Add(JobStateName(record.state))
      .Add(record.request.model_name)
      .Add(record.request.dataset_id)
      .Add(record.request.target)
      .Add(record.request.algorithm)
      .Add(EncodeStringList(record.request.features))
      .Add(EncodeNumberMap(record.request.params))
      .Add(record.created_at_micros)
      .Add(record.started_at_micros)
      .Add(record.finished_at_micros)
      .Add(record.error)
      .Add(record.progress)
      .Add(record.result_model_id)
      .Add(record.result_version)
      .Add(EncodeNumberMap(record.result_metrics))
      .Add(record.request.task)
      .Add(EncodeJobOptions(record))
      .Add(EncodeJobProgress(record.progress_detail))
      .Add(EncodeLeaderboard(record.leaderboard))
      .Add(record.request.callback_url)
      .Add(record.request.model_description)
      .Add(record.request.model_owner)
      .Add(record.request.model_tags ? EncodeStringList(*record.request.model_tags) : std::string())
      .Add(record.request.allow_personal_data_all)
      .Add(EncodeStringList(record.request.allow_personal_data))
      .Add(record.worker_id);
  if (queue_fields) params.Add(record.lease_until_micros).Add(record.attempts).Add(record.cancel_requested);
  return params;
}

core::Result<JobRecord> ReadJob(const Rows& rows, int row) {
  JobRecord record;
  record.id = rows.Text(row, "id");
  std::string state_name = rows.Text(row, "state");
  auto state = ParseJobState(state_name);
  if (!state) return core::DataLoss("stored job has an unknown state: " + state_name);
  record.state = *state;
  record.request.model_name = rows.Text(row, "model_name");
  record.request.dataset_id = rows.Text(row, "dataset_id");
  record.request.target = rows.Text(row, "target");
  record.request.algorithm = rows.Text(row, "algorithm");
  AMP_ASSIGN_OR_RETURN(record.request.features, DecodeStringList(rows.Text(row, "features_json")));
  AMP_ASSIGN_OR_RETURN(record.request.params, DecodeNumberMap(rows.Text(row, "params_json")));
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.started_at_micros = rows.Int(row, "started_at_micros");
  record.finished_at_micros = rows.Int(row, "finished_at_micros");
  record.error = rows.Text(row, "error");
  record.progress = rows.Text(row, "progress");
  record.result_model_id = rows.Text(row, "result_model_id");
  record.result_version = rows.Int(row, "result_version");
  AMP_ASSIGN_OR_RETURN(record.result_metrics, DecodeNumberMap(rows.Text(row, "result_metrics_json")));
  record.request.task = rows.Text(row, "task");
  AMP_RETURN_IF_ERROR(DecodeJobOptions(rows.Text(row, "options_json"), &record));
  AMP_ASSIGN_OR_RETURN(record.progress_detail, DecodeJobProgress(rows.Text(row, "progress_json")));
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(rows.Text(row, "leaderboard_json")));
  record.request.callback_url = rows.Text(row, "callback_url");
  record.request.model_description = rows.Text(row, "model_description");
  record.request.model_owner = rows.Text(row, "model_owner");
  if (std::string tags = rows.Text(row, "model_tags_json"); !tags.empty()) {
    AMP_ASSIGN_OR_RETURN(record.request.model_tags, DecodeStringList(tags));
  }
  record.request.allow_personal_data_all = rows.Bool(row, "allow_personal_data_all");
  AMP_ASSIGN_OR_RETURN(record.request.allow_personal_data,
                       DecodeStringList(rows.Text(row, "allow_personal_data_json")));
  record.worker_id = rows.Text(row, "worker_id");
  record.lease_until_micros = rows.Int(row, "lease_until_micros");
  record.attempts = rows.Int(row, "attempts");
  record.cancel_requested = rows.Bool(row, "cancel_requested");
  return record;
}

}  // namespace

// ---- Jobs. ----

core::Status PostgresMetadataStore::PutJob(const JobRecord& record) {
  static const std::string sql = [] {
    std::string assignments = kHeldJobAssignments;
    assignments += ", worker_id = $27, lease_until_micros = $28, attempts = $29, cancel_requested = $30";
    return Sql({"INSERT INTO jobs (", kJobColumns, ") VALUES (", kJobValues, ") ON CONFLICT (id) DO UPDATE SET ",
                assignments});
  }();
  return InTransaction([&](Session& session) { return session.Exec(sql.c_str(), JobParams(record)); });
}

core::Result<JobRecord> PostgresMetadataStore::GetJob(std::string_view id) {
  const std::string sql = Sql({"SELECT ", kJobColumns, " FROM jobs WHERE id = $1"});
  return WithSession([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(id)));
    if (rows.empty()) return core::NotFound("job not found: " + std::string(id));
    return ReadJob(rows, 0);
  });
}

core::Result<std::vector<JobRecord>> PostgresMetadataStore::ListJobs(int limit) {
  const std::string sql =
      Sql({"SELECT ", kJobColumns, " FROM jobs ORDER BY created_at_micros DESC, id COLLATE \"C\" DESC LIMIT $1"});
  return WithSession([&](Session& session) -> core::Result<std::vector<JobRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(SqlLimit(limit))));
    return CollectRows(rows, ReadJob);
  });
}

core::Status PostgresMetadataStore::AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) {
  return InTransaction([&](Session& session) -> core::Status {
    // Numbering is MAX + 1 per job: concurrent appends to one job take turns on a lock named after it.
    AMP_RETURN_IF_ERROR(
        session.Exec("SELECT pg_advisory_xact_lock(hashtext('amp_job_logs:' || $1::text))", Params().Add(job_id)));
    return session.Exec(
        "INSERT INTO job_logs (job_id, seq, at_micros, message) VALUES ($1, "
        "(SELECT COALESCE(MAX(seq), 0) + 1 FROM job_logs WHERE job_id = $1), $2, $3)",
        Params().Add(job_id).Add(at_micros).Add(message));
  });
}

core::Result<std::vector<JobLogLine>> PostgresMetadataStore::ListJobLogs(std::string_view job_id, int64_t after_seq,
                                                                         int limit) {
  return WithSession([&](Session& session) -> core::Result<std::vector<JobLogLine>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT seq, at_micros, message FROM job_logs WHERE job_id = $1 "
                                                  "AND seq > $2 ORDER BY seq LIMIT $3",
                                                  Params().Add(job_id).Add(after_seq).Add(SqlLimit(limit))));
    return CollectRows(rows, [](const Rows& rows, int row) {
      return JobLogLine{rows.Int(row, "seq"), rows.Int(row, "at_micros"), rows.Text(row, "message")};
    });
  });
}

namespace {

core::Status NotHeld(std::string_view job_id, std::string_view worker_id, const Rows& stored) {
  if (stored.empty()) return core::NotFound("job not found: " + std::string(job_id));
  std::string holder = stored.Text(0, "worker_id");
  return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds job " + std::string(job_id) +
                                  " (" + stored.Text(0, "state") + (holder.empty() ? "" : ", held by " + holder) + ")");
}

}  // namespace

core::Result<JobRecord> PostgresMetadataStore::ClaimJob(std::string_view worker_id, int64_t now_micros,
                                                        int64_t lease_until_micros) {
  // One statement: the subquery locks the oldest queued job that no other claimer has locked (SKIP LOCKED), so
  // concurrent claimers each take a different job without waiting for each other.
  const std::string sql =
      Sql({"UPDATE jobs SET state = 'running', worker_id = $1, lease_until_micros = $3, "
           "started_at_micros = CASE WHEN started_at_micros = 0 THEN $2::bigint ELSE started_at_micros END, "
           "attempts = attempts + 1 WHERE id = (SELECT id FROM jobs WHERE state = 'queued' "
           "ORDER BY created_at_micros, id COLLATE \"C\" LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ",
           kJobColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params().Add(worker_id).Add(now_micros).Add(lease_until_micros)));
    if (rows.empty()) return core::NotFound("no queued job");
    return ReadJob(rows, 0);
  });
}

core::Result<JobRecord> PostgresMetadataStore::RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                                             int64_t lease_until_micros) {
  const std::string sql =
      Sql({"UPDATE jobs SET lease_until_micros = $3 WHERE id = $1 AND state = 'running' AND "
           "worker_id = $2 RETURNING ",
           kJobColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params().Add(job_id).Add(worker_id).Add(lease_until_micros)));
    if (!rows.empty()) return ReadJob(rows, 0);
    AMP_ASSIGN_OR_RETURN(Rows stored,
                         session.Query("SELECT state, worker_id FROM jobs WHERE id = $1", Params().Add(job_id)));
    return NotHeld(job_id, worker_id, stored);
  });
}

core::Status PostgresMetadataStore::UpdateHeldJob(const JobRecord& record) {
  const std::string sql =
      Sql({"UPDATE jobs SET ", kHeldJobAssignments, " WHERE id = $1 AND state = 'running' AND worker_id = $27"});
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), JobParams(record, /*queue_fields=*/false)));
    if (rows.affected() > 0) return core::Status::Ok();
    AMP_ASSIGN_OR_RETURN(Rows stored,
                         session.Query("SELECT state, worker_id FROM jobs WHERE id = $1", Params().Add(record.id)));
    return NotHeld(record.id, record.worker_id, stored);
  });
}

core::Result<ExpiredJobs> PostgresMetadataStore::RequeueExpiredJobs(int64_t now_micros) {
  return InTransaction([&](Session& session) -> core::Result<ExpiredJobs> {
    // A running job one of whose taken ranks stopped renewing has a broken collective: it counts as expired.
    AMP_RETURN_IF_ERROR(session.Exec(
        "UPDATE jobs SET lease_until_micros = 0 WHERE state = 'running' AND worker_id <> '' AND id IN "
        "(SELECT job_id FROM job_ranks WHERE worker_id <> '' AND lease_until_micros < $1)",
        Params().Add(now_micros)));
    // A job whose cancellation was asked for is not run again: it ends as cancelled instead.
    AMP_ASSIGN_OR_RETURN(
        Rows cancelled,
        session.Query("UPDATE jobs SET state = 'cancelled', finished_at_micros = $1, "
                      "error = 'cancelled; its worker stopped renewing its lease' WHERE state = 'running' AND "
                      "worker_id <> '' AND lease_until_micros < $1 AND cancel_requested RETURNING id",
                      Params().Add(now_micros)));
    ExpiredJobs expired;
    for (int row = 0; row < cancelled.size(); ++row) expired.cancelled.push_back(cancelled.Text(row, "id"));
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("UPDATE jobs SET state = 'queued', worker_id = '', "
                                                  "lease_until_micros = 0 WHERE state = 'running' AND worker_id <> '' "
                                                  "AND lease_until_micros < $1 RETURNING id",
                                                  Params().Add(now_micros)));
    for (int row = 0; row < rows.size(); ++row) expired.requeued.push_back(rows.Text(row, "id"));
    // Requeued or ended jobs keep no ranks: their holders' renewals fail, and a new attempt offers fresh ones.
    AMP_RETURN_IF_ERROR(session.Exec(
        "DELETE FROM job_ranks WHERE job_id IN (SELECT id FROM jobs WHERE state <> 'running' OR worker_id = '')"));
    std::sort(expired.requeued.begin(), expired.requeued.end());
    std::sort(expired.cancelled.begin(), expired.cancelled.end());
    return expired;
  });
}

core::Result<JobRecord> PostgresMetadataStore::RequestJobCancel(std::string_view job_id, int64_t now_micros) {
  const std::string select = Sql({"SELECT ", kJobColumns, " FROM jobs WHERE id = $1 FOR UPDATE"});
  const std::string cancel_queued =
      Sql({"UPDATE jobs SET state = 'cancelled', finished_at_micros = $2 WHERE id = $1 RETURNING ", kJobColumns});
  const std::string flag_running =
      Sql({"UPDATE jobs SET cancel_requested = TRUE WHERE id = $1 RETURNING ", kJobColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows stored, session.Query(select.c_str(), Params().Add(job_id)));
    if (stored.empty()) return core::NotFound("job not found: " + std::string(job_id));
    AMP_ASSIGN_OR_RETURN(JobRecord record, ReadJob(stored, 0));
    if (IsTerminal(record.state)) {
      return core::FailedPrecondition("job " + record.id + " already ended (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    bool queued = record.state == JobState::kQueued;
    Params params;
    params.Add(job_id);
    if (queued) params.Add(now_micros);
    AMP_ASSIGN_OR_RETURN(Rows updated, session.Query((queued ? cancel_queued : flag_running).c_str(), params));
    return ReadJob(updated, 0);
  });
}

// ---- Jobs trained by several workers (one XGBoost rank each). ----

namespace {

constexpr const char* kRankColumns = "job_id, rank, worker_id, lease_until_micros, tracker";

JobRankRecord ReadRank(const Rows& rows, int row) {
  JobRankRecord rank;
  rank.job_id = rows.Text(row, "job_id");
  rank.rank = static_cast<int>(rows.Int(row, "rank"));
  rank.worker_id = rows.Text(row, "worker_id");
  rank.lease_until_micros = rows.Int(row, "lease_until_micros");
  rank.tracker = rows.Text(row, "tracker");
  return rank;
}

}  // namespace

core::Status PostgresMetadataStore::OfferJobRanks(std::string_view job_id, std::string_view worker_id, int workers,
                                                  std::string_view tracker) {
  if (workers < 2) return core::InvalidArgument("a job trained by several workers has at least 2");
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows stored, session.Query("SELECT state, worker_id FROM jobs WHERE id = $1 FOR UPDATE",
                                                    Params().Add(job_id)));
    if (stored.empty() || stored.Text(0, "state") != "running" || stored.Text(0, "worker_id") != worker_id) {
      return NotHeld(job_id, worker_id, stored);
    }
    AMP_RETURN_IF_ERROR(session.Exec("DELETE FROM job_ranks WHERE job_id = $1", Params().Add(job_id)));
    return session.Exec(
        "INSERT INTO job_ranks (job_id, rank, worker_id, lease_until_micros, tracker) "
        "SELECT $1, g, '', 0, $2 FROM generate_series(1, $3::integer - 1) AS g",
        Params().Add(job_id).Add(tracker).Add(workers));
  });
}

core::Result<JobRankRecord> PostgresMetadataStore::ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                                                int64_t lease_until_micros) {
  // The subquery locks the first free rank no other claimer has locked (SKIP LOCKED), as ClaimJob does.
  const std::string sql =
      Sql({"UPDATE job_ranks SET worker_id = $1, lease_until_micros = $3 WHERE (job_id, rank) = "
           "(SELECT r.job_id, r.rank FROM job_ranks r JOIN jobs j ON j.id = r.job_id "
           "WHERE r.worker_id = '' AND j.state = 'running' AND j.worker_id <> '' AND j.worker_id <> $1 "
           "AND NOT j.cancel_requested AND j.lease_until_micros >= $2 AND NOT EXISTS "
           "(SELECT 1 FROM job_ranks o WHERE o.job_id = r.job_id AND o.worker_id = $1) "
           "ORDER BY j.created_at_micros, j.id COLLATE \"C\", r.rank LIMIT 1 FOR UPDATE OF r SKIP LOCKED) RETURNING ",
           kRankColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRankRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params().Add(worker_id).Add(now_micros).Add(lease_until_micros)));
    if (rows.empty()) return core::NotFound("no job rank is free");
    return ReadRank(rows, 0);
  });
}

core::Result<JobRecord> PostgresMetadataStore::RenewRankLease(std::string_view job_id, int rank,
                                                              std::string_view worker_id, int64_t lease_until_micros) {
  const std::string select = Sql({"SELECT ", kJobColumns, " FROM jobs WHERE id = $1"});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(
        Rows renewed,
        session.Query("UPDATE job_ranks SET lease_until_micros = $4 WHERE job_id = $1 AND rank = $2 AND worker_id = $3 "
                      "AND EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND state = 'running')",
                      Params().Add(job_id).Add(rank).Add(worker_id).Add(lease_until_micros)));
    AMP_ASSIGN_OR_RETURN(Rows stored, session.Query(select.c_str(), Params().Add(job_id)));
    if (stored.empty()) return core::NotFound("job not found: " + std::string(job_id));
    AMP_ASSIGN_OR_RETURN(JobRecord record, ReadJob(stored, 0));
    if (renewed.affected() == 0) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds rank " +
                                      std::to_string(rank) + " of job " + std::string(job_id) + " (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    return record;
  });
}

core::Result<std::vector<JobRankRecord>> PostgresMetadataStore::ListJobRanks(std::string_view job_id) {
  const std::string sql = Sql({"SELECT ", kRankColumns, " FROM job_ranks WHERE job_id = $1 ORDER BY rank"});
  return WithSession([&](Session& session) -> core::Result<std::vector<JobRankRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(job_id)));
    return CollectRows(rows, ReadRank);
  });
}

}  // namespace amp::storage
