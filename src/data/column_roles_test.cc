#include "data/column_roles.h"

#include <gtest/gtest.h>

namespace amp::data {
namespace {

ColumnSummary Column(std::string name, ColumnType type, int64_t missing, int64_t distinct,
                     std::vector<std::string> top = {}, std::string pii = "") {
  ColumnSummary column;
  column.name = std::move(name);
  column.type = type;
  column.missing_count = missing;
  column.distinct_count = distinct;
  for (std::string& value : top) column.top_values.push_back({std::move(value), 1});
  column.pii = std::move(pii);
  return column;
}

struct RoleCase {
  ColumnSummary column;
  ColumnRole role;
  Exclusion exclusion;
};

TEST(DecideColumnRolesTest, Table) {
  const std::vector<RoleCase> cases = {
      {Column("y", ColumnType::kNumeric, 0, 100), ColumnRole::kExcluded, Exclusion::kTarget},
      {Column("price", ColumnType::kNumeric, 3, 100), ColumnRole::kNumeric, Exclusion::kNone},
      {Column("count", ColumnType::kInteger, 0, 100), ColumnRole::kNumeric, Exclusion::kNone},  // x = 1..n stays
      {Column("flag", ColumnType::kBoolean, 0, 2, {"true", "false"}), ColumnRole::kBoolean, Exclusion::kNone},
      {Column("color", ColumnType::kCategorical, 0, 3, {"red", "green", "blue"}), ColumnRole::kCategorical,
       Exclusion::kNone},
      {Column("nothing", ColumnType::kCategorical, 100, 0), ColumnRole::kExcluded, Exclusion::kEmpty},
      {Column("same", ColumnType::kCategorical, 0, 1, {"x"}), ColumnRole::kExcluded, Exclusion::kConstant},
      // One value but sometimes missing: the missingness may carry signal, so it stays.
      {Column("sometimes", ColumnType::kNumeric, 10, 1), ColumnRole::kNumeric, Exclusion::kNone},
      {Column("email", ColumnType::kCategorical, 0, 100, {"a@b.com"}, "email"), ColumnRole::kExcluded,
       Exclusion::kPersonalData},
      {Column("allowed_phone", ColumnType::kCategorical, 0, 90, {"+1 555 0100"}, "phone"), ColumnRole::kCategorical,
       Exclusion::kNone},
      {Column("comment", ColumnType::kCategorical, 0, 80, {"the parcel came late and damaged", "very happy with it"}),
       ColumnRole::kExcluded, Exclusion::kFreeText},
      // Short words repeated a lot are categories, not free text.
      {Column("phrase", ColumnType::kCategorical, 0, 5, {"one two three four five"}), ColumnRole::kCategorical,
       Exclusion::kNone},
      {Column("order_ref", ColumnType::kCategorical, 0, 100, {"A-1", "A-2"}), ColumnRole::kExcluded,
       Exclusion::kIdLike},
      {Column("customer_id", ColumnType::kInteger, 0, 98), ColumnRole::kExcluded, Exclusion::kIdLike},
      {Column("customerId", ColumnType::kInteger, 0, 100), ColumnRole::kExcluded, Exclusion::kIdLike},
      // Named like an id but repeating: a grouping key, kept as a number.
      {Column("store_id", ColumnType::kInteger, 0, 12), ColumnRole::kNumeric, Exclusion::kNone},
      {Column("when", ColumnType::kCategorical, 0, 100, {"2024-01-02", "2024-01-03 10:00"}), ColumnRole::kDateTime,
       Exclusion::kNone},
      {Column("mixed", ColumnType::kCategorical, 0, 4, {"2024-01-02", "soon"}), ColumnRole::kCategorical,
       Exclusion::kNone},
  };
  TableSummary summary;
  summary.row_count = 100;
  for (const RoleCase& test_case : cases) summary.columns.push_back(test_case.column);
  PersonalDataAllowance allowance;
  allowance.columns.insert("allowed_phone");
  std::vector<ColumnRoleDecision> decisions = DecideColumnRoles(summary, "y", allowance);
  ASSERT_EQ(decisions.size(), cases.size());
  for (size_t idx = 0; idx < cases.size(); ++idx) {
    SCOPED_TRACE(cases[idx].column.name);
    EXPECT_EQ(decisions[idx].name, cases[idx].column.name);
    EXPECT_EQ(ColumnRoleName(decisions[idx].role), ColumnRoleName(cases[idx].role));
    EXPECT_EQ(ExclusionName(decisions[idx].exclusion), ExclusionName(cases[idx].exclusion));
    EXPECT_EQ(decisions[idx].reason.empty(),
              cases[idx].role != ColumnRole::kExcluded && cases[idx].role != ColumnRole::kDateTime);
  }
}

TEST(DecideColumnRolesTest, PersonalDataAllowedForAll) {
  TableSummary summary;
  summary.row_count = 10;
  summary.columns.push_back(Column("email", ColumnType::kCategorical, 0, 3, {"a@b.com"}, "email"));
  PersonalDataAllowance none;
  EXPECT_EQ(DecideColumnRoles(summary, "", none)[0].exclusion, Exclusion::kPersonalData);
  EXPECT_NE(DecideColumnRoles(summary, "", none)[0].reason.find("allow_personal_data"), std::string::npos);
  PersonalDataAllowance all;
  all.all = true;
  EXPECT_EQ(DecideColumnRoles(summary, "", all)[0].role, ColumnRole::kCategorical);
}

TEST(DecideColumnRolesTest, FewRowsAreNeverIdLike) {
  TableSummary summary;
  summary.row_count = 10;
  summary.columns.push_back(Column("code", ColumnType::kCategorical, 0, 10, {"a", "b"}));
  EXPECT_EQ(DecideColumnRoles(summary, "", {})[0].role, ColumnRole::kCategorical);
}

}  // namespace
}  // namespace amp::data
