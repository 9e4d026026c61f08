// How `amp train` and `amp jobs show` name what a succeeded search published: its algorithm and parameters from the
// version, and a note when that is not the leaderboard's first ranked entry (a simpler model within one standard
// error of it, or the best trial when the time budget ended an ensemble's refits; the job log says why). Pure;
// thread-safe.
#pragma once

#include <simdjson.h>

#include <string>

namespace amp::cli {

// "published: <algorithm> (<params>)[, not the first ranked[ but rank N] (...)]\n" from the job (GET /v1/jobs/{id})
// and its published version (GET /v1/models/{name}/versions/{n}); "" when the job has no leaderboard. The entry
// marked "published" says which row it is; without one (jobs recorded before), the version is matched to the first.
std::string RenderPublished(simdjson::dom::element job, simdjson::dom::element version);

}  // namespace amp::cli
