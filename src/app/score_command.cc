#include "app/score_command.h"

#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>

#include "api/csv_row_decoder.h"
#include "api/scored_batch.h"
#include "registry/model_bundle.h"

namespace amp::app {
namespace {

int Fail(const std::string& message) {
  std::cerr << "amp score: " << message << "\n";
  return 1;
}

bool ReadFile(const std::filesystem::path& path, std::string* out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream contents;
  contents << file.rdbuf();
  *out = std::move(contents).str();
  return static_cast<bool>(file) || file.eof();
}

}  // namespace

int RunScore(const ScoreOptions& options) {
  std::string bundle_bytes;
  if (!ReadFile(options.bundle, &bundle_bytes)) return Fail("cannot read the bundle " + options.bundle.string());
  auto bundle = registry::DecodeBundle(bundle_bytes);
  if (!bundle.ok()) return Fail(options.bundle.string() + ": " + bundle.status().message());
  bundle_bytes.clear();
  bundle_bytes.shrink_to_fit();

  std::string csv;
  if (!ReadFile(options.input, &csv)) return Fail("cannot read " + options.input.string());
  const ml::ModelSignature& signature = bundle->model->signature();
  api::CsvRowDecoder decoder;
  if (core::Status decoded = decoder.Decode(csv, signature, std::numeric_limits<size_t>::max()); !decoded.ok()) {
    return Fail(options.input.string() + ": " + decoded.message());
  }
  api::ScoredBatch scored;
  if (core::Status done = scored.Score(*bundle->model, decoder.values(), decoder.row_count(), options.explain);
      !done.ok()) {
    return Fail(done.message());
  }
  const std::string rendered = api::RenderScoredBatchCsv(signature, scored);
  if (options.output.empty()) {
    std::cout << rendered;
    std::cout.flush();
    if (!std::cout) return Fail("cannot write the predictions to standard output");
  } else {
    std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
    out << rendered;
    out.close();
    if (!out) return Fail("cannot write " + options.output.string());
  }
  std::cerr << "scored " << decoder.row_count() << " rows with " << bundle->model_name << " version "
            << bundle->version.version << " (" << bundle->version.algorithm << ")";
  if (scored.notes.WarningCount() > 0) {
    std::cerr << "; " << scored.notes.WarningCount() << " warnings, the first: " << scored.notes.warnings.front();
  }
  std::cerr << "\n";
  return 0;
}

}  // namespace amp::app
