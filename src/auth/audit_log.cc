#include "auth/audit_log.h"

#include "storage/sha256.h"

namespace amp::auth {
namespace {

constexpr int kPageSize = 1000;

void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

}  // namespace

std::string AuditRecordHash(const storage::AuditRecord& record) {
  std::string text;
  AppendField(text, std::to_string(record.seq));
  AppendField(text, std::to_string(record.at_micros));
  AppendField(text, record.actor);
  AppendField(text, record.action);
  AppendField(text, record.resource);
  AppendField(text, record.remote_address);
  AppendField(text, record.outcome);
  AppendField(text, record.previous_sha256);
  return storage::Sha256Hex(text);
}

core::Status VerifyAuditChain(const std::vector<storage::AuditRecord>& records, std::string_view previous_sha256,
                              int64_t previous_seq) {
  std::string expected_previous(previous_sha256);
  int64_t expected_seq = previous_seq + 1;
  for (const storage::AuditRecord& record : records) {
    const std::string at = "audit record " + std::to_string(record.seq);
    if (record.seq != expected_seq) {
      return core::DataLoss("audit record " + std::to_string(expected_seq) + " is missing (found " +
                            std::to_string(record.seq) + " next)");
    }
    if (record.previous_sha256 != expected_previous) {
      return core::DataLoss(at + " does not chain to the record before it");
    }
    if (record.sha256 != AuditRecordHash(record)) return core::DataLoss(at + " was altered: its hash does not match");
    expected_previous = record.sha256;
    ++expected_seq;
  }
  return core::Status::Ok();
}

core::Result<int64_t> VerifyStoredAuditLog(storage::MetadataStore& store) {
  std::string previous(kAuditGenesis);
  int64_t seq = 0;
  while (true) {
    AMP_ASSIGN_OR_RETURN(std::vector<storage::AuditRecord> page, store.ListAudit(seq, kPageSize));
    if (page.empty()) return seq;
    AMP_RETURN_IF_ERROR(VerifyAuditChain(page, previous, seq));
    previous = page.back().sha256;
    seq = page.back().seq;
  }
}

core::Status AuditLog::Load() {
  core::MutexLock lock(mu_);
  return CatchUp();
}

core::Status AuditLog::CatchUp() {
  while (true) {
    AMP_ASSIGN_OR_RETURN(std::vector<storage::AuditRecord> page, store_.ListAudit(last_seq_, kPageSize));
    if (page.empty()) return core::Status::Ok();
    last_seq_ = page.back().seq;
    last_sha256_ = page.back().sha256;
  }
}

core::Status AuditLog::Append(std::string_view actor, std::string_view action, std::string_view resource,
                              std::string_view remote_address, std::string_view outcome) {
  core::MutexLock lock(mu_);
  // Replicas sharing one store append to one chain: a taken seq means another process appended first, so read the
  // chain's new end and link to it. The store's unique seq is what keeps two writers from forking the chain.
  constexpr int kAttempts = 64;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    storage::AuditRecord record{last_seq_ + 1,        clock_.NowMicros(),    std::string(actor),
                                std::string(action),  std::string(resource), std::string(remote_address),
                                std::string(outcome), last_sha256_,          ""};
    record.sha256 = AuditRecordHash(record);
    core::Status appended = store_.AppendAudit(record);
    if (appended.ok()) {
      last_seq_ = record.seq;
      last_sha256_ = record.sha256;
      return appended;
    }
    if (appended.code() != core::StatusCode::kAlreadyExists) return appended;
    AMP_RETURN_IF_ERROR(CatchUp());
  }
  return core::Unavailable("the audit log kept moving under this writer; record not appended");
}

}  // namespace amp::auth
