#include "app/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "api/access_guard.h"
#include "api/audit_handlers.h"
#include "api/console_handlers.h"
#include "api/dataset_handlers.h"
#include "api/health_handlers.h"
#include "api/job_handlers.h"
#include "api/job_notification.h"
#include "api/key_handlers.h"
#include "api/kserve_v2_handlers.h"
#include "api/metrics_handlers.h"
#include "api/monitoring_handlers.h"
#include "api/model_access_handlers.h"
#include "api/model_handlers.h"
#include "api/model_import_handlers.h"
#include "api/prediction_handlers.h"
#include "app/alert_webhook.h"
#include "app/demo_model.h"
#include "app/local_distributed_launcher.h"
#include "app/process_setup.h"
#include "app/request_telemetry.h"
#include "app/secret_file.h"
#include "app/shared_stores.h"
#include "auth/access_control.h"
#include "auth/api_key.h"
#include "auth/audit_log.h"
#include "core/allocator.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "http/listen_policy.h"
#include "http/webhook_sender.h"
#include "metrics/serving_metrics.h"
#include "monitoring/monitoring_service.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "registry/retention_collector.h"
#include "serving/model_manager.h"
#include "storage/change_watcher.h"
#include "training/job_runner.h"

namespace amp::app {
namespace fs = std::filesystem;
namespace {

// The built web console: --web-dir, else web/dist under the working folder, a folder above the binary (build/release
// sits in the repository) or the source tree, else share/amp/web beside an installed binary.
fs::path FindWebDir(const fs::path& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  std::vector<fs::path> candidates;
  const fs::path relative = fs::path("web") / "dist";
  candidates.push_back(relative);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      candidates.push_back(dir / relative);
      candidates.push_back(dir / "share" / "amp" / "web");
    }
  }
#ifdef AMP_SOURCE_DIR
  candidates.push_back(fs::path(AMP_SOURCE_DIR) / relative);
#endif
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return candidate;
  }
  return relative;
}

// On first start (no usable admin key) creates one and writes its secret to <data>/admin.key, mode 0600.
core::Status EnsureAdminKey(auth::AccessControl& access, auth::AuditLog& audit, const fs::path& data_dir) {
  if (access.HasActiveAdmin()) return core::Status::Ok();
  AMP_ASSIGN_OR_RETURN(auth::AccessControl::CreatedKey created, access.CreateKey("admin", auth::Role::kAdmin, 0));
  const fs::path path = data_dir / "admin.key";
  if (core::Status written = WriteSecretFile(path, created.secret, SecretWrite::kReplace); !written.ok()) {
    // Nobody could ever use this key; revoke it so the next start makes a new one instead of locking everyone out.
    if (!access.RevokeKey(created.record.id).ok()) core::LogError("cannot revoke the unwritten admin key");
    return written;
  }
  AMP_RETURN_IF_ERROR(
      audit.Append("server", "create_key", "key:" + created.record.id + " (admin, first start)", "", "ok"));
  core::LogInfo("created the admin API key " + created.record.id + "; its secret is in " + path.string() +
                " (mode 0600). Send it as 'Authorization: Bearer <key>' or AMP_API_KEY.");
  return core::Status::Ok();
}

// The demo model answers the classic client without credentials: its record is created public before the job
// that trains it publishes a version (which then finds the record by name).
void MarkDemoModelPublic(storage::MetadataStore& metadata, auth::AccessControl& access, const core::Clock& clock) {
  storage::ModelRecord record{core::NewId("mdl"), std::string(kDemoModelName), clock.NowMicros(), "", true};
  core::Status created = metadata.CreateModel(record);
  if (created.code() == core::StatusCode::kAlreadyExists) {
    created = access.SetModelPublic(kDemoModelName, true).status();
  }
  if (!created.ok()) core::LogError("demo model: cannot make it public: " + created.ToString());
}

// Stops the job runner when it goes out of scope (JobRunner::Shutdown is idempotent). Declared after an object that
// job listeners call, it makes sure no job runs once that object is gone.
struct StopJobsFirst {
  training::JobRunner& jobs;
  ~StopJobsFirst() { jobs.Shutdown(); }
};

