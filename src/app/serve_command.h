// `amp serve`: wires the embedded stores, registry, training jobs, model manager and HTTP front end together,
// serves until SIGTERM or SIGINT, then drains and exits 0. The only place that names concrete implementations.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/shared_stores.h"
#include "auth/key_quotas.h"
#include "auth/policy.h"
#include "http/http_server.h"

namespace amp::app {

// The store and secret flags (metadata, artifacts, s3_endpoint, encryption_key_file, webhook_secret_file) are
// StoreOptions', shared with `amp worker`.
struct ServeOptions : StoreOptions {
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
  // Parsed datasets kept for the next training of the same columns (registry/table_cache.h); 0: parse every time.
  int64_t dataset_cache_bytes = 1LL << 30;
  bool access_log = true;
  bool insecure_http = false;                // allow plain HTTP on a non-loopback address (see http/listen_policy.h)
  auth::QuotaOptions quotas;                 // per API key (anonymous callers: per remote address)
  int64_t retention_interval_seconds = 300;  // how often the retention collector runs (also after each publish)
  auth::UsageLimits key_limits;              // defaults for keys that set none of their own; 0: unlimited
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

}  // namespace amp::app
