// ParityScript: runs one of the reference scripts in tests/parity/ with Debian's /usr/bin/python3 for the parity
// tests of ml/ (AMP against scikit-learn and python3-xgboost), and reads what it wrote. Test-only, header-only; a
// test reports a skip loudly, because CI installs the packages and a skip there is a broken image, not a pass.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/table.h"

namespace amp::ml {

inline constexpr char kParityPython[] = "/usr/bin/python3";
// The scripts' exit code when a Python package they need is not installed.
inline constexpr int kParityMissingPackageExit = 3;

struct ParityScriptRun {
  enum class Outcome { kOk, kNoPython, kMissingPackage, kFailed };
  Outcome outcome = Outcome::kFailed;
  std::string command;

  // The script could not run here (no Python, or a package missing): the test skips.
  bool Skipped() const { return outcome == Outcome::kNoPython || outcome == Outcome::kMissingPackage; }

  // The message of a test that skips or fails because of this run; `packages` names what apt must install.
  std::string Explain(const std::string& packages) const {
    switch (outcome) {
      case Outcome::kOk:
        return "";
      case Outcome::kNoPython:
        return std::string("\n\n*** SKIPPED: ") + kParityPython + " does not exist, so the parity check did NOT run." +
               "\n*** CI installs " + packages + "; a skip there is a broken CI image, not a pass. ***\n";
      case Outcome::kMissingPackage:
        return std::string("\n\n*** SKIPPED: ") + kParityPython + " lacks a package (apt install " + packages +
               "), so the parity check did NOT run.\n*** CI installs them; a skip there is a broken CI image, not a "
               "pass. ***\n";
      case Outcome::kFailed:
        return "failed: " + command;
    }
    return "";
  }
};

// Runs tests/parity/<script_name> OUT_DIR.
inline ParityScriptRun RunParityScript(const std::string& script_name, const std::filesystem::path& out_dir) {
  ParityScriptRun run;
  const std::filesystem::path script = std::filesystem::path(AMP_SOURCE_DIR) / "tests" / "parity" / script_name;
  run.command = std::string(kParityPython) + " '" + script.string() + "' '" + out_dir.string() + "'";
  if (!std::filesystem::exists(kParityPython)) {
    run.outcome = ParityScriptRun::Outcome::kNoPython;
    return run;
  }
  const int raw_status = std::system(run.command.c_str());
  if (raw_status == -1 || !WIFEXITED(raw_status)) return run;
  const int exit_code = WEXITSTATUS(raw_status);
  if (exit_code == kParityMissingPackageExit) {
    run.outcome = ParityScriptRun::Outcome::kMissingPackage;
  } else if (exit_code == 0) {
    run.outcome = ParityScriptRun::Outcome::kOk;
  }
  return run;
}

// Loads a CSV that tests/parity/numbered_csv.py wrote: `feature_count` numeric features f0.., then an integer
// "target" (a class index), as columns 0 .. feature_count.
inline core::Result<data::Table> LoadNumberedCsv(const std::filesystem::path& path, int feature_count) {
  std::vector<data::ColumnSpec> specs;
  for (int feature_idx = 0; feature_idx < feature_count; ++feature_idx) {
    specs.push_back({"f" + std::to_string(feature_idx), data::ColumnType::kNumeric});
  }
  specs.push_back({"target", data::ColumnType::kInteger});
  std::ifstream csv(path, std::ios::binary);
  return data::LoadCsvTable(csv, specs);
}

inline std::string ReadParityFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace amp::ml
