// `amp train-shard` and `amp train-distributed`: distributed XGBoost training without a server.
// train-shard is one rank: it opens the stores of a data folder (read only: it publishes nothing), runs
// training::DistributedXgbTrainer::TrainRank for the given rank and tracker, writes the trained model's amp.model
// artifact to --output and prints a one-line JSON summary. A job executor (a cluster worker) runs it once per rank
// and publishes rank 0's artifact.
// train-distributed is the single-machine coordinator: it starts the tracker (app/rabit_tracker.h) and k
// train-shard processes of this very binary, bounds the whole run by --timeout, stops everything when one rank
// fails, and leaves rank 0's artifact at --output.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "app/shared_stores.h"
#include "core/status.h"

namespace CLI {
class App;
}

namespace amp::app {

struct TrainShardOptions {
  std::filesystem::path data_dir = "amp-data";  // its amp.db is the metadata store unless `metadata` names one
  std::string metadata;                         // empty, a SQLite file or postgresql://... (app::OpenMetadataStore)
  std::string artifacts;                        // a folder (default <data-dir>/artifacts) or s3://bucket/prefix
  std::string s3_endpoint;
  std::string dataset;       // dataset id or name; overrides the request's dataset_id
  std::string request_json;  // the body POST /v1/models/{m}/train takes
  int rank = 0;
  int world_size = 1;
  int workers = 0;                   // train-distributed: ranks to start (0: the request's workers)
  std::string tracker;               // host:port (train-shard with world_size > 1)
  std::string shard_weights;         // "1,3": one positive weight per rank; empty: even shards
  double join_timeout_seconds = 60;  // the collective must form within this
  double timeout_seconds = 3600;     // the whole run
  std::filesystem::path output;      // where to write the model's amp.model artifact
};

// The store flags of a command that starts ranks on its own stores (`amp serve`, `amp worker`), with its data folder.
// No encryption key: ranks read the dataset themselves, so the callers train encrypted stores' jobs in process.
TrainShardOptions ShardOptionsFor(const StoreOptions& stores, const std::filesystem::path& data_dir);

// Runs `workers` ranks of options' request on this machine: the tracker (for more than one) and `workers` train-shard
// processes of this binary; rank 0 writes options.output, and its summary line goes to *summary. Bounded by
// options.timeout_seconds (Unavailable "... within ..."); FailedPrecondition naming the first rank that failed (its
// own error went to standard error); Cancelled once *cancelled (may be null) is set. Every process it started is
// gone when it returns.
core::Status RunLocalRanks(const TrainShardOptions& options, int workers, const std::atomic<bool>* cancelled,
                           std::string* summary);

// The command line of one `amp train-shard` rank of this very binary (`self`) on options' stores and request:
// --rank, --world, --tracker (when not empty), the timeouts, and --output for rank 0 when options.output is set.
std::vector<std::string> TrainShardArgv(const std::string& self, const TrainShardOptions& options, int rank, int world,
                                        const std::string& tracker);

// Exit codes: 0 done; 1 a training error (printed); 2 a bad flag or request; 3 the run timed out.
int RunTrainShard(const TrainShardOptions& options);
int RunTrainDistributed(const TrainShardOptions& options);

void AddTrainShardCommands(CLI::App& app, std::function<int()>* action);

}  // namespace amp::app
