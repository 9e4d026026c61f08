#include "registry/model_registry.h"

#include <algorithm>
#include <cctype>

#include "core/id.h"
#include "core/log.h"
#include "ml/model_codec.h"
#include "storage/sha256.h"

namespace amp::registry {
namespace {

// A version's training profile sits beside its artifact, so it needs no column of its own and goes when it goes.
std::string ProfileKey(std::string_view artifact_key) { return std::string(artifact_key) + ".profile.json"; }

}  // namespace

core::Status ValidateModelName(std::string_view name) {
  if (name.empty() || name.size() > 128) return core::InvalidArgument("model name must be 1-128 characters");
  auto is_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!is_alnum(name.front())) return core::InvalidArgument("model name must start with a letter or a digit");
  for (char c : name) {
    if (!is_alnum(c) && c != ' ' && c != '.' && c != '_' && c != '-') {
      return core::InvalidArgument("model name may contain only letters, digits, spaces and . _ -");
    }
  }
  return core::Status::Ok();
}

core::Status ValidateAliasName(std::string_view alias) {
  if (alias.empty() || alias.size() > 64) return core::InvalidArgument("alias must be 1-64 characters");
  auto is_lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!is_lower_alnum(alias.front())) return core::InvalidArgument("alias must start with a lowercase letter or digit");
  for (char c : alias) {
    if (!is_lower_alnum(c) && c != '_' && c != '-') {
      return core::InvalidArgument("alias may contain only lowercase letters, digits, '_' and '-'");
    }
  }
  if (alias == "latest") return core::InvalidArgument("'latest' is reserved: it always means the newest version");
  return core::Status::Ok();
}

core::Status ValidateModelMetadata(ModelMetadataUpdate& update) {
  if (update.description && update.description->size() > 4096) {
    return core::InvalidArgument("description must be at most 4096 bytes");
  }
  if (update.owner && update.owner->size() > 256) return core::InvalidArgument("owner must be at most 256 bytes");
  if (update.tags) {
    std::vector<std::string>& tags = *update.tags;
    for (const std::string& tag : tags) {
      bool valid = !tag.empty() && tag.size() <= 64 && std::all_of(tag.begin(), tag.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-';
      });
      if (!valid) {
        return core::InvalidArgument("tag '" + tag.substr(0, 80) +
                                     "' must be 1-64 letters, digits, '.', '_', ':' or '-'");
      }
    }
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    if (tags.size() > 32) return core::InvalidArgument("a model has at most 32 tags");
  }
  if (update.retention_keep_last && (*update.retention_keep_last < 0 || *update.retention_keep_last > 1'000'000)) {
    return core::InvalidArgument("retention keep_last must be 0 (keep every version) to 1000000");
  }
  return core::Status::Ok();
}

namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

void Apply(const ModelMetadataUpdate& update, storage::ModelRecord& model) {
  if (update.description) model.description = *update.description;
  if (update.owner) model.owner = *update.owner;
  if (update.tags) model.tags = *update.tags;
  if (update.retention_keep_last) model.retention_keep_last = *update.retention_keep_last;
}

}  // namespace

bool MatchesFilter(const storage::ModelRecord& model, const ModelFilter& filter) {
  if (!filter.tag.empty() && std::find(model.tags.begin(), model.tags.end(), filter.tag) == model.tags.end()) {
    return false;
  }
  if (!filter.owner.empty() && Lower(model.owner) != Lower(filter.owner)) return false;
  if (!filter.search.empty()) {
    const std::string needle = Lower(filter.search);
    bool found = Lower(model.name).find(needle) != std::string::npos ||
                 Lower(model.description).find(needle) != std::string::npos ||
                 Lower(model.owner).find(needle) != std::string::npos;
    for (const std::string& tag : model.tags) found = found || Lower(tag).find(needle) != std::string::npos;
    if (!found) return false;
  }
  return true;
}

ModelRegistry::ModelRegistry(storage::MetadataStore& metadata, storage::ArtifactStore& artifacts,
                             const core::Clock& clock)
    : metadata_(metadata), artifacts_(artifacts), clock_(clock) {}

core::Result<storage::ModelRecord> ModelRegistry::FindOrCreateModel(std::string_view name) {
  auto existing = metadata_.GetModelByName(name);
  if (existing.ok() || existing.status().code() != core::StatusCode::kNotFound) return existing;
  storage::ModelRecord record{core::NewId("mdl"), std::string(name), clock_.NowMicros(), ""};
  core::Status created = metadata_.CreateModel(record);
  if (created.code() == core::StatusCode::kAlreadyExists) return metadata_.GetModelByName(name);  // lost a race
  AMP_RETURN_IF_ERROR(created);
  return record;
}

