#include "storage/record_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace amp::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(RecordCodecTest, NumberMapRoundTripsBitForBit) {
  const std::map<std::string, double> values = {
      {"rmse", 0.1},
      {"third", 1.0 / 3.0},
      {"tiny", 5e-324},  // the smallest subnormal
      {"huge", 1.7976931348623157e308},
      {"negative", -123456.789e10},
      {"zero", 0.0},
      {"integer", 42.0},
      {"key with \"quotes\" and \\ backslash", 2.5},
      {"", -1.0},
  };
  core::Result<std::map<std::string, double>> decoded = DecodeNumberMap(EncodeNumberMap(values));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, values);
}

TEST(RecordCodecTest, EmptyNumberMapRoundTrips) {
  EXPECT_EQ(EncodeNumberMap({}), "{}");
  core::Result<std::map<std::string, double>> decoded = DecodeNumberMap("{}");
  ASSERT_TRUE(decoded.ok());
  EXPECT_THAT(*decoded, IsEmpty());
}

TEST(RecordCodecTest, NegativeZeroKeepsItsSign) {
  core::Result<std::map<std::string, double>> decoded = DecodeNumberMap(EncodeNumberMap({{"z", -0.0}}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::signbit(decoded->at("z")));
}

// A metric can be infinite or NaN (e.g. an RMSE that overflowed). The stored text must still decode, or the whole
// version (and every listing that includes it) becomes unreadable.
TEST(RecordCodecTest, NonFiniteNumbersRoundTrip) {
  const std::map<std::string, double> values = {{"inf", kInf}, {"minus_inf", -kInf}, {"nan", std::nan("")}};
  std::string text = EncodeNumberMap(values);
  core::Result<std::map<std::string, double>> decoded = DecodeNumberMap(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString() << " for " << text;
  EXPECT_EQ(decoded->at("inf"), kInf);
  EXPECT_EQ(decoded->at("minus_inf"), -kInf);
  EXPECT_TRUE(std::isnan(decoded->at("nan")));
}

TEST(RecordCodecTest, StringListRoundTrips) {
  const std::vector<std::string> values = {"a", "", "with,comma", "quote\"d", "'; DROP TABLE jobs; --",
                                           std::string("nul\0inside", 10), "ünïcödé", "line\nbreak"};
  core::Result<std::vector<std::string>> decoded = DecodeStringList(EncodeStringList(values));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, values);

  core::Result<std::vector<std::string>> empty = DecodeStringList(EncodeStringList({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(*empty, IsEmpty());
}

TEST(RecordCodecTest, FeatureImportanceRoundTripsInOrder) {
  const std::vector<std::pair<std::string, double>> importance = {
      {"z", 3.0}, {"with \"quote\"", 1.0 / 3.0}, {"a", 0.0}, {"nan", std::nan("")}};
  auto decoded = DecodeFeatureImportance(EncodeFeatureImportance(importance));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 4u);
  for (size_t idx = 0; idx < 3; ++idx) EXPECT_EQ((*decoded)[idx], importance[idx]);
  EXPECT_TRUE(std::isnan((*decoded)[3].second));
  EXPECT_EQ(EncodeFeatureImportance({}), "[]");
  EXPECT_EQ(DecodeFeatureImportance("[{\"feature\": 1}]").status().code(), core::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeFeatureImportance("{}").status().code(), core::StatusCode::kDataLoss);
}

TEST(RecordCodecTest, FeaturesRoundTripEveryType) {
  const std::vector<FeatureField> features = {{"x", data::ColumnType::kNumeric},
                                              {"n", data::ColumnType::kInteger},
                                              {"flag", data::ColumnType::kBoolean},
                                              {"color \"name\"", data::ColumnType::kCategorical}};
  core::Result<std::vector<FeatureField>> decoded = DecodeFeatures(EncodeFeatures(features));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, features);
}

TEST(RecordCodecTest, ColumnSummariesRoundTripWithAndWithoutStats) {
  data::ColumnSummary numeric;
  numeric.name = "height";
  numeric.type = data::ColumnType::kNumeric;
  numeric.missing_count = 3;
  numeric.distinct_count = 10000;
  numeric.distinct_capped = true;
  numeric.min = -1.5;
  numeric.max = 1e300;
  numeric.mean = 0.1 + 0.2;
  numeric.stddev = 1.0 / 7.0;
  numeric.histogram = {{-1.5, 0.1 + 0.2, 1e300}, {5, 9994}};

  data::ColumnSummary categorical;
  categorical.name = "color";
  categorical.type = data::ColumnType::kCategorical;
  categorical.missing_count = 0;
  categorical.distinct_count = 2;
  categorical.top_values = {{"red", 7}, {"blue \"navy\"", 2}};
  categorical.pii = "email";

  data::ColumnSummary boolean;
  boolean.name = "active";
  boolean.type = data::ColumnType::kBoolean;
  boolean.distinct_count = 2;
  boolean.min = 0;
  boolean.max = 1;
  boolean.mean = 0.75;
  boolean.stddev = 0.4330127018922193;
  boolean.top_values = {{"true", 3}, {"false", 1}};

  data::ColumnSummary only_min;  // an optional stat present while others are absent
  only_min.name = "partial";
  only_min.type = data::ColumnType::kInteger;
  only_min.min = 4;

  const std::vector<data::ColumnSummary> columns = {numeric, categorical, boolean, only_min};
  core::Result<std::vector<data::ColumnSummary>> decoded = DecodeColumnSummaries(EncodeColumnSummaries(columns));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, columns);
  EXPECT_FALSE((*decoded)[1].min.has_value());
  EXPECT_FALSE((*decoded)[3].max.has_value());
  EXPECT_TRUE((*decoded)[3].min.has_value());
}

// Profiling a column such as {1e308, -1e308} overflows its mean and standard deviation.
TEST(RecordCodecTest, ColumnSummaryWithNonFiniteStatsRoundTrips) {
  data::ColumnSummary column;
  column.name = "overflow";
  column.min = -1e308;
  column.max = 1e308;
  column.mean = std::nan("");
  column.stddev = kInf;
  std::string text = EncodeColumnSummaries({column});
  core::Result<std::vector<data::ColumnSummary>> decoded = DecodeColumnSummaries(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString() << " for " << text;
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].min, -1e308);
  EXPECT_EQ((*decoded)[0].max, 1e308);
  ASSERT_TRUE((*decoded)[0].mean.has_value());
  EXPECT_TRUE(std::isnan(*(*decoded)[0].mean));
  EXPECT_EQ((*decoded)[0].stddev, kInf);
}

