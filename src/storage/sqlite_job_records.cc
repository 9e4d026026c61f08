#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/record_codec.h"
#include "storage/sqlite_metadata_store.h"
#include "storage/sqlite_statement.h"

namespace amp::storage {
namespace {

constexpr const char* kJobColumns =
    "id, state, model_name, dataset_id, target, algorithm, features_json, params_json, created_at_micros, "
    "started_at_micros, finished_at_micros, error, progress, result_model_id, result_version, result_metrics_json, "
    "task, options_json, progress_json, leaderboard_json, callback_url, model_description, model_owner, "
    "model_tags_json, allow_personal_data_all, allow_personal_data_json, worker_id, lease_until_micros, attempts, "
    "cancel_requested";

core::Result<JobRecord> ReadJob(const Statement& stmt) {
  JobRecord record;
  record.id = stmt.Text(0);
  auto state = ParseJobState(stmt.Text(1));
  if (!state) return core::DataLoss("stored job has an unknown state: " + stmt.Text(1));
  record.state = *state;
  record.request.model_name = stmt.Text(2);
  record.request.dataset_id = stmt.Text(3);
  record.request.target = stmt.Text(4);
  record.request.algorithm = stmt.Text(5);
  AMP_ASSIGN_OR_RETURN(record.request.features, DecodeStringList(stmt.Text(6)));
  AMP_ASSIGN_OR_RETURN(record.request.params, DecodeNumberMap(stmt.Text(7)));
  record.created_at_micros = stmt.Int(8);
  record.started_at_micros = stmt.Int(9);
  record.finished_at_micros = stmt.Int(10);
  record.error = stmt.Text(11);
  record.progress = stmt.Text(12);
  record.result_model_id = stmt.Text(13);
  record.result_version = stmt.Int(14);
  AMP_ASSIGN_OR_RETURN(record.result_metrics, DecodeNumberMap(stmt.Text(15)));
  record.request.task = stmt.Text(16);
  AMP_RETURN_IF_ERROR(DecodeJobOptions(stmt.Text(17), &record));
  AMP_ASSIGN_OR_RETURN(record.progress_detail, DecodeJobProgress(stmt.Text(18)));
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(stmt.Text(19)));
  record.request.callback_url = stmt.Text(20);
  record.request.model_description = stmt.Text(21);
  record.request.model_owner = stmt.Text(22);
  if (std::string tags = stmt.Text(23); !tags.empty()) {
    AMP_ASSIGN_OR_RETURN(record.request.model_tags, DecodeStringList(tags));
  }
  record.request.allow_personal_data_all = stmt.Int(24) != 0;
  AMP_ASSIGN_OR_RETURN(record.request.allow_personal_data, DecodeStringList(stmt.Text(25)));
  record.worker_id = stmt.Text(26);
  record.lease_until_micros = stmt.Int(27);
  record.attempts = stmt.Int(28);
  record.cancel_requested = stmt.Int(29) != 0;
  return record;
}

// Binds every column of kJobColumns, in order, to ?1..?30.
void BindJob(Statement& stmt, const JobRecord& record) {
  stmt.Bind(1, record.id);
  stmt.Bind(2, JobStateName(record.state));
  stmt.Bind(3, record.request.model_name);
  stmt.Bind(4, record.request.dataset_id);
  stmt.Bind(5, record.request.target);
  stmt.Bind(6, record.request.algorithm);
  stmt.Bind(7, EncodeStringList(record.request.features));
  stmt.Bind(8, EncodeNumberMap(record.request.params));
  stmt.Bind(9, record.created_at_micros);
  stmt.Bind(10, record.started_at_micros);
  stmt.Bind(11, record.finished_at_micros);
  stmt.Bind(12, record.error);
  stmt.Bind(13, record.progress);
  stmt.Bind(14, record.result_model_id);
  stmt.Bind(15, record.result_version);
  stmt.Bind(16, EncodeNumberMap(record.result_metrics));
  stmt.Bind(17, record.request.task);
  stmt.Bind(18, EncodeJobOptions(record));
  stmt.Bind(19, EncodeJobProgress(record.progress_detail));
  stmt.Bind(20, EncodeLeaderboard(record.leaderboard));
  stmt.Bind(21, record.request.callback_url);
  stmt.Bind(22, record.request.model_description);
  stmt.Bind(23, record.request.model_owner);
  stmt.Bind(24, record.request.model_tags ? EncodeStringList(*record.request.model_tags) : std::string());
  stmt.Bind(25, static_cast<int64_t>(record.request.allow_personal_data_all ? 1 : 0));
  stmt.Bind(26, EncodeStringList(record.request.allow_personal_data));
  stmt.Bind(27, record.worker_id);
  stmt.Bind(28, record.lease_until_micros);
  stmt.Bind(29, record.attempts);
  stmt.Bind(30, int64_t{record.cancel_requested ? 1 : 0});
}

// The job columns a holder may rewrite (UpdateHeldJob): all but id and the queue's own (worker_id, lease,
// attempts, cancel_requested), as "column = ?N" with the numbers of BindJob.
std::string HeldJobAssignments() {
  std::string columns = kJobColumns;
  std::string assignments;
  int param = 0;
  size_t pos = 0;
  while (pos <= columns.size()) {
    size_t comma = columns.find(',', pos);
    if (comma == std::string::npos) comma = columns.size();
    std::string name = columns.substr(pos, comma - pos);
    name.erase(0, name.find_first_not_of(' '));
    ++param;
    pos = comma + 1;
    if (param == 1 || param > 26) continue;
    if (!assignments.empty()) assignments += ", ";
    assignments += name + " = ?" + std::to_string(param);
  }
  return assignments;
}

}  // namespace

