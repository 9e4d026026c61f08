#include "metrics/serving_metrics.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>
#include <vector>

namespace amp::metrics {
namespace {

double Sample(const std::string& text, const std::string& line_prefix) {
  size_t pos = text.find("\n" + line_prefix + " ");
  if (pos == std::string::npos) return -1;
  pos += line_prefix.size() + 2;
  return std::stod(text.substr(pos, text.find('\n', pos) - pos));
}

TEST(HistogramTest, BucketsAreCumulativeAndCountMatches) {
  Histogram histogram;
  for (int64_t micros : {10, 50, 51, 700, 20'000'000}) histogram.Observe(micros);
  std::string out = "\n";
  histogram.Render("lat", "", &out);
  EXPECT_EQ(Sample(out, "lat_bucket{le=\"5e-05\"}"), 2);     // 10 and 50 (bounds are inclusive)
  EXPECT_EQ(Sample(out, "lat_bucket{le=\"0.0001\"}"), 3);
  EXPECT_EQ(Sample(out, "lat_bucket{le=\"0.001\"}"), 4);
  EXPECT_EQ(Sample(out, "lat_bucket{le=\"10\"}"), 4);
  EXPECT_EQ(Sample(out, "lat_bucket{le=\"+Inf\"}"), 5);
  EXPECT_EQ(Sample(out, "lat_count"), 5);
  EXPECT_NEAR(Sample(out, "lat_sum"), 20.000811, 1e-9);
}

TEST(HistogramTest, LabelsAreCombinedWithLe) {
  Histogram histogram;
  histogram.Observe(1);
  std::string out = "\n";
  histogram.Render("lat", "model=\"m\"", &out);
  EXPECT_EQ(Sample(out, "lat_bucket{model=\"m\",le=\"+Inf\"}"), 1);
  EXPECT_EQ(Sample(out, "lat_count{model=\"m\"}"), 1);
}

TEST(EscapeLabelTest, EscapesQuotesBackslashesAndNewlines) {
  EXPECT_EQ(EscapeLabel("plain"), "plain");
  EXPECT_EQ(EscapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(ServingMetricsTest, CountsPerModelAndPerStatusClass) {
  ServingMetrics metrics;
  metrics.RecordRequest(200, 100);
  metrics.RecordRequest(404, 100);
  metrics.RecordRequest(503, 100);
  metrics.RecordPrediction("house \"prices\"", 200, 3, 100);
  metrics.RecordPrediction("house \"prices\"", 422, 0, 100);
  metrics.RecordPrediction("other", 200, 1, 100);
  metrics.RequestStarted();
  std::string out = "\n";
  metrics.Render(&out);
  EXPECT_EQ(Sample(out, "amp_http_requests_total{code=\"2xx\"}"), 1);
  EXPECT_EQ(Sample(out, "amp_http_requests_total{code=\"4xx\"}"), 1);
  EXPECT_EQ(Sample(out, "amp_http_requests_total{code=\"5xx\"}"), 1);
  EXPECT_EQ(Sample(out, "amp_http_requests_in_flight"), 1);
  EXPECT_EQ(Sample(out, "amp_model_requests_total{model=\"house \\\"prices\\\"\"}"), 2);
  EXPECT_EQ(Sample(out, "amp_model_rows_scored_total{model=\"house \\\"prices\\\"\"}"), 3);
  EXPECT_EQ(Sample(out, "amp_model_errors_total{model=\"house \\\"prices\\\"\",code=\"422\"}"), 1);
  EXPECT_EQ(Sample(out, "amp_model_requests_total{model=\"other\"}"), 1);
  // Every non-comment line is a well-formed sample.
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eE]+$)");
  size_t start = 1;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    std::string line = out.substr(start, end - start);
    if (!line.empty() && line[0] != '#') {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
    }
    start = end + 1;
  }
}

TEST(ServingMetricsTest, ConcurrentRecordingLosesNothing) {
  ServingMetrics metrics;
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&metrics, thread_idx] {
      for (int idx = 0; idx < 10000; ++idx) metrics.RecordPrediction("m" + std::to_string(idx % 3), 200, 1, idx);
      (void)thread_idx;
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::string out = "\n";
  metrics.Render(&out);
  double total = 0;
  for (const char* model : {"m0", "m1", "m2"}) {
    total += Sample(out, std::string("amp_model_requests_total{model=\"") + model + "\"}");
  }
  EXPECT_EQ(total, 40000);
}

}  // namespace
}  // namespace amp::metrics