struct MalformedCase {
  const char* name;
  const char* text;
};
// How gtest prints a case (in --gtest_list_tests and failures): its name and text, not the struct's bytes.
void PrintTo(const MalformedCase& malformed, std::ostream* out) {
  *out << malformed.name << ": " << testing::PrintToString(std::string(malformed.text));
}

class MalformedNumberMapTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedNumberMapTest, IsDataLoss) {
  core::Result<std::map<std::string, double>> decoded = DecodeNumberMap(GetParam().text);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), core::StatusCode::kDataLoss) << decoded.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedNumberMapTest,
                         testing::Values(MalformedCase{"Empty", ""}, MalformedCase{"Truncated", "{\"a\":1"},
                                         MalformedCase{"NotJson", "rmse=1"}, MalformedCase{"Array", "[1,2]"},
                                         MalformedCase{"StringValue", "{\"a\":\"x\"}"},
                                         MalformedCase{"NullValue", "{\"a\":null}"},
                                         MalformedCase{"NestedValue", "{\"a\":{}}"},
                                         MalformedCase{"UnknownWord", "{\"a\":\"Bogus\"}"},
                                         MalformedCase{"TrailingGarbage", "{} x"}),
                         [](const testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

class MalformedStringListTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedStringListTest, IsDataLoss) {
  core::Result<std::vector<std::string>> decoded = DecodeStringList(GetParam().text);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), core::StatusCode::kDataLoss) << decoded.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedStringListTest,
                         testing::Values(MalformedCase{"Empty", ""}, MalformedCase{"Object", "{}"},
                                         MalformedCase{"NumberItem", "[\"a\",1]"},
                                         MalformedCase{"Unterminated", "[\"a\""}),
                         [](const testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

class MalformedFeaturesTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedFeaturesTest, IsDataLoss) {
  core::Result<std::vector<FeatureField>> decoded = DecodeFeatures(GetParam().text);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), core::StatusCode::kDataLoss) << decoded.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedFeaturesTest,
    testing::Values(MalformedCase{"Empty", ""}, MalformedCase{"Object", "{}"},
                    MalformedCase{"ItemNotObject", "[\"x\"]"}, MalformedCase{"MissingType", "[{\"name\":\"x\"}]"},
                    MalformedCase{"MissingName", "[{\"type\":\"numeric\"}]"},
                    MalformedCase{"UnknownType", "[{\"name\":\"x\",\"type\":\"complex\"}]"},
                    MalformedCase{"TypeNotString", "[{\"name\":\"x\",\"type\":1}]"}),
    [](const testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

class MalformedColumnSummariesTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedColumnSummariesTest, IsDataLoss) {
  core::Result<std::vector<data::ColumnSummary>> decoded = DecodeColumnSummaries(GetParam().text);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), core::StatusCode::kDataLoss) << decoded.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedColumnSummariesTest,
    testing::Values(
        MalformedCase{"Empty", ""}, MalformedCase{"Object", "{}"}, MalformedCase{"ItemNotObject", "[1]"},
        MalformedCase{"MissingTop", "[{\"name\":\"a\",\"type\":\"numeric\",\"missing\":0,\"distinct\":0}]"},
        MalformedCase{"MissingCount",
                      "[{\"name\":\"a\",\"type\":\"numeric\",\"missing\":1.5,\"distinct\":0,\"top\":[]}]"},
        MalformedCase{"UnknownType", "[{\"name\":\"a\",\"type\":\"x\",\"missing\":0,\"distinct\":0,\"top\":[]}]"},
        MalformedCase{"TopNotPair",
                      "[{\"name\":\"a\",\"type\":\"numeric\",\"missing\":0,\"distinct\":0,\"top\":[[\"v\"]]}]"},
        MalformedCase{"TopCountNotInt",
                      "[{\"name\":\"a\",\"type\":\"numeric\",\"missing\":0,\"distinct\":0,\"top\":[[\"v\",\"1\"]]}]"},
        MalformedCase{"Truncated", "[{\"name\":\"a\""}),
    [](const testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(RecordCodecTest, DecodedSummaryKeepsTopValueOrder) {
  core::Result<std::vector<data::ColumnSummary>> decoded = DecodeColumnSummaries(
      "[{\"name\":\"c\",\"type\":\"categorical\",\"missing\":2,\"distinct\":3,\"top\":[[\"z\",5],[\"a\",1]]}]");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].missing_count, 2);
  EXPECT_FALSE((*decoded)[0].distinct_capped);  // absent means false
  EXPECT_THAT((*decoded)[0].top_values, ElementsAre(data::ValueCount{"z", 5}, data::ValueCount{"a", 1}));
}

