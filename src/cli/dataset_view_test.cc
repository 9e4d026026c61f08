#include "cli/dataset_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace amp::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

simdjson::dom::element Parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element element;
  EXPECT_EQ(parser.parse(json).get(element), simdjson::SUCCESS);
  return element;
}

constexpr const char* kDataset = R"({
  "id": "ds_1", "name": "customers", "created_at": "2026-11-29T10:00:00.000Z", "row_count": 1000,
  "column_count": 4, "size_bytes": 52000, "sha256": "ab12",
  "columns": [
    {"name": "customer_id", "type": "integer", "missing_count": 0, "distinct_count": 1000, "min": 1.0,
     "max": 1000.0, "mean": 500.5},
    {"name": "email", "type": "categorical", "missing_count": 3, "distinct_count": 997, "pii": "email",
     "top_values": [{"value": "a@x.org", "count": 2}]},
    {"name": "plan", "type": "categorical", "missing_count": 0, "distinct_count": 5,
     "top_values": [{"value": "basic", "count": 500}, {"value": "pro", "count": 300}, {"value": "team", "count": 100},
                    {"value": "max", "count": 60}]},
    {"name": "spend", "type": "numeric", "missing_count": 12, "distinct_count": 900, "min": 0.5, "max": 12345.678,
     "mean": 81.25}],
  "cleaning_report": {"rows": 1000, "columns": [
      {"name": "customer_id", "type": "integer", "role": "excluded", "excluded_because": "id_like"},
      {"name": "email", "type": "categorical", "role": "excluded", "excluded_because": "personal_data"},
      {"name": "plan", "type": "categorical", "role": "categorical"},
      {"name": "spend", "type": "numeric", "role": "numeric"}],
    "summary": ["customer_id looks like an ID and is left out", "email holds personal data and is left out"]}})";

TEST(DatasetViewTest, ShowsEveryColumnWithItsRoleProfileAndTheCleaningReport) {
  simdjson::dom::parser parser;
  const std::string text = RenderDataset(Parse(parser, kDataset));
  EXPECT_THAT(text, HasSubstr("dataset customers (ds_1): 1000 rows, 4 columns, 52000 bytes, uploaded "
                              "2026-11-29T10:00:00.000Z\n"));
  EXPECT_THAT(text, HasSubstr("sha256: ab12\n"));
  EXPECT_THAT(text, HasSubstr("COLUMN       TYPE         ROLE                      MISSING  DISTINCT  VALUES\n"));
  EXPECT_THAT(text,
              HasSubstr("customer_id  integer      excluded (id_like)        0        1000      1..1000, mean 500.5\n"));
  EXPECT_THAT(text, HasSubstr("email        categorical  excluded (personal_data)  3"));
  EXPECT_THAT(text, HasSubstr("personal data: email; top: a@x.org 2\n"));
  EXPECT_THAT(text, HasSubstr("top: basic 500, pro 300, team 100, ...\n"));  // at most three values
  EXPECT_THAT(text, HasSubstr("0.5..12345.7, mean 81.25\n"));
  EXPECT_THAT(text, HasSubstr("cleaning report:\n  - customer_id looks like an ID and is left out\n"
                              "  - email holds personal data and is left out\n"));
}

TEST(DatasetViewTest, WithoutAReportRolesAreUnknownAndNothingElseIsClaimed) {
  simdjson::dom::parser parser;
  const std::string text = RenderDataset(Parse(parser, R"({"id": "ds_2", "name": "t", "row_count": 1,
      "column_count": 1, "columns": [{"name": "x", "type": "numeric", "missing_count": 1, "distinct_count": 0}]})"));
  EXPECT_THAT(text, HasSubstr("dataset t (ds_2): 1 rows, 1 columns\n"));
  EXPECT_THAT(text, HasSubstr("x       numeric  -     1        0\n"));  // no padding after the empty last column
  for (const char* absent : {"sha256", "bytes", "uploaded", "cleaning report"}) {
    EXPECT_THAT(text, Not(HasSubstr(absent)));
  }
}

TEST(DatasetViewTest, FindsADatasetByIdOrTheNewestOfAName) {
  simdjson::dom::parser parser;
  simdjson::dom::element list = Parse(parser, R"({"datasets": [
      {"id": "ds_a", "name": "sales", "created_at": "2026-11-29T09:00:00.000Z"},
      {"id": "ds_b", "name": "sales", "created_at": "2026-11-29T11:00:00.000Z"},
      {"id": "ds_c", "name": "ds_a", "created_at": "2026-11-29T12:00:00.000Z"},
      {"id": "ds_d", "name": "sales", "created_at": "2026-11-29T10:00:00.000Z"}]})");
  EXPECT_EQ(FindDatasetId(list, "sales"), "ds_b");
  EXPECT_EQ(FindDatasetId(list, "ds_d"), "ds_d");
  EXPECT_EQ(FindDatasetId(list, "ds_a"), "ds_a");  // an id before a name
  EXPECT_EQ(FindDatasetId(list, "nothing"), "");
  EXPECT_EQ(FindDatasetId(Parse(parser, R"({"error": "x"})"), "sales"), "");
}

}  // namespace
}  // namespace amp::cli
