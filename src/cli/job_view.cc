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
  const std::string why = " (`amp jobs logs " + FieldText(job, "id") + "` says why)";
  std::string out = "published: " + algorithm + " (" + ParamsText(version["params"]) + ")";
  // The search marks the entry it published; a job recorded before it did is matched by algorithm and parameters.
  for (auto entry : leaderboard) {
    bool published = false;
    if (entry["published"].get(published) != simdjson::SUCCESS || !published) continue;
    const std::string rank = FieldText(entry, "rank");
    if (rank != "1") out += ", not the first ranked but rank " + rank + why;
    return out + "\n";
  }
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
  if (!is_first) out += ", not the first ranked" + why;
  return out + "\n";
}

}  // namespace amp::cli
