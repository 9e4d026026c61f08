#include "monitoring/request_log.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "core/temp_dir.h"
#include "monitoring/version_monitor.h"

namespace amp::monitoring {
namespace {

RequestLogSource Source() {
  RequestLogSource source;
  source.model_id = "m1";
  source.model_name = "churn";
  source.version = 3;
  source.features = {"x", "email", "city"};
  source.redacted = {false, true, false};
  return source;
}

std::vector<ml::FeatureValue> Row(double x) {
  return {ml::FeatureValue::Number(x), ml::FeatureValue::Text("ann@example.com"), ml::FeatureValue::Text("Paris")};
}

std::vector<std::string> Lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> AllLines(const RequestLog& log) {
  std::vector<std::string> lines;
  for (const auto& file : log.Files()) {
    for (auto& line : Lines(file)) lines.push_back(std::move(line));
  }
  return lines;
}

double XOf(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  return doc["features"]["x"].GetDouble();
}

RequestLogOptions Options(double rate = 1) {
  RequestLogOptions options;
  options.rate = rate;
  return options;
}

TEST(RequestLogTest, SamplesExactlyTheRateEvenlySpread) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  RequestLog quarter(dir.path(), clock, Options(0.25));
  EXPECT_TRUE(quarter.enabled());
  std::vector<int> taken;
  for (int idx = 0; idx < 1000; ++idx) {
    if (quarter.Sample()) taken.push_back(idx);
  }
  ASSERT_EQ(taken.size(), 250u);
  for (size_t idx = 1; idx < taken.size(); ++idx) EXPECT_EQ(taken[idx] - taken[idx - 1], 4);

  RequestLog tenth(dir.path(), clock, Options(0.1));
  int count = 0;
  for (int idx = 0; idx < 3000; ++idx) count += tenth.Sample() ? 1 : 0;
  EXPECT_EQ(count, 300);

  RequestLog all(dir.path(), clock, Options(1));
  for (int idx = 0; idx < 100; ++idx) EXPECT_TRUE(all.Sample());

  RequestLog off(dir.path(), clock, Options(0));
  EXPECT_FALSE(off.enabled());
  for (int idx = 0; idx < 100; ++idx) EXPECT_FALSE(off.Sample());
}

TEST(RequestLogTest, WritesJsonLinesWithPersonalColumnsRedacted) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  RequestLog log(dir.path() / "request-log", clock, Options());
  RequestLogSource source = Source();
  log.Start();
  auto row = Row(1.5);
  log.Append(source, row, 0, 42.25, "req-1");
  std::vector<ml::FeatureValue> missing = {ml::FeatureValue::Missing(), ml::FeatureValue::Missing(),
                                           ml::FeatureValue::Text("Lyon \"centre\"")};
  log.Append(source, missing, 1, 7, "req-1");
  log.Flush();
  auto lines = AllLines(log);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].find("ann@example.com"), std::string::npos);
  rapidjson::Document doc;
  doc.Parse(lines[0].c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["time"].GetString(), core::FormatRfc3339(clock.NowMicros()).c_str());
  EXPECT_EQ(doc["time_micros"].GetInt64(), clock.NowMicros());
  EXPECT_STREQ(doc["model"].GetString(), "churn");
  EXPECT_STREQ(doc["model_id"].GetString(), "m1");
  EXPECT_EQ(doc["version"].GetInt64(), 3);
  EXPECT_STREQ(doc["request_id"].GetString(), "req-1");
  EXPECT_EQ(doc["row"].GetInt(), 0);
  EXPECT_DOUBLE_EQ(doc["features"]["x"].GetDouble(), 1.5);
  EXPECT_STREQ(doc["features"]["email"].GetString(), "[redacted]");
  EXPECT_STREQ(doc["features"]["city"].GetString(), "Paris");
  EXPECT_DOUBLE_EQ(doc["prediction"].GetDouble(), 42.25);

  doc.Parse(lines[1].c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_TRUE(doc["features"]["x"].IsNull());
  EXPECT_TRUE(doc["features"]["email"].IsNull());  // a missing value reveals nothing
  EXPECT_STREQ(doc["features"]["city"].GetString(), "Lyon \"centre\"");
  EXPECT_EQ(log.written(), 2);
  EXPECT_EQ(log.dropped(), 0);
}

