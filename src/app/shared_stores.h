// SharedStores: the metadata store, artifact store (encrypted at rest when a key is set) and webhook signing secret
// that `amp serve` and `amp worker` open the same way from the same flags (StoreOptions), so replicas and workers
// sharing a data folder or PostgreSQL + S3 agree on them. `amp train-shard` ranks use OpenArtifactStore alone.
// Opening is done once at startup from main's thread; the stores themselves say how thread-safe they are.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "storage/artifact_store.h"
#include "storage/encrypting_artifact_store.h"
#include "storage/metadata_store.h"

namespace amp::app {

// The store and secret flags, as both commands take them.
struct StoreOptions {
  // The metadata store: empty for SQLite in <data_dir>/amp.db, a SQLite file, or postgresql://... (see
  // app/metadata_store_opener.h and docs/storage.md).
  std::string metadata;
  // Where artifacts (datasets, models) live: empty for <data_dir>/artifacts, a folder, or s3://bucket/prefix (with
  // s3_endpoint, else $AWS_ENDPOINT_URL, and credentials from $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY).
  std::string artifacts;
  std::string s3_endpoint;
  // Encrypt datasets and models at rest with the key in this file (else $AMP_ENCRYPTION_KEY, if set).
  std::filesystem::path encryption_key_file;
  // The HMAC key of job callbacks and alerts: a file holding it, or empty for <data_dir>/webhook.secret, created
  // (mode 0600) on first start.
  std::filesystem::path webhook_secret_file;
};

struct SharedStores {
  std::unique_ptr<storage::MetadataStore> metadata;
  std::unique_ptr<storage::ArtifactStore> plain_artifacts;      // as stored
  std::unique_ptr<storage::ArtifactStore> encrypted_artifacts;  // over plain_artifacts when a key is set, else null
  std::string webhook_secret;

  // What the registry and catalogs read and write through.
  storage::ArtifactStore& artifacts() const { return encrypted_artifacts ? *encrypted_artifacts : *plain_artifacts; }
  bool encrypted() const { return encrypted_artifacts != nullptr; }
};

// Opens all of them under `data_dir` (already created). The first error of OpenMetadataStore, OpenArtifactStore,
// LoadEncryptionKey or LoadWebhookSecret (app/secret_file.h).
core::Result<SharedStores> OpenSharedStores(const StoreOptions& options, const std::filesystem::path& data_dir);

// The artifact store named by `artifacts`: a local folder (empty: <data_dir>/artifacts) or s3://bucket/prefix.
// InvalidArgument for another URI scheme; otherwise the store's own Open errors.
core::Result<std::unique_ptr<storage::ArtifactStore>> OpenArtifactStore(const std::string& artifacts,
                                                                        const std::string& s3_endpoint,
                                                                        const std::filesystem::path& data_dir);

// The at-rest key from `key_file`, else $AMP_ENCRYPTION_KEY; nullopt when neither is set. InvalidArgument when the
// file cannot be read or the key does not parse.
core::Result<std::optional<storage::EncryptionKey>> LoadEncryptionKey(const std::filesystem::path& key_file);

}  // namespace amp::app