core::Status SqliteMetadataStore::PutJob(const JobRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, (std::string("INSERT OR REPLACE INTO jobs (") + kJobColumns +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
                       " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)")
                          .c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  BindJob(stmt, record);
  return stmt.Run();
}

core::Status SqliteMetadataStore::AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "INSERT INTO job_logs (job_id, seq, at_micros, message) VALUES (?1, "
                 "(SELECT COALESCE(MAX(seq), 0) + 1 FROM job_logs WHERE job_id = ?1), ?2, ?3)");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, job_id);
  stmt.Bind(2, at_micros);
  stmt.Bind(3, message);
  return stmt.Run();
}

core::Result<std::vector<JobLogLine>> SqliteMetadataStore::ListJobLogs(std::string_view job_id, int64_t after_seq,
                                                                       int limit) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT seq, at_micros, message FROM job_logs WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, job_id);
  stmt.Bind(2, after_seq);
  stmt.Bind(3, static_cast<int64_t>(limit));
  std::vector<JobLogLine> lines;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    lines.push_back(JobLogLine{stmt.Int(0), stmt.Int(1), stmt.Text(2)});
  }
  return lines;
}

core::Result<JobRecord> SqliteMetadataStore::GetJob(std::string_view id) {
  core::MutexLock lock(mu_);
  return GetJobLocked(id);
}

core::Result<JobRecord> SqliteMetadataStore::GetJobLocked(std::string_view id) {
  Statement stmt(db_, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, id);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("job not found: " + std::string(id));
  return ReadJob(stmt);
}

core::Result<std::vector<JobRecord>> SqliteMetadataStore::ListJobs(int limit) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_,
      (std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY created_at_micros DESC, id DESC LIMIT ?1").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, static_cast<int64_t>(limit));
  std::vector<JobRecord> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    AMP_ASSIGN_OR_RETURN(JobRecord record, ReadJob(stmt));
    records.push_back(std::move(record));
  }
  return records;
}