TEST(RequestLogTest, RotatesBySize) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  RequestLogSource source = Source();
  auto row = Row(1);
  int64_t line_bytes = 0;
  {
    RequestLog probe(dir.path() / "probe", clock, Options());
    probe.Start();
    probe.Append(source, row, 0, 1, "r");
    probe.Flush();
    line_bytes = static_cast<int64_t>(std::filesystem::file_size(probe.Files().at(0)));
  }
  RequestLogOptions options = Options();
  options.max_bytes = line_bytes * 2 + line_bytes / 2;  // two rows fit, a third does not
  RequestLog log(dir.path() / "log", clock, options);
  log.Start();
  for (int idx = 0; idx < 5; ++idx) log.Append(source, row, 0, 1, "r");
  log.Flush();
  auto files = log.Files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(Lines(files[0]).size(), 2u);
  EXPECT_EQ(Lines(files[1]).size(), 2u);
  EXPECT_EQ(Lines(files[2]).size(), 1u);
  for (const auto& file : files) EXPECT_LE(static_cast<int64_t>(std::filesystem::file_size(file)), options.max_bytes);
}

TEST(RequestLogTest, RotatesByAge) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  RequestLogOptions options = Options();
  options.max_age_seconds = 60;
  RequestLog log(dir.path(), clock, options);
  RequestLogSource source = Source();
  log.Start();
  auto row = Row(1);
  log.Append(source, row, 0, 1, "r");
  clock.AdvanceMicros(59'000'000);
  log.Append(source, row, 0, 1, "r");
  log.Flush();
  EXPECT_EQ(log.Files().size(), 1u);
  clock.AdvanceMicros(1'000'000);  // the file is 60 s old
  log.Append(source, row, 0, 1, "r");
  log.Flush();
  auto files = log.Files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(Lines(files[0]).size(), 2u);
  EXPECT_EQ(Lines(files[1]).size(), 1u);
}

TEST(RequestLogTest, KeepsAtMostMaxFilesDeletingTheOldest) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  // A file left by an earlier run counts too, and is the oldest.
  std::ofstream(dir.path() / "requests-0000000000000001-000000.jsonl") << "{}\n";
  std::ofstream(dir.path() / "notes.txt") << "not ours\n";
  RequestLogOptions options = Options();
  options.max_bytes = 1;  // one row per file
  options.max_files = 3;
  RequestLog log(dir.path(), clock, options);
  RequestLogSource source = Source();
  log.Start();
  for (int idx = 0; idx < 7; ++idx) {
    auto row = Row(idx);
    log.Append(source, row, 0, 1, "r");
    clock.AdvanceMicros(1000);
  }
  log.Flush();
  auto files = log.Files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_DOUBLE_EQ(XOf(Lines(files[0]).at(0)), 4);
  EXPECT_DOUBLE_EQ(XOf(Lines(files[1]).at(0)), 5);
  EXPECT_DOUBLE_EQ(XOf(Lines(files[2]).at(0)), 6);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "notes.txt"));
}

TEST(RequestLogTest, DropsAndCountsRowsWhenTheQueueIsFull) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  RequestLogOptions options = Options();
  options.queue_capacity = 5;
  RequestLog log(dir.path(), clock, options);
  RequestLogSource source = Source();
  for (int idx = 0; idx < 8; ++idx) {  // the writer is not running: the queue fills
    auto row = Row(idx);
    log.Append(source, row, 0, 1, "r");
  }
  EXPECT_EQ(log.dropped(), 3);
  EXPECT_EQ(log.written(), 0);
  log.Start();
  log.Flush();
  EXPECT_EQ(log.written(), 5);
  auto lines = AllLines(log);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_DOUBLE_EQ(XOf(lines.front()), 0);  // the first rows were kept, the last dropped
  EXPECT_DOUBLE_EQ(XOf(lines.back()), 4);
}