core::Result<storage::VersionRecord> ModelRegistry::PublishVersion(std::string_view model_name,
                                                                   const ml::Model& model,
                                                                   const VersionDraft& draft) {
  AMP_RETURN_IF_ERROR(ValidateModelName(model_name));
  ModelMetadataUpdate metadata = draft.metadata;
  AMP_RETURN_IF_ERROR(ValidateModelMetadata(metadata));
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model_record, FindOrCreateModel(model_name));
  if (!metadata.empty()) {
    Apply(metadata, model_record);
    AMP_RETURN_IF_ERROR(metadata_.UpdateModel(model_record).WithContext("setting the model's metadata"));
  }

  std::string bytes = ml::SerializeModel(model);
  storage::VersionRecord version;
  version.model_id = model_record.id;
  version.created_at_micros = clock_.NowMicros();
  version.algorithm = draft.algorithm;
  version.task = std::string(ml::TaskName(model.signature().task));
  version.target = model.signature().target;
  for (const ml::FeatureSpec& feature : model.signature().features) {
    version.features.push_back({feature.name, feature.type});
  }
  version.metrics = draft.metrics;
  version.params = draft.params;
  version.feature_importance = model.FeatureImportance();
  version.dataset_id = draft.dataset_id;
  version.dataset_sha256 = draft.dataset_sha256;
  version.job_id = draft.job_id;
  version.leaderboard = draft.leaderboard;
  version.code_version = draft.code_version;
  version.cleaning_report_json = draft.cleaning_report_json;
  version.evaluation_curves_json = draft.evaluation_curves_json;
  // The artifact key is unique before the version number exists, so a failed publish leaves no half-version.
  version.artifact_key = "models/" + model_record.id + "/" + core::NewId("art") + ".amp.json";
  version.artifact_sha256 = storage::Sha256Hex(bytes);
  version.artifact_size_bytes = static_cast<int64_t>(bytes.size());
  AMP_RETURN_IF_ERROR(artifacts_.Put(version.artifact_key, bytes).WithContext("storing the model artifact"));
  if (!draft.profile_json.empty()) {
    core::Status stored = artifacts_.Put(ProfileKey(version.artifact_key), draft.profile_json);
    if (!stored.ok()) {
      artifacts_.Delete(version.artifact_key).IgnoreError();
      return stored.WithContext("storing the training profile");
    }
  }
  auto number = metadata_.AddVersion(version);
  if (!number.ok()) {
    artifacts_.Delete(version.artifact_key).IgnoreError();
    if (!draft.profile_json.empty()) artifacts_.Delete(ProfileKey(version.artifact_key)).IgnoreError();
    return number.status();
  }
  version.version = *number;

  std::vector<VersionListener> listeners;
  {
    core::MutexLock lock(mu_);
    listeners = listeners_;
  }
  for (const VersionListener& listener : listeners) listener(model_record, version);
  return version;
}

core::Result<std::string> ModelRegistry::ReadProfile(const storage::VersionRecord& version) {
  return artifacts_.Get(ProfileKey(version.artifact_key));
}

core::Result<storage::ModelRecord> ModelRegistry::FindModel(std::string_view ref) {
  if (core::LooksLikeId(ref, "mdl")) {
    auto by_id = metadata_.GetModelById(ref);
    if (by_id.ok() || by_id.status().code() != core::StatusCode::kNotFound) return by_id;
  }
  auto by_name = metadata_.GetModelByName(ref);
  if (by_name.status().code() == core::StatusCode::kNotFound) {
    return core::NotFound("no model with id or name '" + std::string(ref.substr(0, 200)) + "'");
  }
  return by_name;
}

