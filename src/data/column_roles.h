// Column roles: what training does with each column of a dataset, decided from the dataset's profile (TableSummary)
// alone, so a request is checked before any job is queued. Every excluded column carries a reason a person can read.
// Used by PlanTraining and by the dataset-level cleaning report (GET /v1/datasets/{id}). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "data/table_summary.h"

namespace amp::data {

enum class ColumnRole {
  kNumeric,      // numeric or integer: imputed, scaled where the algorithm needs it
  kBoolean,      // 0/1
  kCategorical,  // one-hot, capped, rare levels in an "other" bucket
  kDateTime,     // text that parses as dates: year, month, day, weekday (and hour) features
  kExcluded,     // not a feature; see ColumnRoleDecision::exclusion
};

// Why a column is excluded; the names are part of the API ("id_like", ...).
enum class Exclusion { kNone, kTarget, kEmpty, kConstant, kIdLike, kFreeText, kPersonalData, kNotRequested };

// "numeric", "boolean", "categorical", "datetime", "excluded" / "", "target", "empty", "constant", "id_like",
// "free_text", "personal_data", "not_requested" (the request lists its features and not this one).
std::string_view ColumnRoleName(ColumnRole role);
std::string_view ExclusionName(Exclusion exclusion);

struct ColumnRoleDecision {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  ColumnRole role = ColumnRole::kNumeric;
  Exclusion exclusion = Exclusion::kNone;
  std::string reason;  // a sentence for a person; set for excluded columns and for date/time columns
  bool operator==(const ColumnRoleDecision&) const = default;
};

// Which columns flagged as personal or payment data (ColumnSummary::pii) a request lets training use.
struct PersonalDataAllowance {
  bool all = false;
  std::set<std::string> columns;
  bool Allows(std::string_view column) const { return all || columns.count(std::string(column)) > 0; }
};

// Thresholds of the rules below.
inline constexpr int64_t kMinRowsForIdLike = 20;  // fewer rows say nothing about uniqueness
inline constexpr double kIdLikeDistinctShare = 0.95;
inline constexpr double kFreeTextMinWords = 4.0;  // mean words per sampled value

// The role a column's type gives it, ignoring the exclusion rules: numeric/integer -> numeric, boolean -> boolean,
// categorical -> datetime when every sampled value (ColumnSummary::top_values, at least one) parses as a date
// (data::ParseDateTime), else categorical. Used for features a request names explicitly.
ColumnRole RoleByType(const ColumnSummary& column);

// The role of every column of `summary`, in its order. Rules, first match wins:
//   the column named `target`                               -> excluded (target)
//   no value in any row                                     -> excluded (empty)
//   one distinct value and no missing cell                  -> excluded (constant)
//   flagged as personal/payment data and not allowed        -> excluded (personal_data)
//   categorical whose sampled values average >= 4 words and
//     at least half the values distinct                     -> excluded (free_text)
//   integer or categorical, not dates, with >= kMinRowsForIdLike values, at least 95% of them distinct, and
//     either categorical or named like an identifier ("id", "*_id", "*Id", "uuid", "key") -> excluded (id_like)
//   otherwise RoleByType (dates recognized from the sampled values).
// Number columns are ID-like only by name: continuous measurements and counters (x = 1..n) are often all distinct.
std::vector<ColumnRoleDecision> DecideColumnRoles(const TableSummary& summary, std::string_view target,
                                                  const PersonalDataAllowance& allowance);

}  // namespace amp::data
