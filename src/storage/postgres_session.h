// PostgresMetadataStore's internals shared by the .cc files that implement it (postgres_metadata_store.cc for the
// connection pool, migrations and change feed; postgres_*_records.cc for each record family): query Params, result
// Rows, the pooled Session and the WithSession / InTransaction templates. Include nowhere else.
// A Session and the Rows it returns belong to one operation on one thread.
#pragma once

#include <libpq-fe.h>

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.h"
#include "storage/postgres_metadata_store.h"

namespace amp::storage {

constexpr int kMaxConflictRetries = 3;

// SQLSTATE classes this store maps to Status codes.
constexpr const char* kUniqueViolation = "23505";
constexpr const char* kForeignKeyViolation = "23503";
constexpr const char* kSerializationFailure = "40001";
constexpr const char* kDeadlockDetected = "40P01";

inline std::string ConnectionError(PGconn* conn) {
  std::string message = conn ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Query parameters, all sent as text (the server casts them to the columns' types).
class Params {
 public:
  Params& Add(std::string_view text) {
    values_.emplace_back(text);
    return *this;
  }
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value) {
    values_.push_back(std::to_string(value));
    return *this;
  }
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(bool value) {
    values_.emplace_back(value ? "true" : "false");
    return *this;
  }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> pointers;
    pointers.reserve(values_.size());
    for (const std::string& value : values_) pointers.push_back(value.c_str());
    return pointers;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::string> values_;
};

// The rows of one query result, read by column name so no code depends on column positions.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  ~Rows() { PQclear(result_); }
  Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  Rows& operator=(Rows&&) = delete;

  int size() const { return PQntuples(result_); }
  bool empty() const { return size() == 0; }
  // The number of rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const {
    const char* count = PQcmdTuples(result_);
    return count && *count ? std::strtoll(count, nullptr, 10) : 0;
  }
  std::string Text(int row, const char* column) const {
    int col = Column(column);
    if (col < 0 || PQgetisnull(result_, row, col)) return "";
    return std::string(PQgetvalue(result_, row, col), PQgetlength(result_, row, col));
  }
  int64_t Int(int row, const char* column) const {
    int col = Column(column);
    if (col < 0 || PQgetisnull(result_, row, col)) return 0;
    return std::strtoll(PQgetvalue(result_, row, col), nullptr, 10);
  }
  bool Bool(int row, const char* column) const {
    int col = Column(column);
    if (col < 0 || PQgetisnull(result_, row, col)) return false;
    return PQgetvalue(result_, row, col)[0] == 't';
  }

 private:
  int Column(const char* name) const {
    int col = PQfnumber(result_, name);
    assert(col >= 0 && "column not selected");
    return col;
  }
  PGresult* result_;
};

// One pooled connection lent to one operation. `sent_` tells whether anything of the operation reached the server
// (so a broken connection may be retried only when nothing did).
class PostgresMetadataStore::Session {
 public:
  explicit Session(PGconn* conn) : conn_(conn) {}
  PGconn* conn() const { return conn_; }
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool sent_anything() const { return sent_anything_; }
  // Whether a statement failed on a deadlock or serialization failure (the whole operation may be retried).
  bool conflicted() const { return conflicted_; }

  // Runs one statement with `params` as $1, $2...: the rows, or the error mapped to a Status.
  core::Result<Rows> Query(const char* sql, const Params& params = Params()) {
    std::vector<const char*> values = params.Pointers();
    PGresult* result = PQexecParams(conn_, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      sent_anything_ = true;
      return Rows(result);
    }
    // A broken connection before any reply: the server may never have seen the statement.
    if (!broken()) sent_anything_ = true;
    const char* sqlstate_field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = sqlstate_field ? sqlstate_field : "";
    std::string message = result ? PQresultErrorMessage(result) : "";
    if (message.empty()) message = ConnectionError(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQclear(result);
    if (sqlstate == kUniqueViolation) return core::AlreadyExists("already exists: " + message);
    if (sqlstate == kForeignKeyViolation) return core::NotFound("refers to a missing record: " + message);
    if (sqlstate == kSerializationFailure || sqlstate == kDeadlockDetected) {
      conflicted_ = true;
      return core::Unavailable("postgresql: conflicting concurrent writes: " + message);
    }
    if (broken()) return core::Unavailable("postgresql connection lost: " + message);
    return core::Internal("postgresql: " + message);
  }
  core::Status Exec(const char* sql, const Params& params = Params()) {
    auto rows = Query(sql, params);
    return rows.ok() ? core::Status::Ok() : rows.status();
  }

 private:
  PGconn* conn_;
  bool sent_anything_ = false;
  bool conflicted_ = false;
};

template <typename T>
struct ResultValue {
  using type = void;
};
template <typename T>
struct ResultValue<core::Result<T>> {
  using type = T;
};

// Every row of `rows` read by `read` (returning a record or a Result of one).
template <typename Read>
auto CollectRows(const Rows& rows, Read read) {
  using Value = decltype(read(rows, 0));
  if constexpr (!std::is_void_v<typename ResultValue<Value>::type>) {
    using Record = typename ResultValue<Value>::type;
    std::vector<Record> records;
    for (int row = 0; row < rows.size(); ++row) {
      auto record = read(rows, row);
      if (!record.ok()) return core::Result<std::vector<Record>>(record.status());
      records.push_back(std::move(record).value());
    }
    return core::Result<std::vector<Record>>(std::move(records));
  } else {
    std::vector<Value> records;
    for (int row = 0; row < rows.size(); ++row) records.push_back(read(rows, row));
    return core::Result<std::vector<Value>>(std::move(records));
  }
}

// A LIMIT value: negative means no limit, as in SQLite.
inline int64_t SqlLimit(int limit) {
  return limit < 0 ? std::numeric_limits<int64_t>::max() : limit;
}

inline std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string sql;
  for (std::string_view part : parts) sql += part;
  return sql;
}

template <typename Op>
auto PostgresMetadataStore::WithSession(Op op) -> decltype(op(std::declval<Session&>())) {
  int attempts = 0;
  while (true) {
    ++attempts;
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    Session session(*conn);
    auto result = op(session);
    bool ok = result.ok();
    bool broken = session.broken();
    bool sent = session.sent_anything();
    bool conflicted = session.conflicted();
    Release(*conn);
    if (ok) return result;
    // A connection that died while idle in the pool: nothing of `op` reached the server, so run it again on a
    // fresh connection (once per pooled connection at most).
    if (broken && !sent && attempts <= options_.pool_size + 1) continue;
    if (conflicted && attempts <= kMaxConflictRetries) continue;
    return result;
  }
}

template <typename Op>
auto PostgresMetadataStore::InTransaction(Op op) -> decltype(op(std::declval<Session&>())) {
  return WithSession([&](Session& session) -> decltype(op(session)) {
    AMP_RETURN_IF_ERROR(session.Exec("BEGIN"));
    auto result = op(session);
    if (!result.ok()) {
      session.Exec("ROLLBACK").IgnoreError();
      return result;
    }
    core::Status committed = session.Exec("COMMIT");
    if (!committed.ok()) return committed;
    return result;
  });
}

}  // namespace amp::storage
