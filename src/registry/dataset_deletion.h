// DeleteDataset: removes an uploaded dataset (its file and its record) and, with `cascade`, every model that has a
// version trained on it, whole (all versions, aliases, grants and artifacts). Without `cascade` such models are
// kept and reported. Used by the dataset DELETE route. Thread-safe as the catalog and registry are.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"

namespace amp::registry {

struct DatasetDeletion {
  storage::DatasetRecord dataset;
  std::vector<storage::ModelRecord> deleted_models;  // with cascade
  std::vector<storage::ModelRecord> kept_models;     // trained on it but kept (no cascade)
};

// NotFound for an unknown dataset. Models are deleted before the dataset, so after a failure the dataset is still
// there and the call can be repeated.
core::Result<DatasetDeletion> DeleteDataset(DatasetCatalog& catalog, ModelRegistry& models, std::string_view id,
                                            bool cascade);

}  // namespace amp::registry