TEST(RecordCodecTest, DecodedNumberMapIsSortedByKey) {
  core::Result<std::map<std::string, double>> decoded = DecodeNumberMap("{\"b\":2,\"a\":1}");
  ASSERT_TRUE(decoded.ok());
  EXPECT_THAT(*decoded, ElementsAre(Pair("a", 1.0), Pair("b", 2.0)));
}

TEST(RecordCodecTest, LeaderboardRoundTripsAndEmptyTextIsEmpty) {
  const std::vector<LeaderboardEntry> entries = {
      {1, "xgboost_classifier", {{"max_depth", 3}, {"learning_rate", 0.1}}, "log_loss", 0.125, 0.01, 2.5, true},
      {2, "logistic_regression", {}, "log_loss", std::numeric_limits<double>::infinity(), 0, 0.1}};
  core::Result<std::vector<LeaderboardEntry>> decoded = DecodeLeaderboard(EncodeLeaderboard(entries));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, entries);
  EXPECT_TRUE(DecodeLeaderboard("")->empty());
  EXPECT_FALSE(DecodeLeaderboard("{}").ok());
  EXPECT_FALSE(DecodeLeaderboard("[{\"rank\":1}]").ok());
  // Recorded before entries said which was published: none is.
  core::Result<std::vector<LeaderboardEntry>> older = DecodeLeaderboard("[{\"rank\":1,\"params\":{}}]");
  ASSERT_TRUE(older.ok());
  EXPECT_FALSE(older->front().published);
}

TEST(RecordCodecTest, JobOptionsAndProgressRoundTrip) {
  JobRecord job;
  job.request.search.method = "random";
  job.request.search.space = {{"max_depth", {3, 6}}, {"learning_rate", {0.05, 0.3}}};
  job.request.search.trials = 20;
  job.request.search.folds = 5;
  job.request.search.repeats = 2;
  job.request.cpu_budget = 3;
  job.request.workers = 4;
  job.request.time_budget_seconds = 30;
  job.resubmitted_from = "job_1";
  JobRecord decoded;
  ASSERT_TRUE(DecodeJobOptions(EncodeJobOptions(job), &decoded).ok());
  EXPECT_EQ(decoded.request.search, job.request.search);
  EXPECT_EQ(decoded.request.cpu_budget, 3);
  EXPECT_EQ(decoded.request.workers, 4);
  EXPECT_EQ(decoded.request.time_budget_seconds, 30);
  EXPECT_EQ(decoded.resubmitted_from, "job_1");
  // auto's options carry no method: repeats alone still round-trips.
  JobRecord auto_job;
  auto_job.request.search.repeats = 5;
  JobRecord auto_decoded;
  ASSERT_TRUE(DecodeJobOptions(EncodeJobOptions(auto_job), &auto_decoded).ok());
  EXPECT_EQ(auto_decoded.request.search, auto_job.request.search);
  // Rows written before the column existed hold '' and read as no options.
  JobRecord old;
  ASSERT_TRUE(DecodeJobOptions("", &old).ok());
  EXPECT_TRUE(old.request.search.method.empty());
  EXPECT_EQ(old.request.workers, 1);

  const JobProgress progress{"searching", 2, 7, 40, 200, 3.5};
  core::Result<JobProgress> round_trip = DecodeJobProgress(EncodeJobProgress(progress));
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(*round_trip, progress);
  EXPECT_EQ(DecodeJobProgress("")->eta_seconds, -1);
}

}  // namespace
}  // namespace amp::storage
