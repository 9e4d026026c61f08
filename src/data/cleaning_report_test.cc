#include "data/cleaning_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace amp::data {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

TableSummary Summary() {
  TableSummary summary;
  summary.row_count = 50;
  auto add = [&](std::string name, ColumnType type, int64_t distinct, std::string pii = "",
                 std::vector<std::string> top = {}) {
    ColumnSummary column;
    column.name = std::move(name);
    column.type = type;
    column.distinct_count = distinct;
    column.pii = std::move(pii);
    for (std::string& value : top) column.top_values.push_back({std::move(value), 1});
    summary.columns.push_back(std::move(column));
  };
  add("id", ColumnType::kInteger, 50);
  add("email", ColumnType::kCategorical, 50, "email", {"a@b.example"});
  add("country", ColumnType::kCategorical, 1, "", {"NO"});
  add("day", ColumnType::kCategorical, 20, "", {"2024-05-01"});
  add("amount", ColumnType::kNumeric, 45);
  return summary;
}

TEST(CleaningReportTest, DatasetLevelJson) {
  const std::string json = CleaningReportToJson(DatasetCleaningReport(Summary()));
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_EQ(doc["rows"].GetInt64(), 50);
  EXPECT_FALSE(doc.HasMember("target"));  // no training-time fields
  EXPECT_FALSE(doc.HasMember("leaking_features"));
  EXPECT_STREQ(doc["id_like_columns"][0].GetString(), "id");
  EXPECT_STREQ(doc["personal_data_columns"][0].GetString(), "email");
  EXPECT_STREQ(doc["constant_columns"][0].GetString(), "country");
  ASSERT_EQ(doc["columns"].Size(), 5u);
  EXPECT_STREQ(doc["columns"][3]["role"].GetString(), "datetime");
  EXPECT_STREQ(doc["columns"][0]["excluded_because"].GetString(), "id_like");
  EXPECT_FALSE(doc["columns"][4].HasMember("reason"));
  EXPECT_EQ(doc["summary"].Size(), 4u);  // three exclusions and one date column
}

TEST(CleaningReportTest, TrainingLevelSummarySentences) {
  CleaningReport report = DatasetCleaningReport(Summary());
  report.has_target = true;
  report.target = "amount";
  report.rows_missing_target = 1;
  report.duplicate_rows = 3;
  report.leaks.push_back({"amount_copy", "correlation", 0.9995});
  report.outliers.push_back({"amount", 2, -10.0, 30.5});
  report.missing_indicators = {"a", "b"};
  report.other_buckets = {"c"};
  const std::vector<std::string> lines = CleaningReportSummary(report);
  EXPECT_THAT(lines, Contains("1 row with a missing target 'amount' was dropped."));
  EXPECT_THAT(lines, Contains("3 rows repeat an earlier row exactly; kept."));
  EXPECT_THAT(lines, Contains(HasSubstr("Feature 'amount_copy' nearly determines the target (correlation 1.000)")));
  EXPECT_THAT(lines, Contains(HasSubstr("Feature 'amount' has 2 extreme values outside [-10.0000, 30.5000]")));
  EXPECT_THAT(lines, Contains(HasSubstr("'a' and 'b' go with a different target")));
  rapidjson::Document doc;
  const std::string json = CleaningReportToJson(report);
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_EQ(doc["rows_missing_target_dropped"].GetInt64(), 1);
  EXPECT_EQ(doc["duplicate_rows"].GetInt64(), 3);
  EXPECT_STREQ(doc["leaking_features"][0]["measure"].GetString(), "correlation");
  EXPECT_EQ(doc["outliers"][0]["count"].GetInt64(), 2);
  EXPECT_STREQ(doc["other_buckets"][0].GetString(), "c");
}

}  // namespace
}  // namespace amp::data
