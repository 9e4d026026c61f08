// RequestLog: an optional sampled log of scored rows (docs/monitoring.md, "Request log"). Each sampled row becomes
// one JSON line {"time", "time_micros", "model", "model_id", "version", "request_id", "row", "features": {name:
// value}, "prediction"} in a file under the log folder (requests-<open micros>-<seq>.jsonl). Columns the version's
// training dataset flagged as personal data (ColumnSummary::pii) are written as "[redacted]". A file is closed when
// the next row would take it past max_bytes or when it is max_age_seconds old; then the oldest files are deleted so
// at most max_files remain. Sampling is a shared counter (row n is taken when floor((n+1) * rate) > floor(n * rate),
// so exactly `rate` of the rows, evenly spread); an unsampled row costs one atomic add and allocates nothing.
// Sampled rows are formatted on the request thread and queued; a background thread writes them. When the queue is
// full the row is dropped and counted. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "ml/feature_value.h"

namespace amp::monitoring {

struct RequestLogOptions {
  double rate = 0;                         // 0..1: the share of rows logged; 0 turns the log off
  int64_t max_bytes = 64LL * 1024 * 1024;  // per file
  int64_t max_age_seconds = 24 * 3600;     // per file
  int max_files = 10;                      // files kept (the oldest are deleted)
  size_t queue_capacity = 8192;            // rows waiting for the writer
};

// InvalidArgument unless 0 <= rate <= 1, max_bytes > 0, max_age_seconds > 0, max_files >= 1, queue_capacity >= 1.
core::Status ValidateRequestLogOptions(const RequestLogOptions& options);

// What a model version's rows look like in the log.
struct RequestLogSource {
  std::string model_id;
  std::string model_name;
  int64_t version = 0;
  std::vector<std::string> features;  // in the signature's order
  std::vector<bool> redacted;         // one per feature: written as "[redacted]"
  std::vector<std::string> classes;   // a classifier's: predictions are class indexes written as labels
};

class RequestLog {
 public:
  static constexpr std::string_view kRedacted = "[redacted]";

  RequestLog(std::filesystem::path folder, const core::Clock& clock, RequestLogOptions options);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  bool enabled() const { return rate_millionths_ > 0; }
  // Whether the next row is logged: one relaxed atomic add.
  bool Sample() {
    if (rate_millionths_ >= kMillion) return true;
    const uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
    return ((n + 1) * rate_millionths_) / kMillion > (n * rate_millionths_) / kMillion;
  }
  // Formats one row (`row`: the source's features in order) and queues it, or counts it dropped if the queue is full.
  void Append(const RequestLogSource& source, std::span<const ml::FeatureValue> row, size_t row_idx, double prediction,
              std::string_view request_id);

  // Starts / stops the writer thread; Stop writes what is queued first. Rows appended while stopped wait in the queue.
  void Start();
  void Stop();
  // Blocks until every row queued so far is written (the writer must be running).
  void Flush();

  int64_t written() const { return written_.load(std::memory_order_relaxed); }
  int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  const std::filesystem::path& folder() const { return folder_; }
  // The log files, oldest first.
  std::vector<std::filesystem::path> Files() const;

 private:
  static constexpr uint64_t kMillion = 1'000'000;
  void Run();
  struct Pending {
    int64_t micros = 0;  // the row's time: rotation follows it, so a slow writer does not shift rows across files
    std::string line;
  };
  void Write(const Pending& row);
  void OpenFile(int64_t now);
  void CloseFile();
  void EnforceRetention();

  const std::filesystem::path folder_;
  const core::Clock& clock_;
  const RequestLogOptions options_;
  const uint64_t rate_millionths_;
  std::atomic<uint64_t> counter_{0};
  std::atomic<int64_t> written_{0};
  std::atomic<int64_t> dropped_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Pending> queue_;  // guarded
  int64_t in_flight_ = 0;      // guarded: rows taken off the queue, not yet written
  bool stopping_ = false;      // guarded
  std::thread thread_;

  // Writer thread only.
  std::ofstream out_;
  int64_t file_bytes_ = 0;
  int64_t file_opened_micros_ = 0;
  int sequence_ = 0;
  bool warned_ = false;
};

}  // namespace amp::monitoring
