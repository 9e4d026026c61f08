// `amp score`: scores a CSV file with a downloaded model bundle, with no server. It runs the server's own code for a
// text/csv request to POST /v1/models/{m}/predict (api::CsvRowDecoder, the model's Predict/Explain through
// api::ScoredBatch, api::RenderScoredBatchCsv), so its output is byte-identical to the server's answer for the
// same rows: one implementation, two entry points.
#pragma once

#include <filesystem>

namespace amp::app {

struct ScoreOptions {
  std::filesystem::path bundle;  // from GET /v1/models/{m}/versions/{n}/artifact or `amp models download`
  std::filesystem::path input;   // CSV with a header naming the model's features, in any order
  std::filesystem::path output;  // empty: standard output
  bool explain = false;          // add per-feature contributions and the base value, as ?explain=true does
};

// Returns the process exit code: 0, or 1 with the reason on standard error (unreadable or altered bundle, a CSV
// that does not fit the model's schema, naming the line and column).
int RunScore(const ScoreOptions& options);

}  // namespace amp::app