core::Result<std::vector<ModelSummary>> ModelRegistry::ListModels(const ModelFilter& filter) {
  AMP_ASSIGN_OR_RETURN(std::vector<storage::ModelRecord> models, metadata_.ListModels());
  std::vector<ModelSummary> summaries;
  for (storage::ModelRecord& model : models) {
    if (!MatchesFilter(model, filter)) continue;
    ModelSummary summary{std::move(model), std::nullopt, std::nullopt};
    auto latest = metadata_.GetLatestVersion(summary.model.id);
    if (latest.ok()) {
      summary.latest = std::move(latest).value();
    } else if (latest.status().code() != core::StatusCode::kNotFound) {
      return latest.status();
    }
    if (summary.latest) {
      auto aliased = GetAliasedVersion(summary.model.id, kServingAlias);
      if (aliased.ok()) {
        summary.served = std::move(aliased).value();
      } else if (aliased.status().code() == core::StatusCode::kNotFound) {
        summary.served = summary.latest;
      } else {
        return aliased.status();
      }
    }
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

core::Result<storage::ModelRecord> ModelRegistry::UpdateModel(std::string_view model_ref,
                                                             const ModelMetadataUpdate& update) {
  ModelMetadataUpdate normalized = update;
  AMP_RETURN_IF_ERROR(ValidateModelMetadata(normalized));
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, FindModel(model_ref));
  Apply(normalized, model);
  AMP_RETURN_IF_ERROR(metadata_.UpdateModel(model));
  return model;
}

core::Result<storage::VersionRecord> ModelRegistry::DeleteVersion(std::string_view model_ref, int64_t version) {
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, FindModel(model_ref));
  // Aliases are checked again atomically by the store; the served version without an alias is the latest, which
  // a concurrent publish can only make older (and so deletable), never the reverse.
  auto served = GetServedVersion(model.id);
  if (served.ok() && served->version == version) {
    auto aliased = GetAliasedVersion(model.id, kServingAlias);
    if (!aliased.ok()) {
      return core::FailedPrecondition("version " + std::to_string(version) + " of model '" + model.name +
                                      "' is its latest version, which calls by name serve while no '" +
                                      std::string(kServingAlias) +
                                      "' alias is set; point that alias at another version first");
    }
  }
  AMP_ASSIGN_OR_RETURN(storage::VersionRecord removed, metadata_.DeleteVersion(model.id, version));
  std::vector<DeletionListener> listeners;
  {
    core::MutexLock lock(mu_);
    listeners = deletion_listeners_;
  }
  for (const DeletionListener& listener : listeners) listener(model, removed);
  // The record is gone first, so nothing new resolves the version; a failed artifact delete only leaves an
  // orphan file (logged), never a version without its artifact.
  if (core::Status deleted = artifacts_.Delete(removed.artifact_key); !deleted.ok()) {
    core::LogError("model '" + model.name + "' version " + std::to_string(version) +
                   ": record deleted, artifact left behind: " + deleted.ToString());
  }
  artifacts_.Delete(ProfileKey(removed.artifact_key)).IgnoreError();  // monitoring's profile, if it has one
  return removed;
}

core::Result<storage::VersionRecord> ModelRegistry::GetVersion(std::string_view model_id, int64_t version) {
  return metadata_.GetVersion(model_id, version);
}

core::Result<storage::VersionRecord> ModelRegistry::GetLatestVersion(std::string_view model_id) {
  return metadata_.GetLatestVersion(model_id);
}

core::Result<std::vector<storage::VersionRecord>> ModelRegistry::ListVersions(std::string_view model_id) {
  return metadata_.ListVersions(model_id);
}

core::Result<std::string> ModelRegistry::ReadArtifact(const storage::VersionRecord& version) {
  AMP_ASSIGN_OR_RETURN(std::string bytes, artifacts_.Get(version.artifact_key));
  if (storage::Sha256Hex(bytes) != version.artifact_sha256) {
    return core::DataLoss("artifact of model " + version.model_id + " version " + std::to_string(version.version) +
                          " fails its SHA-256 check");
  }
  return bytes;
}

core::Result<std::shared_ptr<const ml::Model>> ModelRegistry::LoadModel(const storage::VersionRecord& version) {
  AMP_ASSIGN_OR_RETURN(std::string bytes, ReadArtifact(version));
  return ml::DeserializeModel(bytes);
}

core::Result<storage::AliasRecord> ModelRegistry::SetAlias(std::string_view model_ref, std::string_view alias,
                                                           int64_t version, std::string_view actor) {
  AMP_RETURN_IF_ERROR(ValidateAliasName(alias));
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, FindModel(model_ref));
  storage::AliasRecord record{model.id, std::string(alias), version, clock_.NowMicros(), std::string(actor)};
  AMP_ASSIGN_OR_RETURN(int64_t previous, metadata_.SetAlias(record));
  (void)previous;
  std::vector<AliasListener> listeners;
  {
    core::MutexLock lock(mu_);
    listeners = alias_listeners_;
  }
  for (const AliasListener& listener : listeners) listener(model, alias, version);
  return record;
}

