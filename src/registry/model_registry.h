// ModelRegistry: models and their immutable, numbered versions, over a MetadataStore (records) and an
// ArtifactStore (serialized models, checksummed). Publishing a version notifies listeners (the serving layer) so
// it can load the new version. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/status.h"
#include "ml/model.h"
#include "storage/artifact_store.h"
#include "storage/metadata_store.h"

namespace amp::registry {

// A change to a model's metadata: absent fields stay as they are.
struct ModelMetadataUpdate {
  std::optional<std::string> description;
  std::optional<std::string> owner;
  std::optional<std::vector<std::string>> tags;  // replaces the whole set
  std::optional<int64_t> retention_keep_last;    // 0: keep every version

  bool empty() const { return !description && !owner && !tags && !retention_keep_last; }
};

// What a caller supplies to publish a version; the registry fills in ids, numbers, times and checksums.
struct VersionDraft {
  std::string algorithm;
  std::map<std::string, double> metrics;
  std::map<std::string, double> params;
  std::string dataset_id;
  std::string dataset_sha256;
  std::string job_id;
  std::vector<storage::LeaderboardEntry> leaderboard;  // the search that chose the model, best first
  std::string code_version;      // the code that trained it (core::CodeVersion() for AMP's own training)
  ModelMetadataUpdate metadata;  // applied to the model (created or existing) before the version is recorded
  std::string cleaning_report_json;  // data::CleaningReportToJson of the training run; may be empty
  // The training profile (monitoring/training_profile.h, serialized), stored beside the artifact when not empty.
  std::string profile_json;
  std::string evaluation_curves_json;  // training::EvaluationCurvesToJson of the holdout; may be empty
};

// Filters for ListModels; empty fields match every model.
struct ModelFilter {
  std::string tag{};     // the model has this tag
  std::string owner{};   // owner equals this (case-insensitive)
  std::string search{};  // in the name, description, owner or a tag (case-insensitive substring)
};
bool MatchesFilter(const storage::ModelRecord& model, const ModelFilter& filter);

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
  // Told after a version's record is deleted and before its artifact is.
  using DeletionListener = std::function<void(const storage::ModelRecord&, const storage::VersionRecord&)>;
  // Told after a whole model was deleted, so caches (serving, access control) forget it.
  using ModelDeletionListener = std::function<void(const storage::ModelRecord&)>;

  ModelRegistry(storage::MetadataStore& metadata, storage::ArtifactStore& artifacts, const core::Clock& clock);

  // Serializes `model`, stores the artifact, records a new version of the model `model_name` (creating the model
  // on first use) and notifies listeners. InvalidArgument for a bad model name.
  core::Result<storage::VersionRecord> PublishVersion(std::string_view model_name, const ml::Model& model,
                                                      const VersionDraft& draft);

  // `ref` is a model id or a model name. NotFound when neither matches.
  core::Result<storage::ModelRecord> FindModel(std::string_view ref);
  core::Result<std::vector<ModelSummary>> ListModels(const ModelFilter& filter = {});
  // Applies `update` to the model (id or name). InvalidArgument for a bad field (see ValidateModelMetadata);
  // NotFound for an unknown model. Returns the updated record.
  core::Result<storage::ModelRecord> UpdateModel(std::string_view model_ref, const ModelMetadataUpdate& update);
  // Deletes a version: its record (atomically refused while an alias points to it: FailedPrecondition naming the
  // alias), then, after deletion listeners (the serving layer drops it), its artifact. Also FailedPrecondition for
  // the version a call by name serves (the latest one while no serving alias is set), which would leave the name
  // unanswerable. NotFound for an unknown model or version. Requests already holding the loaded version finish on
  // it; one that resolved the record but had not loaded it yet fails as if the version never existed.
  core::Result<storage::VersionRecord> DeleteVersion(std::string_view model_ref, int64_t version);
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

  // The models with at least one version trained on the dataset, in the store's model order.
  core::Result<std::vector<storage::ModelRecord>> ModelsTrainedOn(std::string_view dataset_id);
  // Deletes the model (id or name) with every version, alias and grant, then its artifacts, then tells deletion
  // listeners. NotFound for an unknown model. If an artifact cannot be deleted the records are gone already and
  // the error says which artifact is left over.
  core::Status DeleteModel(std::string_view model_ref);

  void AddVersionListener(VersionListener listener);
  void AddAliasListener(AliasListener listener);
  void AddDeletionListener(DeletionListener listener);
  void AddModelDeletionListener(ModelDeletionListener listener);

 private:
  core::Result<storage::ModelRecord> FindOrCreateModel(std::string_view name);

  storage::MetadataStore& metadata_;
  storage::ArtifactStore& artifacts_;
  const core::Clock& clock_;
  core::Mutex mu_;
  std::vector<VersionListener> listeners_ AMP_GUARDED_BY(mu_);
  std::vector<AliasListener> alias_listeners_ AMP_GUARDED_BY(mu_);
  std::vector<DeletionListener> deletion_listeners_ AMP_GUARDED_BY(mu_);
  std::vector<ModelDeletionListener> model_deletion_listeners_ AMP_GUARDED_BY(mu_);
};

// Description at most 4096 bytes, owner at most 256, at most 32 tags of 1-64 letters, digits and ._:-
// (normalized: sorted, duplicates dropped), retention_keep_last 0-1000000. InvalidArgument naming the field.
core::Status ValidateModelMetadata(ModelMetadataUpdate& update);

// Alias names: 1-64 characters of lowercase letters, digits, '_' and '-', starting with a letter or digit;
// "latest" is reserved (it always means the newest version).
core::Status ValidateAliasName(std::string_view alias);

// Model names: 1-128 characters, letters, digits, spaces and ._- ; must start with a letter or digit.
core::Status ValidateModelName(std::string_view name);

}  // namespace amp::registry
