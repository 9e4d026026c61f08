#include "app/demo_model.h"

#include <unistd.h>

#include <cstdlib>

#include "core/id.h"

namespace amp::app {
namespace fs = std::filesystem;

core::Result<fs::path> FindDemoCsv(const fs::path& explicit_path) {
  if (!explicit_path.empty()) {
    if (fs::exists(explicit_path)) return explicit_path;
    return core::NotFound("demo data not found at " + explicit_path.string());
  }
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("AMP_DEMO_DATA")) candidates.emplace_back(env);
  const fs::path relative = fs::path("data") / "demo" / "house_sales.csv";
  candidates.push_back(relative);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      candidates.push_back(dir / relative);
      candidates.push_back(dir / "share" / "amp" / "house_sales.csv");
    }
  }
#ifdef AMP_SOURCE_DIR
  candidates.push_back(fs::path(AMP_SOURCE_DIR) / relative);
#endif
  for (const fs::path& candidate : candidates) {
    if (fs::exists(candidate, ec)) return candidate;
  }
  return core::NotFound("demo data (data/demo/house_sales.csv) not found; pass --demo-data or --no-demo");
}

core::Result<std::string> BootstrapDemoModel(const fs::path& csv_path, registry::ModelRegistry& models,
                                             registry::DatasetCatalog& datasets, training::JobRunner& jobs,
                                             const fs::path& scratch_dir) {
  AMP_ASSIGN_OR_RETURN(std::vector<registry::ModelSummary> existing, models.ListModels());
  if (!existing.empty()) return std::string();
  // Ingest consumes its file, so hand it a copy.
  fs::path copy = scratch_dir / (core::NewId("demo") + ".csv");
  std::error_code ec;
  fs::create_directories(scratch_dir, ec);
  fs::copy_file(csv_path, copy, ec);
  if (ec) return core::Internal("cannot copy the demo data: " + ec.message());
  AMP_ASSIGN_OR_RETURN(storage::DatasetRecord dataset, datasets.Ingest("house_sales", copy));
  storage::TrainRequest request;
  request.model_name = std::string(kDemoModelName);
  request.dataset_id = dataset.id;
  request.target = "price";
  request.algorithm = "linear_regression";
  // The classic client sends exactly these three inputs.
  request.features = {"square_feet", "num_bedrooms", "location_code"};
  AMP_ASSIGN_OR_RETURN(storage::JobRecord job, jobs.Submit(request));
  return job.id;
}

}  // namespace amp::app
