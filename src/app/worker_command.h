// `amp worker`: a training worker. It opens the stores a group of `amp serve` replicas share, claims training jobs
// from the queue in the metadata store, trains and publishes them (training::QueueWorker), and on SIGTERM or SIGINT
// puts the job it was running back in the queue and exits 0. It serves no HTTP.
#pragma once

#include <filesystem>
#include <string>

namespace amp::app {

struct WorkerOptions {
  std::filesystem::path data_dir = "amp-data";
  // The metadata store: empty for <data_dir>/amp.db (SQLite), a SQLite file, or postgresql://... (as for serve).
  std::string metadata;
  // As for `amp serve`: the artifact store, its S3 endpoint, the at-rest encryption key, the webhook secret.
  std::string artifacts;
  std::string s3_endpoint;
  std::filesystem::path encryption_key_file;
  std::filesystem::path webhook_secret_file;
  std::string worker_id;  // empty: <hostname>-<pid>
  double lease_seconds = 30;
  // Where the ranks of a "workers": k job train: "workers" (k different `amp worker`s, one rank each; this one
  // also takes ranks other workers' jobs offer) or "local" (k `amp train-shard` processes on this machine).
  std::string distributed_ranks = "workers";
  // "workers": the address the other workers reach this worker's XGBoost tracker at (empty: this host name's IPv4
  // address, as the resolver gives it, else 127.0.0.1), and how long a job's ranks may take to be claimed and to
  // form the collective.
  std::string tracker_host;
  double rank_join_timeout_seconds = 60;
};

// Returns the process exit code.
int RunWorker(const WorkerOptions& options);

}  // namespace amp::app
