#include "data/column_roles.h"

#include <cctype>
#include <cmath>

#include "data/date_time.h"

namespace amp::data {
namespace {

std::string LowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool NamedLikeIdentifier(std::string_view name) {
  const std::string lower = LowerAscii(name);
  if (lower == "id" || lower == "uuid" || lower == "guid" || lower == "key" || lower == "index") return true;
  if (EndsWith(lower, "_id") || EndsWith(lower, "-id") || EndsWith(lower, " id") || EndsWith(lower, "_uuid") ||
      EndsWith(lower, "_key")) {
    return true;
  }
  // camelCase: "customerId", "orderID".
  return name.size() > 2 && (EndsWith(name, "Id") || EndsWith(name, "ID")) &&
         std::islower(static_cast<unsigned char>(name[name.size() - 3]));
}

double MeanWords(const std::vector<ValueCount>& values) {
  if (values.empty()) return 0.0;
  double words = 0.0;
  for (const ValueCount& value : values) {
    bool in_word = false;
    for (char c : value.value) {
      const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
      if (!blank && !in_word) words += 1.0;
      in_word = !blank;
    }
  }
  return words / static_cast<double>(values.size());
}

bool AllParseAsDates(const std::vector<ValueCount>& values) {
  if (values.empty()) return false;
  for (const ValueCount& value : values) {
    if (!ParseDateTime(value.value).has_value()) return false;
  }
  return true;
}

std::string Percent(double share) {
  return std::to_string(static_cast<int>(std::lround(share * 100.0))) + "%";
}

ColumnRoleDecision Decide(const ColumnSummary& column, int64_t row_count, std::string_view target,
                          const PersonalDataAllowance& allowance) {
  ColumnRoleDecision decision;
  decision.name = column.name;
  decision.type = column.type;
  auto exclude = [&](Exclusion exclusion, std::string reason) {
    decision.role = ColumnRole::kExcluded;
    decision.exclusion = exclusion;
    decision.reason = std::move(reason);
    return decision;
  };
  const int64_t present = row_count - column.missing_count;
  if (column.name == target) return exclude(Exclusion::kTarget, "the target of the model");
  if (present <= 0) return exclude(Exclusion::kEmpty, "has no value in any row");
  if (column.distinct_count == 1 && !column.distinct_capped && column.missing_count == 0) {
    std::string value = column.top_values.empty() ? std::string() : " ('" + column.top_values.front().value + "')";
    return exclude(Exclusion::kConstant, "has the same value" + value + " in every row, so it cannot inform a model");
  }
  if (!column.pii.empty() && !allowance.Allows(column.name)) {
    return exclude(Exclusion::kPersonalData,
                   "looks like personal or payment data (" + column.pii +
                       "); excluded unless the train request allows it with \"allow_personal_data\"");
  }
  const double distinct_share = static_cast<double>(column.distinct_count) / static_cast<double>(present);
  if (column.type == ColumnType::kCategorical && distinct_share >= 0.5 &&
      MeanWords(column.top_values) >= kFreeTextMinWords) {
    return exclude(Exclusion::kFreeText, "is free text (" + Percent(std::min(distinct_share, 1.0)) +
                                             " of its values distinct, several words each); free text is not "
                                             "encoded as a feature");
  }
  if (present >= kMinRowsForIdLike && distinct_share >= kIdLikeDistinctShare &&
      (column.type == ColumnType::kCategorical || column.type == ColumnType::kInteger) &&
      !AllParseAsDates(column.top_values)) {
    if (column.type == ColumnType::kCategorical || NamedLikeIdentifier(column.name)) {
      return exclude(Exclusion::kIdLike, "looks like an identifier (" + Percent(std::min(distinct_share, 1.0)) +
                                             " of its values distinct), which does not generalize to new rows");
    }
  }
  decision.role = RoleByType(column);
  if (decision.role == ColumnRole::kDateTime) {
    decision.reason = "its values are dates: encoded as year, month, day and weekday (and hour when they have a time)";
  }
  return decision;
}

}  // namespace

ColumnRole RoleByType(const ColumnSummary& column) {
  switch (column.type) {
    case ColumnType::kNumeric:
    case ColumnType::kInteger:
      return ColumnRole::kNumeric;
    case ColumnType::kBoolean:
      return ColumnRole::kBoolean;
    case ColumnType::kCategorical:
      break;
  }
  return AllParseAsDates(column.top_values) ? ColumnRole::kDateTime : ColumnRole::kCategorical;
}

std::string_view ColumnRoleName(ColumnRole role) {
  switch (role) {
    case ColumnRole::kNumeric:
      return "numeric";
    case ColumnRole::kBoolean:
      return "boolean";
    case ColumnRole::kCategorical:
      return "categorical";
    case ColumnRole::kDateTime:
      return "datetime";
    case ColumnRole::kExcluded:
      return "excluded";
  }
  return "";
}

std::string_view ExclusionName(Exclusion exclusion) {
  switch (exclusion) {
    case Exclusion::kNone:
      return "";
    case Exclusion::kTarget:
      return "target";
    case Exclusion::kEmpty:
      return "empty";
    case Exclusion::kConstant:
      return "constant";
    case Exclusion::kIdLike:
      return "id_like";
    case Exclusion::kFreeText:
      return "free_text";
    case Exclusion::kPersonalData:
      return "personal_data";
    case Exclusion::kNotRequested:
      return "not_requested";
  }
  return "";
}

std::vector<ColumnRoleDecision> DecideColumnRoles(const TableSummary& summary, std::string_view target,
                                                  const PersonalDataAllowance& allowance) {
  std::vector<ColumnRoleDecision> decisions;
  decisions.reserve(summary.columns.size());
  for (const ColumnSummary& column : summary.columns) {
    decisions.push_back(Decide(column, summary.row_count, target, allowance));
  }
  return decisions;
}

}  // namespace amp::data
