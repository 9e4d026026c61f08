// Status and Result<T>: the one error convention of AMP. Every fallible call returns one of them; domain code
// never throws across a module boundary. StatusCode is transport-neutral: only api/ maps it to HTTP.
// Thread-compatible value types.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace amp::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed (bad JSON, bad CSV, wrong type)
  kFailedPrecondition,  // the input is well-formed but cannot be acted on (e.g. wrong target name)
  kNotFound,
  kAlreadyExists,
  kResourceExhausted,  // a size or rate limit was hit
  kUnavailable,        // try again later (shutting down, not ready)
  kCancelled,
  kDataLoss,  // stored bytes are corrupt (checksum mismatch)
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;
  std::string ToString() const;

  // Explicitly drops the status where ignoring it is a deliberate choice.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
inline Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
inline Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
inline Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
inline Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
inline Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
inline Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
inline Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
inline Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result constructed from an OK status");
    if (status_.ok()) status_ = Internal("Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace amp::core

#define AMP_CONCAT_INNER_(a, b) a##b
#define AMP_CONCAT_(a, b) AMP_CONCAT_INNER_(a, b)

// Returns from the calling function if `expr` (a Status) is not OK.
#define AMP_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::amp::core::Status amp_status_ = (expr);      \
    if (!amp_status_.ok()) return amp_status_;     \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its status, else moves the value into `lhs`.
#define AMP_ASSIGN_OR_RETURN(lhs, rexpr) AMP_ASSIGN_OR_RETURN_IMPL_(AMP_CONCAT_(amp_result_, __LINE__), lhs, rexpr)
#define AMP_ASSIGN_OR_RETURN_IMPL_(result, lhs, rexpr) \
  auto result = (rexpr);                               \
  if (!result.ok()) return result.status();            \
  lhs = std::move(result).value()
