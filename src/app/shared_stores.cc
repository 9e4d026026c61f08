#include "app/shared_stores.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "app/metadata_store_opener.h"
#include "app/secret_file.h"
#include "core/log.h"
#include "storage/local_artifact_store.h"
#include "storage/s3_artifact_store.h"

namespace amp::app {
namespace fs = std::filesystem;
namespace {

// `announce`: log where an S3 store is (the long-running commands do; train-shard ranks do not).
core::Result<std::unique_ptr<storage::ArtifactStore>> OpenArtifacts(const std::string& artifacts,
                                                                    const std::string& s3_endpoint,
                                                                    const fs::path& data_dir, bool announce) {
  if (artifacts.rfind("s3://", 0) == 0) {
    storage::S3Options s3;
    s3.endpoint = s3_endpoint;
    AMP_RETURN_IF_ERROR(storage::ParseS3Uri(artifacts, &s3));
    storage::FillS3OptionsFromEnvironment(&s3);
    AMP_ASSIGN_OR_RETURN(auto store, storage::S3ArtifactStore::Open(std::move(s3)));
    if (announce) core::LogInfo("artifacts in " + artifacts + " at " + store->options().endpoint);
    return std::unique_ptr<storage::ArtifactStore>(std::move(store));
  }
  if (artifacts.find("://") != std::string::npos) {
    return core::InvalidArgument("--artifacts takes a folder or s3://bucket/prefix, not '" + artifacts + "'");
  }
  fs::path folder = artifacts.empty() ? data_dir / "artifacts" : fs::path(artifacts);
  AMP_ASSIGN_OR_RETURN(auto store, storage::LocalArtifactStore::Open(folder));
  return std::unique_ptr<storage::ArtifactStore>(std::move(store));
}

}  // namespace

core::Result<std::unique_ptr<storage::ArtifactStore>> OpenArtifactStore(const std::string& artifacts,
                                                                        const std::string& s3_endpoint,
                                                                        const fs::path& data_dir) {
  return OpenArtifacts(artifacts, s3_endpoint, data_dir, false);
}

core::Result<std::optional<storage::EncryptionKey>> LoadEncryptionKey(const fs::path& key_file) {
  if (!key_file.empty()) {
    std::ifstream input(key_file, std::ios::binary);
    if (!input) return core::InvalidArgument("cannot read --encryption-key-file " + key_file.string());
    std::string text((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
    auto key = storage::ParseEncryptionKey(text, true);
    std::fill(text.begin(), text.end(), '\0');
    if (!key.ok()) return key.status().WithContext(key_file.string());
    return std::optional<storage::EncryptionKey>(*key);
  }
  const char* env = std::getenv("AMP_ENCRYPTION_KEY");
  if (env == nullptr || *env == '\0') return std::optional<storage::EncryptionKey>();
  auto key = storage::ParseEncryptionKey(env, false);
  if (!key.ok()) return key.status().WithContext("AMP_ENCRYPTION_KEY");
  return std::optional<storage::EncryptionKey>(*key);
}

core::Result<SharedStores> OpenSharedStores(const StoreOptions& options, const fs::path& data_dir) {
  SharedStores stores;
  AMP_ASSIGN_OR_RETURN(stores.metadata, OpenMetadataStore(options.metadata, data_dir));
  AMP_ASSIGN_OR_RETURN(stores.plain_artifacts, OpenArtifacts(options.artifacts, options.s3_endpoint, data_dir, true));
  AMP_ASSIGN_OR_RETURN(std::optional<storage::EncryptionKey> key, LoadEncryptionKey(options.encryption_key_file));
  if (key.has_value()) {
    stores.encrypted_artifacts = std::make_unique<storage::EncryptingArtifactStore>(*stores.plain_artifacts, *key);
    core::LogInfo("datasets and models are encrypted at rest (AES-256-GCM)");
  }
  AMP_ASSIGN_OR_RETURN(stores.webhook_secret, LoadWebhookSecret(options.webhook_secret_file, data_dir));
  return stores;
}

}  // namespace amp::app
