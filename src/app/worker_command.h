// `amp worker`: a training worker. It opens the stores a group of `amp serve` replicas share, claims training jobs
// from the queue in the metadata store, trains and publishes them (training::QueueWorker), and on SIGTERM or SIGINT
// puts the job it was running back in the queue and exits 0. It serves no API; with --health-port it answers
// probes and Prometheus scrapes (/healthz, /readyz, /metrics: api/worker_health_handlers.h) on a small listener.
#pragma once

#include <filesystem>
#include <string>

#include "app/shared_stores.h"

namespace amp::app {

// The store and secret flags are StoreOptions', as for `amp serve` (a worker must open the stores the replicas use).
struct WorkerOptions : StoreOptions {
  std::filesystem::path data_dir = "amp-data";
  std::string worker_id;  // empty: <hostname>-<pid>
  double lease_seconds = 30;
  int64_t dataset_cache_bytes = 1LL << 30;  // as `amp serve`'s
  // Where the ranks of a "workers": k job train: "workers" (k different `amp worker`s, one rank each; this one
  // also takes ranks other workers' jobs offer) or "local" (k `amp train-shard` processes on this machine).
  std::string distributed_ranks = "workers";
  // "workers": the address the other workers reach this worker's XGBoost tracker at (empty: this host name's IPv4
  // address, as the resolver gives it, else 127.0.0.1), and how long a job's ranks may take to be claimed and to
  // form the collective.
  std::string tracker_host;
  double rank_join_timeout_seconds = 60;
  // The health listener (plain HTTP; it takes no API keys): off while health_port is -1; 0 picks a free port, then
  // written to health_port_file if set.
  std::string health_host = "127.0.0.1";
  int health_port = -1;
  std::filesystem::path health_port_file;
};

// Returns the process exit code.
int RunWorker(const WorkerOptions& options);

}  // namespace amp::app
