// The demo model: on first start with no models, AMP trains "House Price Linear Regression" on the bundled
// house-sales CSV so a newcomer can call /api/predict at once.
#pragma once

#include <filesystem>

#include "core/status.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "training/job_runner.h"

namespace amp::app {

inline constexpr std::string_view kDemoModelName = "House Price Linear Regression";

// Finds the bundled CSV: `explicit_path` if set, else $AMP_DEMO_DATA, else data/demo/house_sales.csv relative to
// the working directory, the binary and the source tree. NotFound if none exists.
core::Result<std::filesystem::path> FindDemoCsv(const std::filesystem::path& explicit_path);

// If the registry has no models, uploads the demo CSV and queues the demo training job. Returns the job id, or an
// empty string when models already exist.
core::Result<std::string> BootstrapDemoModel(const std::filesystem::path& csv_path, registry::ModelRegistry& models,
                                             registry::DatasetCatalog& datasets, training::JobRunner& jobs,
                                             const std::filesystem::path& scratch_dir);

}  // namespace amp::app