core::Result<int64_t> ModelRegistry::DeleteAlias(std::string_view model_ref, std::string_view alias,
                                                 std::string_view actor) {
  AMP_RETURN_IF_ERROR(ValidateAliasName(alias));
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, FindModel(model_ref));
  AMP_ASSIGN_OR_RETURN(int64_t previous, metadata_.DeleteAlias(model.id, alias, clock_.NowMicros(), actor));
  std::vector<AliasListener> listeners;
  {
    core::MutexLock lock(mu_);
    listeners = alias_listeners_;
  }
  for (const AliasListener& listener : listeners) listener(model, alias, 0);
  return previous;
}

core::Result<std::vector<storage::AliasRecord>> ModelRegistry::ListAliases(std::string_view model_id) {
  return metadata_.ListAliases(model_id);
}

core::Result<std::vector<storage::AliasEvent>> ModelRegistry::ListAliasEvents(std::string_view model_id) {
  return metadata_.ListAliasEvents(model_id);
}

core::Result<storage::VersionRecord> ModelRegistry::GetAliasedVersion(std::string_view model_id,
                                                                      std::string_view alias) {
  AMP_ASSIGN_OR_RETURN(storage::AliasRecord record, metadata_.GetAlias(model_id, alias));
  return metadata_.GetVersion(model_id, record.version);
}

core::Result<storage::VersionRecord> ModelRegistry::GetServedVersion(std::string_view model_id) {
  auto aliased = GetAliasedVersion(model_id, kServingAlias);
  if (aliased.ok() || aliased.status().code() != core::StatusCode::kNotFound) return aliased;
  return metadata_.GetLatestVersion(model_id);
}

void ModelRegistry::AddAliasListener(AliasListener listener) {
  core::MutexLock lock(mu_);
  alias_listeners_.push_back(std::move(listener));
}

core::Result<std::vector<storage::ModelRecord>> ModelRegistry::ModelsTrainedOn(std::string_view dataset_id) {
  AMP_ASSIGN_OR_RETURN(std::vector<storage::ModelRecord> models, metadata_.ListModels());
  std::vector<storage::ModelRecord> trained_on;
  for (storage::ModelRecord& model : models) {
    AMP_ASSIGN_OR_RETURN(std::vector<storage::VersionRecord> versions, metadata_.ListVersions(model.id));
    for (const storage::VersionRecord& version : versions) {
      if (version.dataset_id == dataset_id) {
        trained_on.push_back(std::move(model));
        break;
      }
    }
  }
  return trained_on;
}

core::Status ModelRegistry::DeleteModel(std::string_view model_ref) {
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, FindModel(model_ref));
  AMP_ASSIGN_OR_RETURN(std::vector<storage::VersionRecord> versions, metadata_.ListVersions(model.id));
  // Records first: once they are gone nothing serves or lists the model, and a failure here changes nothing.
  AMP_RETURN_IF_ERROR(metadata_.DeleteModel(model.id));
  std::vector<ModelDeletionListener> listeners;
  {
    core::MutexLock lock(mu_);
    listeners = model_deletion_listeners_;
  }
  for (const ModelDeletionListener& listener : listeners) listener(model);
  core::Status artifacts_deleted = core::Status::Ok();
  for (const storage::VersionRecord& version : versions) {
    core::Status deleted = artifacts_.Delete(version.artifact_key);
    artifacts_.Delete(ProfileKey(version.artifact_key)).IgnoreError();  // monitoring's profile, if it has one
    if (!deleted.ok() && artifacts_deleted.ok()) {
      artifacts_deleted = core::Internal("model " + model.name + " was deleted but its artifact " +
                                         version.artifact_key + " could not be: " + deleted.message());
    }
  }
  return artifacts_deleted;
}

void ModelRegistry::AddModelDeletionListener(ModelDeletionListener listener) {
  core::MutexLock lock(mu_);
  model_deletion_listeners_.push_back(std::move(listener));
}

void ModelRegistry::AddDeletionListener(DeletionListener listener) {
  core::MutexLock lock(mu_);
  deletion_listeners_.push_back(std::move(listener));
}

void ModelRegistry::AddVersionListener(VersionListener listener) {
  core::MutexLock lock(mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace amp::registry
