#include "cli/model_view.h"

#include <sstream>
#include <vector>

#include "cli/answer_format.h"

namespace amp::cli {
namespace {

// Each feature and its importance, most important first (the server's order), as "name 0.123, ...": at most `limit`.
std::string ImportanceText(simdjson::dom::element version, size_t limit) {
  simdjson::dom::array importance;
  if (version["feature_importance"].get(importance) != simdjson::SUCCESS) return "";
  std::string text;
  size_t shown = 0;
  for (simdjson::dom::element entry : importance) {
    if (shown == limit) {
      text += ", ... (" + std::to_string(importance.size() - limit) + " more)";
      break;
    }
    double value = 0.0;
    if (entry["importance"].get(value) != simdjson::SUCCESS) value = 0.0;
    text += (text.empty() ? "" : ", ") + FieldText(entry, "feature") + " " + NumberText(value, 4);
    ++shown;
  }
  return text;
}

// "name (type), ..." of a version's features.
std::string FeaturesText(simdjson::dom::element version) {
  simdjson::dom::array features;
  if (version["features"].get(features) != simdjson::SUCCESS) return "";
  std::string text;
  for (simdjson::dom::element feature : features) {
    text += (text.empty() ? "" : ", ") + FieldText(feature, "name") + " (" + FieldText(feature, "type") + ")";
  }
  return text;
}

// "train/holdout" row counts from a version's metrics.
std::string RowsText(simdjson::dom::element version) {
  double train = 0.0;
  double holdout = 0.0;
  if (version["metrics"]["train_rows"].get(train) != simdjson::SUCCESS) return "-";
  if (version["metrics"]["holdout_rows"].get(holdout) != simdjson::SUCCESS) holdout = 0.0;
  return std::to_string(static_cast<int64_t>(train)) + "/" + std::to_string(static_cast<int64_t>(holdout));
}

void RenderVersionDetail(simdjson::dom::element version, std::ostringstream& out) {
  out << "target: " << FieldText(version, "target") << " (" << FieldText(version, "task") << ")\n";
  out << "features: " << FeaturesText(version) << "\n";
  out << "algorithm: " << FieldText(version, "algorithm") << " (" << ParamsText(version["params"]) << ")\n";
  if (const std::string metrics = FormatMetrics(version); !metrics.empty()) {
    out << "holdout: " << metrics << "\n";
  }
  if (const std::string importance = ImportanceText(version, 10); !importance.empty()) {
    out << "feature importance: " << importance << "\n";
  }
  simdjson::dom::array leaderboard;
  if (version["leaderboard"].get(leaderboard) == simdjson::SUCCESS && leaderboard.size() > 0) {
    out << "leaderboard: " << leaderboard.size() << " trials (amp models show --json for all of them)\n";
  }
  simdjson::dom::element report;
  if (version["cleaning_report"].get(report) == simdjson::SUCCESS && report.is_object()) {
    out << "cleaning: " << FieldText(report, "rows_used") << " of " << FieldText(report, "rows")
        << " rows used, " << FieldText(report, "duplicate_rows") << " duplicate rows\n";
    for (const std::string& sentence : StringArray(report, "summary")) out << "  - " << sentence << "\n";
  }
  simdjson::dom::element lineage;
  if (version["lineage"].get(lineage) == simdjson::SUCCESS && lineage.is_object()) {
    out << "lineage: dataset " << FieldText(lineage, "dataset_id");
    if (const std::string job = FieldText(lineage, "job_id"); !job.empty()) out << ", job " << job;
    if (const std::string code = FieldText(lineage, "code_version"); !code.empty()) out << ", code " << code;
    out << "\n";
  }
  simdjson::dom::element artifact;
  if (version["artifact"].get(artifact) == simdjson::SUCCESS && artifact.is_object()) {
    out << "artifact: " << FieldText(artifact, "size_bytes") << " bytes, sha256 " << FieldText(artifact, "sha256")
        << "\n";
  }
}

}  // namespace

std::string RenderModel(simdjson::dom::element model) {
  std::ostringstream out;
  bool is_public = false;
  if (model["public"].get(is_public) != simdjson::SUCCESS) is_public = false;
  out << "model " << FieldText(model, "name") << " (" << FieldText(model, "id") << "), "
      << (is_public ? "public" : "private") << "\n";
  if (const std::string description = FieldText(model, "description"); !description.empty()) {
    out << "description: " << description << "\n";
  }
  const std::string owner = FieldText(model, "owner");
  const std::string tags = JoinedStrings(model, "tags");
  if (!owner.empty() || !tags.empty()) {
    out << "owner: " << (owner.empty() ? "-" : owner) << "; tags: " << (tags.empty() ? "-" : tags) << "\n";
  }
  std::string aliases;
  simdjson::dom::object alias_object;
  if (model["aliases"].get(alias_object) == simdjson::SUCCESS) {
    for (auto alias : alias_object) {
      aliases += (aliases.empty() ? "" : ", ") + std::string(alias.key) + " -> " + simdjson::minify(alias.value);
    }
  }
  const std::string served = FieldText(model, "served_version");
  out << "served version: " << (served.empty() ? "-" : served) << "; aliases: " << (aliases.empty() ? "-" : aliases);
  simdjson::dom::element retention;
  int64_t keep_last = 0;
  if (model["retention"].get(retention) == simdjson::SUCCESS && retention["keep_last"].get(keep_last) ==
                                                                     simdjson::SUCCESS) {
    out << "; retention: keep the last " << keep_last;
  }
  out << "\n";

  simdjson::dom::array versions;
  if (model["versions"].get(versions) != simdjson::SUCCESS || versions.size() == 0) {
    out << "no versions yet\n";
    return out.str();
  }
  std::vector<std::vector<std::string>> rows = {{"VERSION", "CREATED", "ALGORITHM", "ROWS", "METRICS"}};
  simdjson::dom::element detail;  // the served version, else the last listed (the newest)
  bool detail_is_served = false;
  for (simdjson::dom::element version : versions) {
    const std::string number = FieldText(version, "version");
    const bool is_served = number == served;
    rows.push_back({number + (is_served ? " *" : ""), FieldText(version, "created_at"), FieldText(version, "algorithm"),
                    RowsText(version), FormatMetrics(version)});
    if (!detail_is_served) detail = version;
    detail_is_served = detail_is_served || is_served;
  }
  out << "\n" << FormatTable(rows) << "(* served; ROWS: training/holdout)\n\nversion " << FieldText(detail, "version")
      << (detail_is_served ? " (served)" : "") << ":\n";
  RenderVersionDetail(detail, out);
  return out.str();
}

}  // namespace amp::cli
