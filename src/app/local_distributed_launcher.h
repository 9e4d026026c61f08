// LocalDistributedLauncher: the training::DistributedLauncher of a single machine. It runs a job's k ranks as
// `amp train-shard` processes of this binary plus the python3-xgboost tracker (RunLocalRanks), on the server's own
// stores, and reads rank 0's model back. `amp serve` sets it on its JobRunner, so a "workers": k job trains on k
// local processes. Thread-safe (each Train has its own processes and output file).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>

#include "app/train_shard_command.h"
#include "training/distributed_launcher.h"

namespace amp::app {

class LocalDistributedLauncher final : public training::DistributedLauncher {
 public:
  // `stores`: the data folder and artifact flags the ranks open (the server's); `scratch`: a folder for the ranks'
  // output files.
  LocalDistributedLauncher(TrainShardOptions stores, std::filesystem::path scratch)
      : stores_(std::move(stores)), scratch_(std::move(scratch)) {}

  core::Result<std::shared_ptr<const ml::Model>> Train(const storage::TrainRequest& request,
                                                       const std::atomic<bool>& cancelled) override;

 private:
  const TrainShardOptions stores_;
  const std::filesystem::path scratch_;
};

}  // namespace amp::app
