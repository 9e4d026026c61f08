// `amp serve`: wires the embedded stores, registry, training jobs, model manager and HTTP front end together,
// serves until SIGTERM or SIGINT, then drains and exits 0. The only place that names concrete implementations.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "auth/key_quotas.h"
#include "auth/policy.h"
#include "http/http_server.h"
#include "storage/artifact_store.h"
#include "storage/encrypting_artifact_store.h"

namespace amp::app {

struct ServeOptions {
  http::ServerOptions http;
  std::filesystem::path data_dir = "amp-data";
  bool demo = true;                  // train the demo model on first start
  std::filesystem::path demo_csv;    // empty: look in the usual places
  std::filesystem::path port_file;   // if set, the bound port is written there once listening
  std::filesystem::path web_dir;     // the built web console (web/dist); empty: look in the usual places
  int training_workers = 1;
  // How long a training claim holds a job without a heartbeat: a job whose replica died is requeued after it (and
  // runs again, here after a restart or on any other trainer sharing the store), as with `amp worker`.
  double training_lease_seconds = 30;
  int64_t model_cache_bytes = 0;  // 0: no budget
  bool access_log = true;
  bool insecure_http = false;  // allow plain HTTP on a non-loopback address (see http/listen_policy.h)
  // Where artifacts (datasets, models) live: empty for <data_dir>/artifacts, a folder, or s3://bucket/prefix (with
  // s3_endpoint, else $AWS_ENDPOINT_URL, and credentials from $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY).
  std::string artifacts;
  std::string s3_endpoint;
  // Where the metadata lives: empty for SQLite in <data_dir>/amp.db, a SQLite file, or postgresql://... (see
  // app/metadata_store_opener.h and docs/storage.md).
  std::string metadata;
  auth::QuotaOptions quotas;  // per API key (anonymous callers: per remote address)
  // The HMAC key of training-completion callbacks (docs/models.md): a file holding it, or empty for
  // <data_dir>/webhook.secret, created (mode 0600) on first start.
  std::filesystem::path webhook_secret_file;
  int64_t retention_interval_seconds = 300;  // how often the retention collector runs (also after each publish)
  auth::UsageLimits key_limits;  // defaults for keys that set none of their own; 0: unlimited
  // Encrypt datasets and models at rest with the key in this file (else $AMP_ENCRYPTION_KEY, if set).
  std::filesystem::path encryption_key_file;
  // Live monitoring of inputs and predictions (docs/monitoring.md).
  bool monitoring = true;
  int64_t monitoring_bucket_seconds = 60;
  int monitoring_buckets = 30;
  int64_t monitoring_remember = 65536;       // predictions remembered for feedback by request id
  int64_t monitoring_evaluate_seconds = 10;  // background evaluation (alerts, webhooks)
  // Sampled request log under <data-dir>/request-log (needs monitoring on); rate 0: off.
  double request_log_rate = 0;
  int64_t request_log_max_bytes = 64LL * 1024 * 1024;
  int64_t request_log_max_age_seconds = 24 * 3600;
  int request_log_max_files = 10;
  std::string monitoring_webhook;            // http:// URL for alert transitions; secret from the environment
};

// Returns the process exit code.
int RunServe(const ServeOptions& options);

// The stores and secrets of a data folder as `amp serve` opens them, for `amp worker` (which shares them): the
// artifact store named by options.artifacts / s3_endpoint (not yet encrypted), the at-rest key from
// options.encryption_key_file or $AMP_ENCRYPTION_KEY (nullopt: none), the webhook signing secret.
core::Result<std::unique_ptr<storage::ArtifactStore>> OpenArtifactStoreFor(const ServeOptions& options,
                                                                          const std::filesystem::path& data_dir);
core::Result<std::optional<storage::EncryptionKey>> LoadEncryptionKeyFor(const ServeOptions& options);
core::Result<std::string> LoadWebhookSecretFor(const std::filesystem::path& file,
                                               const std::filesystem::path& data_dir);

}  // namespace amp::app