TEST(RequestLogTest, StopWritesWhatIsQueued) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  RequestLogSource source = Source();
  {
    RequestLog log(dir.path(), clock, Options());
    for (int idx = 0; idx < 3; ++idx) {
      auto row = Row(idx);
      log.Append(source, row, 0, 1, "r");
    }
    log.Start();
    log.Stop();
    EXPECT_EQ(log.written(), 3);
  }
  RequestLog reader(dir.path(), clock, Options());
  EXPECT_EQ(AllLines(reader).size(), 3u);
}

TEST(RequestLogTest, ValidatesOptions) {
  EXPECT_TRUE(ValidateRequestLogOptions(Options(0)).ok());
  EXPECT_TRUE(ValidateRequestLogOptions(Options(1)).ok());
  EXPECT_FALSE(ValidateRequestLogOptions(Options(1.5)).ok());
  EXPECT_FALSE(ValidateRequestLogOptions(Options(-0.1)).ok());
  RequestLogOptions options = Options();
  options.max_files = 0;
  EXPECT_FALSE(ValidateRequestLogOptions(options).ok());
  options = Options();
  options.max_bytes = 0;
  EXPECT_FALSE(ValidateRequestLogOptions(options).ok());
  options = Options();
  options.max_age_seconds = 0;
  EXPECT_FALSE(ValidateRequestLogOptions(options).ok());
}

TEST(RequestLogTest, VersionMonitorLogsSampledRowsWithLabels) {
  core::FakeClock clock;
  core::TempDir dir("amp_request_log_test");
  ml::ModelSignature signature;
  signature.task = ml::Task::kBinaryClassification;
  signature.target = "churned";
  signature.features = {{"x", data::ColumnType::kNumeric}, {"email", data::ColumnType::kCategorical}};
  signature.classes = {"no", "yes"};
  VersionMonitor monitor("m1", "churn", 2, signature, std::nullopt, clock, WindowOptions{}, nullptr);
  RequestLog log(dir.path(), clock, Options(0.5));
  auto source = std::make_shared<RequestLogSource>();
  source->model_id = "m1";
  source->model_name = "churn";
  source->version = 2;
  source->features = {"x", "email"};
  source->redacted = {false, true};
  source->classes = signature.classes;
  monitor.SetRequestLog(&log, source);
  log.Start();
  std::vector<ml::FeatureValue> rows;
  std::vector<double> predictions;
  for (int idx = 0; idx < 4; ++idx) {
    rows.push_back(ml::FeatureValue::Number(idx));
    rows.push_back(ml::FeatureValue::Text("someone@example.com"));
    predictions.push_back(idx % 2);
  }
  monitor.Observe(rows, 4, predictions, {}, 2, "req-9", nullptr);
  log.Flush();
  auto lines = AllLines(log);
  ASSERT_EQ(lines.size(), 2u);  // half of the rows: the 2nd and the 4th
  rapidjson::Document doc;
  doc.Parse(lines[0].c_str());
  EXPECT_EQ(doc["row"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(doc["features"]["x"].GetDouble(), 1);
  EXPECT_STREQ(doc["features"]["email"].GetString(), "[redacted]");
  EXPECT_STREQ(doc["prediction"].GetString(), "yes");
  EXPECT_STREQ(doc["request_id"].GetString(), "req-9");
  doc.Parse(lines[1].c_str());
  EXPECT_EQ(doc["row"].GetInt(), 3);
}

}  // namespace
}  // namespace amp::monitoring
