#include "data/cleaning_report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdio>

namespace amp::data {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void WriteStrings(Writer& writer, std::string_view key, const std::vector<std::string>& values) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writer.StartArray();
  for (const std::string& value : values) WriteString(writer, value);
  writer.EndArray();
}

// JSON has no NaN or infinity; findings are finite by construction, but a null is safer than invalid output.
void WriteNumber(Writer& writer, double value) {
  if (std::isfinite(value)) {
    writer.Double(value);
  } else {
    writer.Null();
  }
}

std::vector<std::string> Excluded(const CleaningReport& report, Exclusion exclusion) {
  std::vector<std::string> names;
  for (const ColumnRoleDecision& column : report.columns) {
    if (column.exclusion == exclusion) names.push_back(column.name);
  }
  return names;
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string text;
  for (size_t idx = 0; idx < names.size(); ++idx) {
    if (idx > 0) text += idx + 1 == names.size() ? " and " : ", ";
    text += "'" + names[idx] + "'";
  }
  return text;
}

std::string Plural(int64_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string Fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  return buffer;
}

}  // namespace

CleaningReport DatasetCleaningReport(const TableSummary& summary) {
  CleaningReport report;
  report.rows = summary.row_count;
  report.columns = DecideColumnRoles(summary, "", PersonalDataAllowance{});
  return report;
}

std::vector<std::string> CleaningReportSummary(const CleaningReport& report) {
  std::vector<std::string> lines;
  if (report.has_target) {
    if (report.rows_missing_target > 0) {
      lines.push_back(Plural(report.rows_missing_target, "row") + " with a missing target '" + report.target + "' " +
                      (report.rows_missing_target == 1 ? "was" : "were") + " dropped.");
    }
    if (report.duplicate_rows > 0) {
      lines.push_back(Plural(report.duplicate_rows, "row") + " repeat an earlier row exactly; kept.");
    }
  }
  for (const ColumnRoleDecision& column : report.columns) {
    if (column.role == ColumnRole::kExcluded && column.exclusion != Exclusion::kTarget) {
      lines.push_back("Column '" + column.name + "' is excluded: it " + column.reason + ".");
    } else if (column.role == ColumnRole::kDateTime) {
      lines.push_back("Column '" + column.name +
                      "' holds dates: encoded as year, month, day and weekday (and hour when they have a time).");
    }
  }
  for (const LeakFinding& leak : report.leaks) {
    lines.push_back("Feature '" + leak.feature + "' nearly determines the target (" + leak.measure + " " +
                    Fixed(leak.value, 3) +
                    "): it may leak the answer (a value only known after the fact); check it before trusting the "
                    "model's scores.");
  }
  for (const OutlierFinding& outlier : report.outliers) {
    lines.push_back("Feature '" + outlier.feature + "' has " + Plural(outlier.count, "extreme value") + " outside [" +
                    Fixed(outlier.lower_fence, 4) + ", " + Fixed(outlier.upper_fence, 4) +
                    "] (3 IQR beyond the quartiles); kept.");
  }
  if (!report.missing_indicators.empty()) {
    lines.push_back("Missing values in " + Quoted(report.missing_indicators) +
                    " go with a different target, so each got a missing-value indicator column.");
  }
  if (!report.other_buckets.empty()) {
    lines.push_back("Rare or excess levels of " + Quoted(report.other_buckets) + " share one \"other\" column.");
  }
  return lines;
}

std::string CleaningReportToJson(const CleaningReport& report) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("rows");
  writer.Int64(report.rows);
  if (report.has_target) {
    writer.Key("target");
    WriteString(writer, report.target);
    writer.Key("rows_missing_target_dropped");
    writer.Int64(report.rows_missing_target);
    writer.Key("rows_used");
    writer.Int64(report.rows_used);
    writer.Key("duplicate_rows");
    writer.Int64(report.duplicate_rows);
  }
  writer.Key("columns");
  writer.StartArray();
  for (const ColumnRoleDecision& column : report.columns) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, column.name);
    writer.Key("type");
    WriteString(writer, ColumnTypeName(column.type));
    writer.Key("role");
    WriteString(writer, ColumnRoleName(column.role));
    if (column.exclusion != Exclusion::kNone) {
      writer.Key("excluded_because");
      WriteString(writer, ExclusionName(column.exclusion));
    }
    if (!column.reason.empty()) {
      writer.Key("reason");
      WriteString(writer, column.reason);
    }
    writer.EndObject();
  }
  writer.EndArray();
  WriteStrings(writer, "constant_columns", Excluded(report, Exclusion::kConstant));
  WriteStrings(writer, "id_like_columns", Excluded(report, Exclusion::kIdLike));
  WriteStrings(writer, "free_text_columns", Excluded(report, Exclusion::kFreeText));
  WriteStrings(writer, "personal_data_columns", Excluded(report, Exclusion::kPersonalData));
  WriteStrings(writer, "empty_columns", Excluded(report, Exclusion::kEmpty));
  if (report.has_target) {
    writer.Key("leaking_features");
    writer.StartArray();
    for (const LeakFinding& leak : report.leaks) {
      writer.StartObject();
      writer.Key("feature");
      WriteString(writer, leak.feature);
      writer.Key("measure");
      WriteString(writer, leak.measure);
      writer.Key("value");
      WriteNumber(writer, leak.value);
      writer.EndObject();
    }
    writer.EndArray();
    writer.Key("outliers");
    writer.StartArray();
    for (const OutlierFinding& outlier : report.outliers) {
      writer.StartObject();
      writer.Key("feature");
      WriteString(writer, outlier.feature);
      writer.Key("count");
      writer.Int64(outlier.count);
      writer.Key("lower_fence");
      WriteNumber(writer, outlier.lower_fence);
      writer.Key("upper_fence");
      WriteNumber(writer, outlier.upper_fence);
      writer.EndObject();
    }
    writer.EndArray();
    WriteStrings(writer, "missing_indicators", report.missing_indicators);
    WriteStrings(writer, "other_buckets", report.other_buckets);
  }
  WriteStrings(writer, "summary", CleaningReportSummary(report));
  writer.EndObject();
  return buffer.GetString();
}

}  // namespace amp::data
