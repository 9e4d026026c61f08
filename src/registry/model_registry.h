// ModelRegistry: models and their immutable, numbered versions, over a MetadataStore (records) and an
// ArtifactStore (serialized models, checksummed). Publishing a version notifies listeners (the serving layer) so
// it can load the new version. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
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
  // The training profile (monitoring/training_profile.h, serialized), stored beside the artifact when not empty.
  std::string profile_json;
};

struct ModelSummary {
  storage::ModelRecord model;
  std::optional<storage::VersionRecord> latest;  // absent while the model has no version
  std::optional<storage::VersionRecord> served;  // what a call by name serves (kServingAlias or latest)
};

// Calling a model by name serves the version this alias points to, or the latest version when it is not set.
inline constexpr std::string_view kServingAlias = "production";

class ModelRegistry {
 public:
  using VersionListener = std::function<void(const storage::ModelRecord&, const storage::VersionRecord&)>;
  // `version` is 0 when the alias was deleted.
  using AliasListener = std::function<void(const storage::ModelRecord&, std::string_view alias, int64_t version)>;

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
  // The version's artifact bytes, checked against its SHA-256 (DataLoss if they differ).
  core::Result<std::string> ReadArtifact(const storage::VersionRecord& version);
  // The version's training profile as stored at publish time; NotFound for versions published without one.
  core::Result<std::string> ReadProfile(const storage::VersionRecord& version);

  // Points `alias` of the model (id or name) at `version`, atomically, recording who moved it; listeners are told.
  // InvalidArgument for a bad alias name; NotFound for an unknown model or version.
  core::Result<storage::AliasRecord> SetAlias(std::string_view model_ref, std::string_view alias, int64_t version,
                                              std::string_view actor);
  // Removes the alias; NotFound if it is not set. Returns the version it pointed to.
  core::Result<int64_t> DeleteAlias(std::string_view model_ref, std::string_view alias, std::string_view actor);
  core::Result<std::vector<storage::AliasRecord>> ListAliases(std::string_view model_id);
  core::Result<std::vector<storage::AliasEvent>> ListAliasEvents(std::string_view model_id);
  // The version an alias points to; NotFound when the alias is not set.
  core::Result<storage::VersionRecord> GetAliasedVersion(std::string_view model_id, std::string_view alias);
  // The version a call by name serves: kServingAlias's if set, else the latest. NotFound with no version.
  core::Result<storage::VersionRecord> GetServedVersion(std::string_view model_id);

  void AddVersionListener(VersionListener listener);
  void AddAliasListener(AliasListener listener);

 private:
  core::Result<storage::ModelRecord> FindOrCreateModel(std::string_view name);

  storage::MetadataStore& metadata_;
  storage::ArtifactStore& artifacts_;
  const core::Clock& clock_;
  core::Mutex mu_;
  std::vector<VersionListener> listeners_ AMP_GUARDED_BY(mu_);
  std::vector<AliasListener> alias_listeners_ AMP_GUARDED_BY(mu_);
};

// Alias names: 1-64 characters of lowercase letters, digits, '_' and '-', starting with a letter or digit;
// "latest" is reserved (it always means the newest version).
core::Status ValidateAliasName(std::string_view alias);

// Model names: 1-128 characters, letters, digits, spaces and ._- ; must start with a letter or digit.
core::Status ValidateModelName(std::string_view name);

}  // namespace amp::registry
