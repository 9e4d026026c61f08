// ModelRegistry: models and their immutable, numbered versions, over a MetadataStore (records) and an
// ArtifactStore (serialized models, checksummed). Publishing a version notifies listeners (the serving layer) so
// it can load the new version. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/status.h"
#include "ml/model.h"
#include "storage/artifact_store.h"
#include "storage/metadata_store.h"

namespace amp::registry {

// What a caller supplies to publish a version; the registry fills in ids, numbers, times and checksums.
struct VersionDraft {
  std::string algorithm;
  std::map<std::string, double> metrics;
  std::map<std::string, double> params;
  std::string dataset_id;
  std::string dataset_sha256;
  std::string job_id;
};

struct ModelSummary {
  storage::ModelRecord model;
  std::optional<storage::VersionRecord> latest;  // absent while the model has no version
};

class ModelRegistry {
 public:
  using VersionListener = std::function<void(const storage::ModelRecord&, const storage::VersionRecord&)>;

  ModelRegistry(storage::MetadataStore& metadata, storage::ArtifactStore& artifacts, const core::Clock& clock);

  // Serializes `model`, stores the artifact, records a new version of the model `model_name` (creating the model
  // on first use) and notifies listeners. InvalidArgument for a bad model name.
  core::Result<storage::VersionRecord> PublishVersion(std::string_view model_name, const ml::Model& model,
                                                      const VersionDraft& draft);

  // `ref` is a model id or a model name. NotFound when neither matches.
  core::Result<storage::ModelRecord> FindModel(std::string_view ref);
  core::Result<std::vector<ModelSummary>> ListModels();
  core::Result<storage::VersionRecord> GetVersion(std::string_view model_id, int64_t version);
  core::Result<storage::VersionRecord> GetLatestVersion(std::string_view model_id);
  core::Result<std::vector<storage::VersionRecord>> ListVersions(std::string_view model_id);

  // Reads the version's artifact, checks its SHA-256 (DataLoss on mismatch) and deserializes it.
  core::Result<std::shared_ptr<const ml::Model>> LoadModel(const storage::VersionRecord& version);

  void AddVersionListener(VersionListener listener);

 private:
  core::Result<storage::ModelRecord> FindOrCreateModel(std::string_view name);

  storage::MetadataStore& metadata_;
  storage::ArtifactStore& artifacts_;
  const core::Clock& clock_;
  core::Mutex mu_;
  std::vector<VersionListener> listeners_ AMP_GUARDED_BY(mu_);
};

// Model names: 1-128 characters, letters, digits, spaces and ._- ; must start with a letter or digit.
core::Status ValidateModelName(std::string_view name);

}  // namespace amp::registry