int Fail(const core::Status& status) {
  core::LogError(status.ToString());
  return 1;
}

}  // namespace

int RunServe(const ServeOptions& options) {
  if (!(options.training_lease_seconds >= 0.1) || !std::isfinite(options.training_lease_seconds)) {
    return Fail(core::InvalidArgument("--training-lease-seconds must be at least 0.1"));
  }
  const bool tls = !options.http.tls_cert_file.empty() || !options.http.tls_key_file.empty();
  switch (http::DecideListen(options.http.host, tls, options.insecure_http)) {
    case http::ListenDecision::kAllowed: break;
    case http::ListenDecision::kAllowedWithWarning:
      core::LogWarning("serving plain HTTP on " + options.http.host +
                       " (--insecure-http): API keys and data cross the network unencrypted");
      break;
    case http::ListenDecision::kRefused:
      core::LogError("refusing to serve plain HTTP on " + options.http.host +
                     ", which is not a loopback address: give --tls-cert and --tls-key, or --insecure-http if a "
                     "proxy in front of AMP terminates TLS");
      return 2;
  }
  // The stop signals are blocked in every thread; this one waits for them below.
  const sigset_t stop_signals = BlockStopSignals();
  auto prepared_dir = PrepareDataDir(options.data_dir);
  if (!prepared_dir.ok()) return Fail(prepared_dir.status());
  const fs::path data_dir = *prepared_dir;

  auto stores = OpenSharedStores(options, data_dir);
  if (!stores.ok()) return Fail(stores.status());
  storage::MetadataStore* const metadata = stores->metadata.get();
  storage::ArtifactStore* const artifacts = &stores->artifacts();
  const core::Clock& clock = core::SystemClock::Get();

  registry::ModelRegistry models(*metadata, *artifacts, clock);
  registry::DatasetCatalog datasets(*metadata, *artifacts, clock, {.table_cache_bytes = options.dataset_cache_bytes});
  // Signed notifications (training callbacks, monitoring alerts) go out through one sender and one secret.
  http::HttpWebhookTransport webhook_transport;
  http::WebhookSender webhooks(http::WebhookOptions{.secret = stores->webhook_secret}, webhook_transport, clock);
  webhooks.Start();
  std::unique_ptr<AlertWebhook> webhook;
  if (!options.monitoring_webhook.empty()) {
    auto created = AlertWebhook::Create(options.monitoring_webhook, webhooks);
    if (!created.ok()) return Fail(created.status());
    webhook = std::move(created).value();
  }
  monitoring::MonitoringOptions monitoring_options;
  monitoring_options.window.bucket_seconds = std::max<int64_t>(1, options.monitoring_bucket_seconds);
  monitoring_options.window.buckets = std::max(1, options.monitoring_buckets);
  monitoring_options.remembered_predictions = static_cast<size_t>(std::max<int64_t>(1, options.monitoring_remember));
  monitoring_options.evaluate_every_seconds = std::max<int64_t>(1, options.monitoring_evaluate_seconds);
  monitoring::RequestLogOptions request_log_options;
  request_log_options.rate = options.request_log_rate;
  request_log_options.max_bytes = options.request_log_max_bytes;
  request_log_options.max_age_seconds = options.request_log_max_age_seconds;
  request_log_options.max_files = options.request_log_max_files;
  if (core::Status valid = monitoring::ValidateRequestLogOptions(request_log_options); !valid.ok()) return Fail(valid);
  monitoring::RequestLog request_log(data_dir / "request-log", clock, request_log_options);
  monitoring::MonitoringService monitoring_service(models, *artifacts, clock, monitoring_options, webhook.get());
  if (options.monitoring && request_log.enabled()) {
    monitoring_service.EnableRequestLog(&request_log, [&datasets](std::string_view dataset_id)
                                                          -> core::Result<std::vector<std::string>> {
      auto dataset = datasets.Get(dataset_id);
      if (!dataset.ok()) return dataset.status();
      std::vector<std::string> personal;
      for (const auto& column : dataset->summary.columns) {
        if (!column.pii.empty()) personal.push_back(column.name);
      }
      return personal;
    });
    request_log.Start();
  } else if (request_log.enabled()) {
    core::LogWarning("--request-log-rate needs monitoring on; the request log is off");
  }
  serving::ModelManagerOptions manager_options;
  manager_options.cache_bytes = options.model_cache_bytes;
  if (options.monitoring) {
    manager_options.attach_monitor = [&monitoring_service](const storage::ModelRecord& model,
                                                           const storage::VersionRecord& version,
                                                           const ml::Model& predictor) {
      return monitoring_service.Attach(model, version, predictor.signature());
    };
  }
  serving::ModelManager manager(models, manager_options);
  manager.ListenToRegistry();
  // A "workers": k job trains on k local `amp train-shard` processes that open the same stores (the ranks read the
  // dataset themselves, so not with at-rest encryption: such jobs then train in this process).
  LocalDistributedLauncher distributed_launcher(ShardOptionsFor(options, data_dir), data_dir / "tmp");
  training::JobRunner jobs(*metadata, datasets, models, clock, options.training_workers);
  if (options.training_workers == 0) core::LogInfo("training is off here: jobs wait in the queue for `amp worker`s");
  // Its trainers claim jobs from the store's queue with a lease, as `amp worker`s do, so replicas and workers that
  // share the store never run a job twice.
  training::LeaseOptions training_lease;
  training_lease.lease_micros = static_cast<int64_t>(options.training_lease_seconds * 1e6);
  jobs.SetTrainerIdentity(DefaultWorkerId() + "-serve", training_lease);
  if (!stores->encrypted()) jobs.SetDistributedLauncher(&distributed_launcher);
  // On every way out, training stops before the sender is destroyed: a job ending enqueues to it.
  StopJobsFirst stop_jobs_before_webhooks{jobs};
  jobs.AddEndListener([&webhooks](const storage::JobRecord& job) {
    if (job.request.callback_url.empty()) return;
    webhooks.Enqueue(job.request.callback_url, api::JobEventName(job), api::RenderJobNotification(job));
  });
  if (core::Status started = jobs.Start(); !started.ok()) return Fail(started);

  auth::AccessControl access(*metadata, clock);
  if (core::Status loaded = access.Load(); !loaded.ok()) return Fail(loaded);
  access.SetDefaultLimits(options.key_limits);
  models.AddModelDeletionListener([&access](const storage::ModelRecord& model) { access.ForgetModel(model); });
  auth::AuditLog audit(*metadata, clock);
  if (core::Status loaded = audit.Load(); !loaded.ok()) return Fail(loaded);
  if (core::Status admin = EnsureAdminKey(access, audit, data_dir); !admin.ok()) return Fail(admin);
  auth::KeyQuotas quotas(options.quotas, clock);
  registry::RetentionCollector retention(
      models, [&manager](const std::string& model_id) { return manager.HeldVersions(model_id); },
      [&audit](const storage::ModelRecord& model, const storage::VersionRecord& version) {
        core::Status appended = audit.Append("server (retention)", "delete_version",
                                             "model:" + model.id + " (" + model.name + ") version " +
                                                 std::to_string(version.version),
                                             "", "ok: keep_last " + std::to_string(model.retention_keep_last));
        if (!appended.ok()) core::LogError("audit log: " + appended.ToString());
      },
      std::chrono::seconds(std::max<int64_t>(1, options.retention_interval_seconds)));
  models.AddVersionListener([&retention](const storage::ModelRecord&, const storage::VersionRecord&) {
    retention.Poke();
  });
  // On every way out, training stops before the collector is destroyed: a job publishing pokes it.
  StopJobsFirst stop_jobs_before_retention{jobs};

  api::Router router;
  api::HealthHandlers health;
  health.AddRoutes(router);
  api::PredictionHandlers predictions(models, manager);
  predictions.AddRoutes(router);
  api::KServeV2Handlers kserve_v2(models, manager, [&health] { return health.ready(); });
  kserve_v2.AddRoutes(router);
  api::DatasetHandlers dataset_handlers(datasets, models);
  dataset_handlers.AddRoutes(router);
  api::ModelHandlers model_handlers(models);
  model_handlers.AddRoutes(router);
  api::ModelImportHandlers model_import_handlers(models);
  model_import_handlers.AddRoutes(router);
  api::JobHandlers job_handlers(jobs);
  job_handlers.AddRoutes(router);
  metrics::ServingMetrics serving_metrics;
  api::MetricsHandlers metrics_handlers(serving_metrics, manager);
  if (options.monitoring) metrics_handlers.SetMonitoring(&monitoring_service);
  metrics_handlers.SetDatasetCache(&datasets.table_cache());
  metrics_handlers.AddRoutes(router);
  api::MonitoringHandlers monitoring_handlers(models, manager, monitoring_service);
  monitoring_handlers.AddRoutes(router);
  api::KeyHandlers key_handlers(access);
  key_handlers.AddRoutes(router);
  api::ModelAccessHandlers model_access_handlers(access, models);
  model_access_handlers.OnModelChanged([&retention](const storage::ModelRecord&) { retention.Poke(); });
  model_access_handlers.AddRoutes(router);
  api::AuditHandlers audit_handlers(*metadata);
  audit_handlers.AddRoutes(router);
  api::ConsoleHandlers console;
  const fs::path web_dir = FindWebDir(options.web_dir);
  if (core::Status loaded = console.Load(web_dir); !loaded.ok()) {
    core::LogWarning("web console not served: " + loaded.message());
  } else {
    core::LogInfo("web console: " + std::to_string(console.file_count()) + " files from " +
                  fs::absolute(web_dir).string());
  }
  console.AddRoutes(router);
  // Last: every route added above is behind the guard; no route may be added after this.
  api::AccessGuard guard(access, audit, quotas);
  guard.Protect(router);
  RequestTelemetry telemetry(serving_metrics, options.access_log);

  http::ServerOptions http_options = options.http;
  http_options.upload_dir = data_dir / "tmp";
  http_options.observer = &telemetry;
  // Uploads interrupted by a previous crash leave files here; nothing in it is needed across restarts.
  std::error_code ec;
  fs::remove_all(http_options.upload_dir, ec);
  http::HttpServer server(http_options, router);
  if (core::Status started = server.Start(); !started.ok()) return Fail(started);
  core::LogInfo(std::string("amp listening on ") + (tls ? "https://" : "http://") + http_options.host + ":" + std::to_string(server.port()) +
                " (data folder " + data_dir.string() + ", allocator " + std::string(core::AllocatorName()) + ")");

  manager.LoadAll();
  // Other processes sharing the stores (replicas, workers) change models, aliases, keys and grants: refresh what
  // this one caches whenever the store's change counter moves.
  storage::ChangeWatcher change_watcher(*metadata);
  change_watcher.AddListener([&manager, &access] {
    manager.Refresh();
    if (core::Status refreshed = access.Refresh(); !refreshed.ok()) {
      core::LogError("cannot refresh API keys and grants: " + refreshed.ToString());
    }
  });
  if (core::Status watching = change_watcher.Start(); !watching.ok()) {
    core::LogWarning("not following the store's change feed: " + watching.ToString());
  }
  retention.Start();
  if (options.monitoring) monitoring_service.Start();
  if (options.demo) {
    auto csv = FindDemoCsv(options.demo_csv);
    if (!csv.ok()) {
      core::LogWarning(csv.status().message());
    } else {
      auto job = BootstrapDemoModel(*csv, models, datasets, jobs, data_dir / "tmp");
      if (!job.ok()) {
        core::LogError("demo model: " + job.status().ToString());
      } else if (!job->empty()) {
        MarkDemoModelPublic(*metadata, access, clock);
        core::LogInfo("training the demo model '" + std::string(kDemoModelName) + "' (job " + *job + ")");
      }
    }
  }
  health.SetReady(true);
  if (!options.port_file.empty()) {
    if (core::Status written = WritePortFile(options.port_file, server.port()); !written.ok()) return Fail(written);
  }

  const int signal_number = WaitForStopSignal(stop_signals);
  core::LogInfo(std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
                "; draining in-flight requests");
  health.SetReady(false);
  server.Shutdown();
  change_watcher.Stop();
  retention.Shutdown();
  jobs.Shutdown();
  monitoring_service.Stop();
  request_log.Stop();
  webhooks.Shutdown();
  core::LogInfo("amp stopped");
  return 0;
}

}  // namespace amp::app
