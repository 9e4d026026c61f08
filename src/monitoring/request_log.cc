#include "monitoring/request_log.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/log.h"

namespace amp::monitoring {
namespace {

constexpr std::string_view kPrefix = "requests-";
constexpr std::string_view kSuffix = ".jsonl";

bool IsLogFile(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return name.size() > kPrefix.size() + kSuffix.size() && name.starts_with(kPrefix) && name.ends_with(kSuffix);
}

void WriteNumber(rapidjson::Writer<rapidjson::StringBuffer>& writer, double value) {
  if (std::isfinite(value)) {
    writer.Double(value);
  } else {
    writer.Null();
  }
}

}  // namespace

core::Status ValidateRequestLogOptions(const RequestLogOptions& options) {
  if (!(options.rate >= 0 && options.rate <= 1)) return core::InvalidArgument("request log rate must be within 0..1");
  if (options.max_bytes <= 0) return core::InvalidArgument("request log max bytes must be positive");
  if (options.max_age_seconds <= 0) return core::InvalidArgument("request log max age must be positive");
  if (options.max_files < 1) return core::InvalidArgument("request log max files must be at least 1");
  if (options.queue_capacity < 1) return core::InvalidArgument("request log queue capacity must be at least 1");
  return core::Status::Ok();
}

RequestLog::RequestLog(std::filesystem::path folder, const core::Clock& clock, RequestLogOptions options)
    : folder_(std::move(folder)),
      clock_(clock),
      options_(options),
      rate_millionths_(static_cast<uint64_t>(std::llround(std::clamp(options.rate, 0.0, 1.0) * kMillion))) {}

RequestLog::~RequestLog() {
  Stop();
}

void RequestLog::Append(const RequestLogSource& source, std::span<const ml::FeatureValue> row, size_t row_idx,
                        double prediction, std::string_view request_id) {
  const int64_t now = clock_.NowMicros();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  const std::string time = core::FormatRfc3339(now);
  writer.Key("time");
  writer.String(time.data(), static_cast<rapidjson::SizeType>(time.size()));
  writer.Key("time_micros");
  writer.Int64(now);
  writer.Key("model");
  writer.String(source.model_name.data(), static_cast<rapidjson::SizeType>(source.model_name.size()));
  writer.Key("model_id");
  writer.String(source.model_id.data(), static_cast<rapidjson::SizeType>(source.model_id.size()));
  writer.Key("version");
  writer.Int64(source.version);
  writer.Key("request_id");
  writer.String(request_id.data(), static_cast<rapidjson::SizeType>(request_id.size()));
  writer.Key("row");
  writer.Uint64(row_idx);
  writer.Key("features");
  writer.StartObject();
  for (size_t idx = 0; idx < source.features.size() && idx < row.size(); ++idx) {
    const std::string& name = source.features[idx];
    writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    const ml::FeatureValue& value = row[idx];
    if (idx < source.redacted.size() && source.redacted[idx] && value.kind != ml::FeatureValue::Kind::kMissing) {
      writer.String(kRedacted.data(), static_cast<rapidjson::SizeType>(kRedacted.size()));
    } else if (value.kind == ml::FeatureValue::Kind::kNumber) {
      WriteNumber(writer, value.number);
    } else if (value.kind == ml::FeatureValue::Kind::kText) {
      writer.String(value.text.data(), static_cast<rapidjson::SizeType>(value.text.size()));
    } else {
      writer.Null();
    }
  }
  writer.EndObject();
  writer.Key("prediction");
  if (!source.classes.empty() && prediction >= 0 && static_cast<size_t>(prediction) < source.classes.size()) {
    const std::string& label = source.classes[static_cast<size_t>(prediction)];
    writer.String(label.data(), static_cast<rapidjson::SizeType>(label.size()));
  } else {
    WriteNumber(writer, prediction);
  }
  writer.EndObject();
  std::string line(buffer.GetString(), buffer.GetSize());
  line.push_back('\n');
  {
    std::lock_guard lock(mu_);
    if (queue_.size() < options_.queue_capacity) {
      queue_.push_back({now, std::move(line)});
      wake_.notify_one();
      return;
    }
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
}

void RequestLog::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void RequestLog::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  CloseFile();
  if (dropped() > 0) core::LogWarning("request log: " + std::to_string(dropped()) + " sampled rows were dropped");
}

void RequestLog::Flush() {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) return;
  drained_.wait(lock, [this] { return queue_.empty() && in_flight_ == 0; });
}

std::vector<std::filesystem::path> RequestLog::Files() const {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
    if (entry.is_regular_file(ec) && IsLogFile(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // names start with zero-padded open times
  return files;
}

void RequestLog::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || !queue_.empty(); });
    std::deque<Pending> batch;
    batch.swap(queue_);
    in_flight_ = static_cast<int64_t>(batch.size());
    const bool stopping = stopping_;
    lock.unlock();
    for (const Pending& row : batch) Write(row);
    if (out_.is_open()) {
      out_.flush();
      // An idle file past its age is closed too, so the next row starts a new one.
      if (clock_.NowMicros() - file_opened_micros_ >= options_.max_age_seconds * 1'000'000) CloseFile();
    }
    lock.lock();
    in_flight_ = 0;
    drained_.notify_all();
    if (stopping && queue_.empty()) return;
  }
}

void RequestLog::Write(const Pending& row) {
  const std::string& line = row.line;
  const auto size = static_cast<int64_t>(line.size());
  if (out_.is_open()) {
    const bool too_big = file_bytes_ > 0 && file_bytes_ + size > options_.max_bytes;
    const bool too_old = row.micros - file_opened_micros_ >= options_.max_age_seconds * 1'000'000;
    if (too_big || too_old) CloseFile();
  }
  if (!out_.is_open()) OpenFile(row.micros);
  if (out_.is_open()) out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  if (!out_.is_open() || !out_) {
    if (!warned_) core::LogWarning("request log: cannot write under " + folder_.string() + "; dropping rows");
    warned_ = true;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    CloseFile();
    return;
  }
  file_bytes_ += size;
  written_.fetch_add(1, std::memory_order_relaxed);
}

void RequestLog::OpenFile(int64_t now) {
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  file_opened_micros_ = now;
  char name[64];
  std::snprintf(name, sizeof(name), "requests-%016lld-%06d.jsonl", static_cast<long long>(file_opened_micros_),
                sequence_++ % 1000000);
  out_.open(folder_ / name, std::ios::binary | std::ios::app);
  file_bytes_ = 0;
  if (out_.is_open()) EnforceRetention();
}

void RequestLog::CloseFile() {
  if (out_.is_open()) out_.close();
  out_.clear();
  file_bytes_ = 0;
}

void RequestLog::EnforceRetention() {
  std::vector<std::filesystem::path> files = Files();
  const auto keep = static_cast<size_t>(options_.max_files);
  std::error_code ec;
  for (size_t idx = 0; idx + keep < files.size(); ++idx) std::filesystem::remove(files[idx], ec);
}

}  // namespace amp::monitoring