core::Result<JobRecord> SqliteMetadataStore::ClaimJob(std::string_view worker_id, int64_t now_micros,
                                                      int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  // BEGIN IMMEDIATE takes the write lock first, so two claimers (threads or processes) serialize here and the
  // second sees the first's claim.
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<JobRecord> {
    std::string id;
    {
      Statement oldest(db_, "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at_micros, id LIMIT 1");
      AMP_RETURN_IF_ERROR(oldest.prepare_status());
      AMP_ASSIGN_OR_RETURN(bool has_row, oldest.Step());
      if (!has_row) return core::NotFound("no queued job");
      id = oldest.Text(0);
    }
    Statement claim(db_,
                    "UPDATE jobs SET state = 'running', worker_id = ?2, lease_until_micros = ?3, "
                    "started_at_micros = CASE WHEN started_at_micros = 0 THEN ?4 ELSE started_at_micros END, "
                    "attempts = attempts + 1 WHERE id = ?1");
    AMP_RETURN_IF_ERROR(claim.prepare_status());
    claim.Bind(1, id);
    claim.Bind(2, worker_id);
    claim.Bind(3, lease_until_micros);
    claim.Bind(4, now_micros);
    AMP_RETURN_IF_ERROR(claim.Run());
    return GetJobLocked(id);
  });
}

core::Result<JobRecord> SqliteMetadataStore::RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                                           int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<JobRecord> {
    Statement renew(db_,
                    "UPDATE jobs SET lease_until_micros = ?3 WHERE id = ?1 AND state = 'running' AND worker_id = ?2");
    AMP_RETURN_IF_ERROR(renew.prepare_status());
    renew.Bind(1, job_id);
    renew.Bind(2, worker_id);
    renew.Bind(3, lease_until_micros);
    AMP_RETURN_IF_ERROR(renew.Run());
    bool renewed = sqlite3_changes(db_) > 0;
    AMP_ASSIGN_OR_RETURN(JobRecord record, GetJobLocked(job_id));
    if (!renewed) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds job " +
                                      std::string(job_id) + " (" + std::string(JobStateName(record.state)) +
                                      (record.worker_id.empty() ? "" : ", held by " + record.worker_id) + ")");
    }
    return record;
  });
}

core::Status SqliteMetadataStore::UpdateHeldJob(const JobRecord& record) {
  static const std::string kSql =
      "UPDATE jobs SET " + HeldJobAssignments() + " WHERE id = ?1 AND state = 'running' AND worker_id = ?27";
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Status {
    Statement update(db_, kSql.c_str());
    AMP_RETURN_IF_ERROR(update.prepare_status());
    BindJob(update, record);
    AMP_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db_) > 0) return core::Status::Ok();
    AMP_ASSIGN_OR_RETURN(JobRecord stored, GetJobLocked(record.id));
    return core::FailedPrecondition("worker " + record.worker_id + " no longer holds job " + record.id + " (" +
                                    std::string(JobStateName(stored.state)) +
                                    (stored.worker_id.empty() ? "" : ", held by " + stored.worker_id) + ")");
  });
}

