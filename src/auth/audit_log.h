// AuditLog: the append-only, hash-chained record of every change and every denied request. Each record's sha256
// covers its fields and the previous record's sha256, so editing, reordering or deleting a stored record is found
// by VerifyAuditChain. Used by api::AccessGuard and the handlers that change things; `amp audit verify` and
// GET /v1/audit/verify check the chain. Thread-safe (appends are serialized).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "storage/metadata_store.h"

namespace amp::auth {

// The hash a record must carry: SHA-256 over its seq, time, actor, action, resource, remote address, outcome and
// previous_sha256 (length-prefixed, so no two different records serialize alike). Pure.
std::string AuditRecordHash(const storage::AuditRecord& record);

// The hash the first record chains to.
inline constexpr std::string_view kAuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

// Checks records given in seq order, starting after a record with `previous_sha256` and seq `previous_seq`:
// consecutive seqs, each previous_sha256 equal to the hash before it, each sha256 equal to AuditRecordHash.
// DataLoss naming the first bad seq otherwise. Pure.
core::Status VerifyAuditChain(const std::vector<storage::AuditRecord>& records,
                              std::string_view previous_sha256 = kAuditGenesis, int64_t previous_seq = 0);

// Reads the whole log from `store` in pages and verifies it; returns the number of records checked.
core::Result<int64_t> VerifyStoredAuditLog(storage::MetadataStore& store);

class AuditLog {
 public:
  AuditLog(storage::MetadataStore& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // Finds the end of the stored chain; call once before appending.
  core::Status Load();

  // Appends one record. Other processes may append to the same stored chain (replicas sharing a store): the record
  // links to whatever the chain's end is when it is written. A failure is returned (and logged by the caller); the
  // chain stays intact.
  core::Status Append(std::string_view actor, std::string_view action, std::string_view resource,
                      std::string_view remote_address, std::string_view outcome);

 private:
  // Moves last_seq_/last_sha256_ to the stored chain's end.
  core::Status CatchUp() AMP_REQUIRES(mu_);

  storage::MetadataStore& store_;
  const core::Clock& clock_;
  core::Mutex mu_;
  int64_t last_seq_ AMP_GUARDED_BY(mu_) = 0;
  std::string last_sha256_ AMP_GUARDED_BY(mu_) = std::string(kAuditGenesis);
};

}  // namespace amp::auth
