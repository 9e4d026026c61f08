#include "cli/dataset_view.h"

#include <map>
#include <sstream>
#include <vector>

#include "cli/answer_format.h"

namespace amp::cli {
namespace {

std::string Number(double value) { return NumberText(value, 6); }

// "min..max, mean m" for a number column, "top: a 10, b 7, c 3" for the others; "" when the profile has neither.
std::string ValuesText(simdjson::dom::element column) {
  double low = 0.0;
  double high = 0.0;
  double mean = 0.0;
  if (column["min"].get(low) == simdjson::SUCCESS && column["max"].get(high) == simdjson::SUCCESS) {
    std::string text = Number(low) + ".." + Number(high);
    if (column["mean"].get(mean) == simdjson::SUCCESS) text += ", mean " + Number(mean);
    return text;
  }
  simdjson::dom::array top;
  if (column["top_values"].get(top) != simdjson::SUCCESS || top.size() == 0) return "";
  std::string text = "top:";
  size_t shown = 0;
  for (simdjson::dom::element entry : top) {
    if (shown == 3) {
      text += ", ...";
      break;
    }
    text += (shown == 0 ? " " : ", ") + FieldText(entry, "value") + " " + FieldText(entry, "count");
    ++shown;
  }
  return text;
}

}  // namespace

std::string RenderDataset(simdjson::dom::element dataset) {
  std::ostringstream out;
  out << "dataset " << FieldText(dataset, "name") << " (" << FieldText(dataset, "id") << "): "
      << FieldText(dataset, "row_count") << " rows, " << FieldText(dataset, "column_count") << " columns";
  if (const std::string bytes = FieldText(dataset, "size_bytes"); !bytes.empty()) out << ", " << bytes << " bytes";
  if (const std::string at = FieldText(dataset, "created_at"); !at.empty()) out << ", uploaded " << at;
  out << "\n";
  if (const std::string sha256 = FieldText(dataset, "sha256"); !sha256.empty()) out << "sha256: " << sha256 << "\n";

  // The role training would give each column, from the cleaning report (excluded ones with the reason).
  std::map<std::string, std::string> roles;
  simdjson::dom::element report;
  const bool has_report = dataset["cleaning_report"].get(report) == simdjson::SUCCESS && report.is_object();
  simdjson::dom::array report_columns;
  if (has_report && report["columns"].get(report_columns) == simdjson::SUCCESS) {
    for (simdjson::dom::element column : report_columns) {
      std::string role = FieldText(column, "role");
      if (const std::string reason = FieldText(column, "excluded_because"); !reason.empty()) {
        role += " (" + reason + ")";
      }
      roles[FieldText(column, "name")] = role;
    }
  }
  std::vector<std::vector<std::string>> rows = {{"COLUMN", "TYPE", "ROLE", "MISSING", "DISTINCT", "VALUES"}};
  simdjson::dom::array columns;
  if (dataset["columns"].get(columns) == simdjson::SUCCESS) {
    for (simdjson::dom::element column : columns) {
      const std::string name = FieldText(column, "name");
      std::string values = ValuesText(column);
      if (const std::string pii = FieldText(column, "pii"); !pii.empty()) {
        values = "personal data: " + pii + (values.empty() ? "" : "; " + values);
      }
      auto role = roles.find(name);
      rows.push_back({name, FieldText(column, "type"), role == roles.end() ? "-" : role->second,
                      FieldText(column, "missing_count"), FieldText(column, "distinct_count"), values});
    }
  }
  out << "\n" << FormatTable(rows);
  const std::vector<std::string> summary = has_report ? StringArray(report, "summary") : std::vector<std::string>{};
  if (!summary.empty()) {
    out << "\ncleaning report:\n";
    for (const std::string& sentence : summary) out << "  - " << sentence << "\n";
  }
  return out.str();
}

std::string FindDatasetId(simdjson::dom::element list, std::string_view name_or_id) {
  simdjson::dom::array datasets;
  if (list["datasets"].get(datasets) != simdjson::SUCCESS) return "";
  std::string newest_id;
  std::string newest_at;
  for (simdjson::dom::element dataset : datasets) {
    const std::string id = FieldText(dataset, "id");
    if (id == name_or_id) return id;
    const std::string created_at = FieldText(dataset, "created_at");  // ISO 8601 UTC: text order is time order
    if (FieldText(dataset, "name") == name_or_id && (newest_id.empty() || created_at > newest_at)) {
      newest_id = id;
      newest_at = created_at;
    }
  }
  return newest_id;
}

}  // namespace amp::cli
