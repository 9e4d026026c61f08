#include "metrics/prometheus_text.h"

#include <gtest/gtest.h>

namespace amp::metrics {
namespace {

TEST(PrometheusTextTest, MetricIsAHeaderAndOneExactSample) {
  std::string out;
  AppendMetric("amp_things_total", "counter", "Things counted.", 0.1, &out);
  EXPECT_EQ(out, "# HELP amp_things_total Things counted.\n# TYPE amp_things_total counter\n"
                 "amp_things_total 0.10000000000000001\n");
}

TEST(PrometheusTextTest, SampleWithAndWithoutLabels) {
  std::string out;
  AppendSample("amp_busy", "", 1, &out);
  AppendSample("amp_job", "job=\"j1\",rank=\"0\"", 2, &out);
  EXPECT_EQ(out, "amp_busy 1\namp_job{job=\"j1\",rank=\"0\"} 2\n");
}

TEST(PrometheusTextTest, LabelValueEscapesBackslashQuoteAndNewline) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {"plain", "plain"},
      {"a\"b", "a\\\"b"},
      {"a\\b", "a\\\\b"},
      {"a\nb", "a\\nb"},
      {"", ""},
      {"tab\tstays", "tab\tstays"},
  };
  for (const Case& c : cases) EXPECT_EQ(LabelValue(c.in), c.want) << c.in;
}

TEST(PrometheusTextTest, ProcessMetricsNameTheThreeFamilies) {
  std::string out;
  AppendProcessMetrics(&out);
  EXPECT_NE(out.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE process_open_fds gauge\n"), std::string::npos);
}

}  // namespace
}  // namespace amp::metrics
