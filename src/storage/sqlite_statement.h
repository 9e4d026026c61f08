// SqliteMetadataStore's internals shared by the .cc files that implement it (sqlite_metadata_store.cc for opening,
// migrations and the change counter; sqlite_*_records.cc for each record family): a self-finalizing prepared
// Statement and CollectRows. Include nowhere else. A Statement belongs to the thread holding the store's mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace amp::storage {

// A prepared statement that finalizes itself. Bind indexes are 1-based as in SQLite.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  core::Status prepare_status() const {
    if (rc_ == SQLITE_OK) return core::Status::Ok();
    return core::Internal(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  }
  void Bind(int idx, std::string_view text) {
    sqlite3_bind_text(stmt_, idx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int idx, int64_t value) { sqlite3_bind_int64(stmt_, idx, value); }

  // Returns true while rows come, false when done.
  core::Result<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) {
      // Only a key collision is a duplicate; a foreign key names a record that is not there.
      int extended = sqlite3_extended_errcode(db_);
      if (extended == SQLITE_CONSTRAINT_PRIMARYKEY || extended == SQLITE_CONSTRAINT_UNIQUE) {
        return core::AlreadyExists(std::string("already exists: ") + sqlite3_errmsg(db_));
      }
      if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return core::NotFound(std::string("refers to a missing record: ") + sqlite3_errmsg(db_));
      }
    }
    return core::Internal(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  core::Status Run() {
    auto result = Step();
    return result.ok() ? core::Status::Ok() : result.status();
  }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, col)) : "";
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Every row of `stmt`, each read by `read` (a function of the statement returning a record).
template <typename Read>
auto CollectRows(Statement& stmt, Read read) -> core::Result<std::vector<decltype(read(stmt))>> {
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  std::vector<decltype(read(stmt))> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    records.push_back(read(stmt));
  }
  return records;
}

}  // namespace amp::storage