core::Result<ExpiredJobs> SqliteMetadataStore::RequeueExpiredJobs(int64_t now_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<ExpiredJobs> {
    // A running job one of whose taken ranks stopped renewing has a broken collective: it counts as expired.
    Statement broken(db_,
                     "UPDATE jobs SET lease_until_micros = 0 WHERE state = 'running' AND worker_id != '' AND id IN "
                     "(SELECT job_id FROM job_ranks WHERE worker_id != '' AND lease_until_micros < ?1)");
    AMP_RETURN_IF_ERROR(broken.prepare_status());
    broken.Bind(1, now_micros);
    AMP_RETURN_IF_ERROR(broken.Run());
    // A job whose cancellation was asked for is not run again: it ends as cancelled instead.
    Statement cancel(db_,
                     "UPDATE jobs SET state = 'cancelled', finished_at_micros = ?1, "
                     "error = 'cancelled; its worker stopped renewing its lease' WHERE state = 'running' AND worker_id "
                     "!= '' AND lease_until_micros < ?1 AND cancel_requested != 0 RETURNING id");
    AMP_RETURN_IF_ERROR(cancel.prepare_status());
    cancel.Bind(1, now_micros);
    ExpiredJobs expired;
    while (true) {
      AMP_ASSIGN_OR_RETURN(bool has_row, cancel.Step());
      if (!has_row) break;
      expired.cancelled.push_back(cancel.Text(0));
    }
    Statement requeue(db_,
                      "UPDATE jobs SET state = 'queued', worker_id = '', lease_until_micros = 0 "
                      "WHERE state = 'running' AND worker_id != '' AND lease_until_micros < ?1 RETURNING id");
    AMP_RETURN_IF_ERROR(requeue.prepare_status());
    requeue.Bind(1, now_micros);
    while (true) {
      AMP_ASSIGN_OR_RETURN(bool has_row, requeue.Step());
      if (!has_row) break;
      expired.requeued.push_back(requeue.Text(0));
    }
    // Requeued or ended jobs keep no ranks: their holders' renewals fail, and a new attempt offers fresh ones.
    AMP_RETURN_IF_ERROR(
        Exec("DELETE FROM job_ranks WHERE job_id IN (SELECT id FROM jobs WHERE state != 'running' OR worker_id = '')"));
    std::sort(expired.requeued.begin(), expired.requeued.end());
    std::sort(expired.cancelled.begin(), expired.cancelled.end());
    return expired;
  });
}

core::Result<JobRecord> SqliteMetadataStore::RequestJobCancel(std::string_view job_id, int64_t now_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(JobRecord record, GetJobLocked(job_id));
    if (IsTerminal(record.state)) {
      return core::FailedPrecondition("job " + record.id + " already ended (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    Statement update(db_, record.state == JobState::kQueued
                              ? "UPDATE jobs SET state = 'cancelled', finished_at_micros = ?2 WHERE id = ?1"
                              : "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1");
    AMP_RETURN_IF_ERROR(update.prepare_status());
    update.Bind(1, job_id);
    if (record.state == JobState::kQueued) update.Bind(2, now_micros);
    AMP_RETURN_IF_ERROR(update.Run());
    return GetJobLocked(job_id);
  });
}

namespace {

constexpr const char* kRankColumns = "job_id, rank, worker_id, lease_until_micros, tracker";

JobRankRecord ReadRank(const Statement& stmt) {
  JobRankRecord rank;
  rank.job_id = stmt.Text(0);
  rank.rank = static_cast<int>(stmt.Int(1));
  rank.worker_id = stmt.Text(2);
  rank.lease_until_micros = stmt.Int(3);
  rank.tracker = stmt.Text(4);
  return rank;
}

}  // namespace

core::Status SqliteMetadataStore::OfferJobRanks(std::string_view job_id, std::string_view worker_id, int workers,
                                                std::string_view tracker) {
  if (workers < 2) return core::InvalidArgument("a job trained by several workers has at least 2");
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Status {
    AMP_ASSIGN_OR_RETURN(JobRecord job, GetJobLocked(job_id));
    if (job.state != JobState::kRunning || job.worker_id != worker_id) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds job " + job.id + " (" +
                                      std::string(JobStateName(job.state)) +
                                      (job.worker_id.empty() ? "" : ", held by " + job.worker_id) + ")");
    }
    Statement clear(db_, "DELETE FROM job_ranks WHERE job_id = ?1");
    AMP_RETURN_IF_ERROR(clear.prepare_status());
    clear.Bind(1, job_id);
    AMP_RETURN_IF_ERROR(clear.Run());
    for (int rank = 1; rank < workers; ++rank) {
      Statement offer(db_,
                      "INSERT INTO job_ranks (job_id, rank, worker_id, lease_until_micros, tracker) "
                      "VALUES (?1, ?2, '', 0, ?3)");
      AMP_RETURN_IF_ERROR(offer.prepare_status());
      offer.Bind(1, job_id);
      offer.Bind(2, static_cast<int64_t>(rank));
      offer.Bind(3, tracker);
      AMP_RETURN_IF_ERROR(offer.Run());
    }
    return core::Status::Ok();
  });
}

