#include "cli/job_view.h"

#include "cli/answer_format.h"

namespace amp::cli {

std::string RenderPublished(simdjson::dom::element job, simdjson::dom::element version) {
  simdjson::dom::array leaderboard;
  simdjson::dom::element first;
  if (job["leaderboard"].get(leaderboard) != simdjson::SUCCESS || leaderboard.at(0).get(first) != simdjson::SUCCESS) {
    return "";
  }
  const std::string algorithm = FieldText(version, "algorithm");
  // The first ranked entry lists only the searched parameters (an ensemble's: its size), the version every resolved
  // one.
  bool is_first = FieldText(first, "algorithm") == algorithm;
  simdjson::dom::object searched;
  if (is_first && algorithm != "ensemble" && first["params"].get(searched) == simdjson::SUCCESS) {
    for (auto field : searched) {
      simdjson::dom::element published;
      is_first = is_first && version["params"][field.key].get(published) == simdjson::SUCCESS &&
                 simdjson::minify(published) == simdjson::minify(field.value);
    }
  }
  std::string out = "published: " + algorithm + " (" + ParamsText(version["params"]) + ")";
  if (!is_first) out += ", not the first ranked (`amp jobs logs " + FieldText(job, "id") + "` says why)";
  return out + "\n";
}

}  // namespace amp::cli
