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
#include "app/local_distributed_launcher.h"
#include "app/metadata_store_opener.h"
#include "app/process_setup.h"
#include "app/serve_command.h"
#include "app/worker_rank_launcher.h"
#include "core/clock.h"
#include "core/log.h"
#include "http/webhook_sender.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "storage/encrypting_artifact_store.h"
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
  // The stop signals are blocked in every thread; this one waits for them below.
  const sigset_t stop_signals = BlockStopSignals();
  auto prepared_dir = PrepareDataDir(options.data_dir);
  if (!prepared_dir.ok()) return Fail(prepared_dir.status());
  const fs::path data_dir = *prepared_dir;

  auto metadata = OpenMetadataStore(options.metadata, data_dir);
  if (!metadata.ok()) return Fail(metadata.status());
  ServeOptions store_options;
  store_options.data_dir = data_dir;
  store_options.artifacts = options.artifacts;
  store_options.s3_endpoint = options.s3_endpoint;
  store_options.encryption_key_file = options.encryption_key_file;
  auto plain_artifacts = OpenArtifactStoreFor(store_options, data_dir);
  if (!plain_artifacts.ok()) return Fail(plain_artifacts.status());
  auto encryption_key = LoadEncryptionKeyFor(store_options);
  if (!encryption_key.ok()) return Fail(encryption_key.status());
  std::unique_ptr<storage::ArtifactStore> encrypted_artifacts;
  if (encryption_key->has_value()) {
    encrypted_artifacts = std::make_unique<storage::EncryptingArtifactStore>(**plain_artifacts, **encryption_key);
  }
  storage::ArtifactStore* artifacts = encrypted_artifacts ? encrypted_artifacts.get() : plain_artifacts->get();
  const core::Clock& clock = core::SystemClock::Get();

  registry::ModelRegistry models(**metadata, *artifacts, clock);
  registry::DatasetCatalog datasets(**metadata, *artifacts, clock);
  // A job's callback_url is told by whoever ends the job: here, signed with the same secret as the servers'.
  auto webhook_secret = LoadWebhookSecretFor(options.webhook_secret_file, data_dir);
  if (!webhook_secret.ok()) return Fail(webhook_secret.status());
  http::HttpWebhookTransport webhook_transport;
  http::WebhookSender webhooks(http::WebhookOptions{.secret = *webhook_secret}, webhook_transport, clock);
  webhooks.Start();

  training::JobExecutor executor(**metadata, datasets, models, clock);
  // As on `amp serve`: a "workers": k job claimed here trains on k local `amp train-shard` processes opening the
  // same stores (not with at-rest encryption: the ranks read the dataset themselves, so such jobs train in here).
  TrainShardOptions shard_stores;
  shard_stores.data_dir = data_dir;
  shard_stores.metadata = options.metadata;
  shard_stores.artifacts = options.artifacts;
  shard_stores.s3_endpoint = options.s3_endpoint;
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
  WorkerRankLauncher rank_launcher(**metadata, rank_options);
  const bool ranks_on_workers = options.distributed_ranks == "workers";
  if (!encrypted_artifacts) {
    if (ranks_on_workers) {
      executor.SetDistributedLauncher(&rank_launcher);
    } else {
      executor.SetDistributedLauncher(&distributed_launcher);
    }
  }
  worker_options.lease.lease_micros = static_cast<int64_t>(options.lease_seconds * 1e6);
  training::QueueWorker worker(**metadata, executor, clock, worker_options);
  if (ranks_on_workers && !encrypted_artifacts) {
    worker.SetRankRunner(
        [&rank_options](const storage::JobRankRecord& rank, const storage::JobRecord& job,
                        const std::atomic<bool>& stop) { return RunWorkerRank(rank_options, rank, job, stop); });
  }
  worker.AddEndListener([&webhooks](const storage::JobRecord& job) {
    if (job.request.callback_url.empty()) return;
    webhooks.Enqueue(job.request.callback_url, api::JobEventName(job), api::RenderJobNotification(job));
  });
  char lease[32];
  std::snprintf(lease, sizeof(lease), "%g", options.lease_seconds);
  core::LogInfo("amp worker " + worker_options.worker_id + " taking training jobs from the queue (lease " + lease +
                " s, data folder " + data_dir.string() + ")" +
                (ranks_on_workers ? "; a workers: k job's tracker listens on " + rank_options.tracker_host : ""));
  std::thread loop([&worker] { worker.Run(); });

  const int signal_number = WaitForStopSignal(stop_signals);
  core::LogInfo(std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
                "; stopping (a running job goes back to the queue)");
  worker.Stop();
  loop.join();
  webhooks.WaitUntilIdle(std::chrono::seconds(2));
  webhooks.Shutdown();
  core::LogInfo("amp worker stopped after " + std::to_string(worker.jobs_run()) + " jobs");
  return 0;
}

}  // namespace amp::app