core::Result<JobRankRecord> SqliteMetadataStore::ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                                              int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<JobRankRecord> {
    std::string job_id;
    int64_t rank = 0;
    {
      Statement free(db_,
                     "SELECT r.job_id, r.rank FROM job_ranks r JOIN jobs j ON j.id = r.job_id "
                     "WHERE r.worker_id = '' AND j.state = 'running' AND j.worker_id != '' AND j.worker_id != ?1 "
                     "AND j.cancel_requested = 0 AND j.lease_until_micros >= ?2 AND NOT EXISTS "
                     "(SELECT 1 FROM job_ranks o WHERE o.job_id = r.job_id AND o.worker_id = ?1) "
                     "ORDER BY j.created_at_micros, j.id, r.rank LIMIT 1");
      AMP_RETURN_IF_ERROR(free.prepare_status());
      free.Bind(1, worker_id);
      free.Bind(2, now_micros);
      AMP_ASSIGN_OR_RETURN(bool has_row, free.Step());
      if (!has_row) return core::NotFound("no job rank is free");
      job_id = free.Text(0);
      rank = free.Int(1);
    }
    Statement take(db_, (std::string("UPDATE job_ranks SET worker_id = ?3, lease_until_micros = ?4 WHERE job_id = ?1 "
                                     "AND rank = ?2 RETURNING ") +
                         kRankColumns)
                            .c_str());
    AMP_RETURN_IF_ERROR(take.prepare_status());
    take.Bind(1, job_id);
    take.Bind(2, rank);
    take.Bind(3, worker_id);
    take.Bind(4, lease_until_micros);
    AMP_ASSIGN_OR_RETURN(bool has_row, take.Step());
    if (!has_row) return core::Internal("the free rank vanished");
    JobRankRecord taken = ReadRank(take);
    AMP_ASSIGN_OR_RETURN(bool more, take.Step());
    (void)more;
    return taken;
  });
}

core::Result<JobRecord> SqliteMetadataStore::RenewRankLease(std::string_view job_id, int rank,
                                                            std::string_view worker_id, int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() AMP_REQUIRES(mu_) -> core::Result<JobRecord> {
    Statement renew(db_,
                    "UPDATE job_ranks SET lease_until_micros = ?4 WHERE job_id = ?1 AND rank = ?2 AND worker_id = ?3 "
                    "AND EXISTS (SELECT 1 FROM jobs WHERE id = ?1 AND state = 'running')");
    AMP_RETURN_IF_ERROR(renew.prepare_status());
    renew.Bind(1, job_id);
    renew.Bind(2, static_cast<int64_t>(rank));
    renew.Bind(3, worker_id);
    renew.Bind(4, lease_until_micros);
    AMP_RETURN_IF_ERROR(renew.Run());
    const bool renewed = sqlite3_changes(db_) > 0;
    AMP_ASSIGN_OR_RETURN(JobRecord record, GetJobLocked(job_id));
    if (!renewed) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds rank " +
                                      std::to_string(rank) + " of job " + std::string(job_id) + " (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    return record;
  });
}

core::Result<std::vector<JobRankRecord>> SqliteMetadataStore::ListJobRanks(std::string_view job_id) {
  core::MutexLock lock(mu_);
  const std::string sql = std::string("SELECT ") + kRankColumns + " FROM job_ranks WHERE job_id = ?1 ORDER BY rank";
  Statement stmt(db_, sql.c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, job_id);
  return CollectRows(stmt, ReadRank);
}

}  // namespace amp::storage
