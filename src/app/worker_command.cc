#include "app/worker_command.h"

#include <netdb.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "api/job_notification.h"
#include "api/router.h"
#include "api/worker_health_handlers.h"
#include "app/local_distributed_launcher.h"
#include "app/process_setup.h"
#include "app/shared_stores.h"
#include "app/train_shard_command.h"
#include "app/worker_rank_launcher.h"
#include "core/clock.h"
#include "core/log.h"
#include "http/http_server.h"
#include "http/webhook_sender.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "training/job_executor.h"
#include "training/queue_worker.h"

namespace amp::app {
namespace fs = std::filesystem;
namespace {

int Fail(const core::Status& status) {
  core::LogError(status.ToString());
  return 1;
}

// This host name's first IPv4 address (what other machines on its network reach it at), else 127.0.0.1.
std::string DefaultTrackerHost() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host, nullptr, &hints, &found) != 0 || found == nullptr) return "127.0.0.1";
  char text[INET_ADDRSTRLEN] = {};
  const auto* address = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  const bool ok = ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text)) != nullptr;
  ::freeaddrinfo(found);
  return ok ? std::string(text) : "127.0.0.1";
}

}  // namespace

int RunWorker(const WorkerOptions& options) {
  if (!(options.lease_seconds >= 0.1) || !std::isfinite(options.lease_seconds)) {
    return Fail(core::InvalidArgument("--lease-seconds must be at least 0.1"));
  }
  if (options.distributed_ranks != "workers" && options.distributed_ranks != "local") {
    return Fail(
        core::InvalidArgument("--distributed-ranks takes workers or local, not '" + options.distributed_ranks + "'"));
  }
  if (!(options.rank_join_timeout_seconds > 0) || !std::isfinite(options.rank_join_timeout_seconds)) {
    return Fail(core::InvalidArgument("--rank-join-timeout must be positive"));
  }
  if (options.health_port < -1 || options.health_port > 65535) {
    return Fail(core::InvalidArgument("--health-port takes 0..65535 (0: a free port)"));
  }
  // The stop signals are blocked in every thread; this one waits for them below.
  const sigset_t stop_signals = BlockStopSignals();
  auto prepared_dir = PrepareDataDir(options.data_dir);
  if (!prepared_dir.ok()) return Fail(prepared_dir.status());
  const fs::path data_dir = *prepared_dir;

  auto stores = OpenSharedStores(options, data_dir);
  if (!stores.ok()) return Fail(stores.status());
  storage::MetadataStore& metadata = *stores->metadata;
  const core::Clock& clock = core::SystemClock::Get();

  registry::ModelRegistry models(metadata, stores->artifacts(), clock);
  registry::DatasetCatalog datasets(metadata, stores->artifacts(), clock,
                                    {.table_cache_bytes = options.dataset_cache_bytes});
  // A job's callback_url is told by whoever ends the job: here, signed with the same secret as the servers'.
  http::HttpWebhookTransport webhook_transport;
  http::WebhookSender webhooks(http::WebhookOptions{.secret = stores->webhook_secret}, webhook_transport, clock);
  webhooks.Start();

  training::JobExecutor executor(metadata, datasets, models, clock);
  // As on `amp serve`: a "workers": k job claimed here trains on k local `amp train-shard` processes opening the
  // same stores (not with at-rest encryption: the ranks read the dataset themselves, so such jobs train in here).
  const TrainShardOptions shard_stores = ShardOptionsFor(options, data_dir);
  LocalDistributedLauncher distributed_launcher(shard_stores, data_dir / "tmp");
  training::QueueWorkerOptions worker_options;
  worker_options.worker_id = options.worker_id.empty() ? DefaultWorkerId() : options.worker_id;
  // With --distributed-ranks workers (the default), such a job is trained by k different workers instead, one rank
  // each (worker_rank_launcher.h).
  WorkerRankOptions rank_options;
  rank_options.stores = shard_stores;
  rank_options.worker_id = worker_options.worker_id;
  rank_options.tracker_host = options.tracker_host.empty() ? DefaultTrackerHost() : options.tracker_host;
  rank_options.rank_join_timeout_seconds = options.rank_join_timeout_seconds;
  rank_options.scratch = data_dir / "tmp";
  WorkerRankLauncher rank_launcher(metadata, rank_options);
  const bool ranks_on_workers = options.distributed_ranks == "workers";
  if (!stores->encrypted()) {
    if (ranks_on_workers) {
      executor.SetDistributedLauncher(&rank_launcher);
    } else {
      executor.SetDistributedLauncher(&distributed_launcher);
    }
  }
  worker_options.lease.lease_micros = static_cast<int64_t>(options.lease_seconds * 1e6);
  training::QueueWorker worker(metadata, executor, clock, worker_options);
  if (ranks_on_workers && !stores->encrypted()) {
    worker.SetRankRunner(
        [&rank_options](const storage::JobRankRecord& rank, const storage::JobRecord& job,
                        const std::atomic<bool>& stop) { return RunWorkerRank(rank_options, rank, job, stop); });
  }
  worker.AddEndListener([&webhooks](const storage::JobRecord& job) {
    if (job.request.callback_url.empty()) return;
    webhooks.Enqueue(job.request.callback_url, api::JobEventName(job), api::RenderJobNotification(job));
  });
  // Probes and scrapes: the routes say whether the process answers, whether the store does, and what it has done.
  api::WorkerHealthHandlers health(
      worker_options.worker_id, [&worker] { return worker.stats(); },
      [&metadata] { return metadata.ChangeCounter().status(); }, clock);
  health.SetDatasetCache(&datasets.table_cache());
  api::Router health_router;
  health.AddRoutes(health_router);
  std::unique_ptr<http::HttpServer> health_server;
  if (options.health_port >= 0) {
    http::ServerOptions health_options;
    health_options.host = options.health_host;
    health_options.port = static_cast<uint16_t>(options.health_port);
    health_options.threads = 1;
    health_options.max_body_bytes = 4096;
    health_options.max_upload_bytes = 0;
    health_options.upload_dir = data_dir / "tmp";  // no route streams a body; the server wants the folder named
    health_server = std::make_unique<http::HttpServer>(health_options, health_router);
    core::Status started = health_server->Start();
    if (started.ok() && !options.health_port_file.empty()) {
      started = WritePortFile(options.health_port_file, health_server->port());
    }
    if (!started.ok()) {
      webhooks.Shutdown();
      return Fail(started.WithContext("health listener"));
    }
    core::LogInfo("amp worker health endpoints on http://" + options.health_host + ":" +
                  std::to_string(health_server->port()) + " (/healthz, /readyz, /metrics)");
  }

  char lease[32];
  std::snprintf(lease, sizeof(lease), "%g", options.lease_seconds);
  core::LogInfo("amp worker " + worker_options.worker_id + " taking training jobs from the queue (lease " + lease +
                " s, data folder " + data_dir.string() + ")" +
                (ranks_on_workers ? "; a workers: k job's tracker listens on " + rank_options.tracker_host : ""));
  std::thread loop([&worker] { worker.Run(); });

  const int signal_number = WaitForStopSignal(stop_signals);
  core::LogInfo(std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
                "; stopping (a running job goes back to the queue)");
  health.SetStopping();
  worker.Stop();
  loop.join();
  if (health_server) health_server->Shutdown();
  webhooks.WaitUntilIdle(std::chrono::seconds(2));
  webhooks.Shutdown();
  core::LogInfo("amp worker stopped after " + std::to_string(worker.jobs_run()) + " jobs");
  return 0;
}

}  // namespace amp::app
