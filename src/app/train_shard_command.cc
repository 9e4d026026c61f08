#include "app/train_shard_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "api/job_handlers.h"
#include "app/child_process.h"
#include "app/metadata_store_opener.h"
#include "app/rabit_tracker.h"
#include "app/shared_stores.h"
#include "core/clock.h"
#include "ml/model_codec.h"
#include "registry/dataset_catalog.h"
#include "training/distributed_trainer.h"

namespace amp::app {
namespace fs = std::filesystem;
namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitTimeout = 3;

int Fail(int code, const std::string& message) {
  std::cerr << "amp: " << message << "\n";
  return code;
}

core::Result<std::vector<double>> ParseWeights(const std::string& text) {
  std::vector<double> weights;
  if (text.empty()) return weights;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t comma = text.find(',', begin);
    if (comma == std::string::npos) comma = text.size();
    double weight = 0.0;
    auto [end, ec] = std::from_chars(text.data() + begin, text.data() + comma, weight);
    if (ec != std::errc() || end != text.data() + comma || !(weight > 0.0)) {
      return core::InvalidArgument("--shard-weights takes positive numbers separated by commas, not '" + text + "'");
    }
    weights.push_back(weight);
    begin = comma + 1;
  }
  return weights;
}

core::Status ParseTracker(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return core::InvalidArgument("--tracker takes host:port");
  *host = text.substr(0, colon);
  auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), *port);
  if (ec != std::errc() || end != text.data() + text.size() || *port < 1 || *port > 65535) {
    return core::InvalidArgument("--tracker takes host:port, not '" + text + "'");
  }
  return core::Status::Ok();
}

std::string FormatNumber(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : "null";
}

core::Status WriteFileAtomically(const fs::path& path, const std::string& bytes) {
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return core::Internal("cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return core::Internal("cannot write " + path.string() + ": " + ec.message());
  return core::Status::Ok();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

core::Result<storage::TrainRequest> RequestOf(const TrainShardOptions& options) {
  AMP_ASSIGN_OR_RETURN(storage::TrainRequest request,
                       api::ParseTrainRequest(options.request_json.empty() ? std::string_view("{}")
                                                                           : std::string_view(options.request_json),
                                              options.dataset));
  if (!options.dataset.empty()) request.dataset_id = options.dataset;
  if (request.dataset_id.empty()) return core::InvalidArgument("name the dataset (--dataset or the request's)");
  return request;
}

}  // namespace

int RunTrainShard(const TrainShardOptions& options) {
  if (!(options.timeout_seconds > 0) || !(options.join_timeout_seconds > 0)) {
    return Fail(kExitUsage, "--timeout and --join-timeout must be positive");
  }
  // A rank stuck past the deadline (a peer hung mid-training) cannot be unblocked from inside XGBoost: the process
  // ends, which closes its sockets and makes its peers fail too.
  std::thread([seconds = options.timeout_seconds, rank = options.rank] {
    std::this_thread::sleep_for(Millis(seconds));
    std::fprintf(stderr, "amp: rank %d did not finish within %g s (--timeout); giving up\n", rank, seconds);
    std::fflush(stderr);
    _exit(kExitTimeout);
  }).detach();

  auto request = RequestOf(options);
  if (!request.ok()) return Fail(kExitUsage, request.status().message());
  training::RankAssignment assignment;
  assignment.rank = options.rank;
  assignment.world_size = options.world_size;
  assignment.join_timeout = Millis(options.join_timeout_seconds);
  auto weights = ParseWeights(options.shard_weights);
  if (!weights.ok()) return Fail(kExitUsage, weights.status().message());
  assignment.shard_weights = std::move(weights).value();
  if (options.world_size > 1) {
    if (auto status = ParseTracker(options.tracker, &assignment.tracker_host, &assignment.tracker_port); !status.ok()) {
      return Fail(kExitUsage, status.message());
    }
  }

  auto metadata = OpenMetadataStore(options.metadata, options.data_dir);
  if (!metadata.ok()) return Fail(kExitError, metadata.status().message());
  auto artifacts = OpenArtifactStore(options.artifacts, options.s3_endpoint, options.data_dir);
  if (!artifacts.ok()) return Fail(kExitUsage, artifacts.status().message());
  core::SystemClock clock;
  registry::DatasetCatalog datasets(**metadata, **artifacts, clock);
  training::DistributedXgbTrainer trainer(datasets);
  std::atomic<bool> cancelled = false;
  auto progress = [&](std::string_view message) {
    std::cerr << "amp: rank " << options.rank << ": " << message << "\n";
  };
  auto trained = trainer.TrainRank(*request, assignment, cancelled, progress);
  if (!trained.ok()) {
    return Fail(kExitError, "rank " + std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
                                ": " + trained.status().message());
  }
  if (!options.output.empty()) {
    if (auto status = WriteFileAtomically(options.output, ml::SerializeModel(*trained->outcome.model)); !status.ok()) {
      return Fail(kExitError, status.message());
    }
  }
  std::string summary = "{\"rank\": " + std::to_string(options.rank) +
                        ", \"world_size\": " + std::to_string(options.world_size) + ", \"dataset_id\": \"" +
                        trained->dataset.id + "\", \"algorithm\": \"" + trained->plan.algorithm +
                        "\", \"shard_rows\": " + std::to_string(trained->shard_rows) +
                        ", \"train_rows\": " + std::to_string(trained->outcome.train_rows) +
                        ", \"holdout_rows\": " + std::to_string(trained->outcome.holdout_rows) + ", \"metrics\": {";
  bool first = true;
  for (const auto& [name, value] : trained->outcome.metrics) {
    summary += (first ? "\"" : ", \"") + name + "\": " + FormatNumber(value);
    first = false;
  }
  summary += "}}";
  std::cout << summary << std::endl;
  return 0;
}

std::vector<std::string> TrainShardArgv(const std::string& self, const TrainShardOptions& options, int rank, int world,
                                        const std::string& tracker) {
  std::vector<std::string> argv = {self,
                                   "train-shard",
                                   "--data-dir",
                                   options.data_dir.string(),
                                   "--rank",
                                   std::to_string(rank),
                                   "--world",
                                   std::to_string(world),
                                   "--join-timeout",
                                   FormatNumber(options.join_timeout_seconds),
                                   "--timeout",
                                   FormatNumber(options.timeout_seconds)};
  auto add = [&](const char* flag, const std::string& value) {
    if (value.empty()) return;
    argv.emplace_back(flag);
    argv.push_back(value);
  };
  add("--metadata", options.metadata);
  add("--artifacts", options.artifacts);
  add("--s3-endpoint", options.s3_endpoint);
  add("--dataset", options.dataset);
  add("--request", options.request_json);
  add("--shard-weights", options.shard_weights);
  add("--tracker", tracker);
  if (rank == 0) add("--output", options.output.string());
  return argv;
}

TrainShardOptions ShardOptionsFor(const StoreOptions& stores, const fs::path& data_dir) {
  TrainShardOptions options;
  options.data_dir = data_dir;
  options.metadata = stores.metadata;
  options.artifacts = stores.artifacts;
  options.s3_endpoint = stores.s3_endpoint;
  return options;
}

core::Status RunLocalRanks(const TrainShardOptions& options, int workers, const std::atomic<bool>* cancelled,
                           std::string* summary) {
  if (workers < 1 || workers > 64) return core::InvalidArgument("workers must be 1..64");
  if (!(options.timeout_seconds > 0) || !(options.join_timeout_seconds > 0)) {
    return core::InvalidArgument("the timeouts must be positive");
  }
  const auto deadline = std::chrono::steady_clock::now() + Millis(options.timeout_seconds);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return core::Internal("cannot find this program: " + ec.message());

  std::optional<RabitTracker> tracker;
  if (workers > 1) {
    AMP_ASSIGN_OR_RETURN(RabitTracker started, RabitTracker::Start(workers));
    tracker.emplace(std::move(started));
  }
  std::vector<ChildProcess> ranks;
  const std::string tracker_address = tracker ? tracker->host() + ":" + std::to_string(tracker->port()) : "";
  for (int rank = 0; rank < workers; ++rank) {
    std::vector<std::string> argv = TrainShardArgv(self.string(), options, rank, workers, tracker_address);
    AMP_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::Start(argv, /*capture_stdout=*/rank == 0));
    ranks.push_back(std::move(child));
  }
  // Wait for every rank; the first failure stops the tracker (waiting ranks then fail at once) and the others.
  std::vector<bool> finished(ranks.size(), false);
  size_t left = ranks.size();
  std::optional<core::Status> failure;
  while (left > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      failure = core::Unavailable("the distributed training did not finish within " +
                                  FormatNumber(options.timeout_seconds) + " s");
      break;
    }
    if (cancelled != nullptr && cancelled->load()) {
      failure = core::Cancelled("training was cancelled");
      break;
    }
    for (size_t rank = 0; rank < ranks.size(); ++rank) {
      if (finished[rank]) continue;
      if (rank == 0 && summary->empty()) {
        // Rank 0's summary line; its pipe must be drained for it to finish.
        auto line = ranks[0].ReadLine(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
        if (line.ok()) *summary = *line;
      }
      auto status = ranks[rank].WaitUntil(std::chrono::steady_clock::now());
      if (!status) continue;
      finished[rank] = true;
      --left;
      if (*status != 0 && !failure) {
        failure = core::FailedPrecondition("rank " + std::to_string(rank) + " of " + std::to_string(workers) +
                                           " failed (" + DescribeExit(*status) + "; its error is in the log)");
      }
    }
    if (failure) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (failure) {
    if (tracker) tracker->Stop();
    // The others get a moment to report their own error (their peer or tracker is gone), then are killed.
    const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (ChildProcess& rank : ranks) {
      if (!rank.WaitUntil(grace)) rank.Kill();
    }
    return *failure;
  }
  if (summary->empty()) *summary = ranks[0].ReadRest();
  if (tracker) tracker->WaitUntilDone(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return core::Status::Ok();
}

int RunTrainDistributed(const TrainShardOptions& options) {
  auto request = RequestOf(options);
  if (!request.ok()) return Fail(kExitUsage, request.status().message());
  const int workers = options.workers > 0 ? options.workers : request->workers;
  if (auto weights = ParseWeights(options.shard_weights); !weights.ok()) {
    return Fail(kExitUsage, weights.status().message());
  }
  std::string summary;
  core::Status status = RunLocalRanks(options, workers, nullptr, &summary);
  if (status.code() == core::StatusCode::kInvalidArgument) return Fail(kExitUsage, status.message());
  if (status.code() == core::StatusCode::kUnavailable && status.message().find("within") != std::string::npos) {
    return Fail(kExitTimeout, status.message());
  }
  if (!status.ok()) return Fail(kExitError, status.message());
  std::cout << summary << std::endl;
  return 0;
}

void AddTrainShardCommands(CLI::App& app, std::function<int()>* action) {
  static TrainShardOptions options;
  auto add_common = [](CLI::App* command) {
    command->add_option("--data-dir", options.data_dir, "Data folder of the server (its amp.db and artifacts)");
    command->add_option("--metadata", options.metadata,
                        "Metadata store: empty for <data-dir>/amp.db, a SQLite file, or postgresql://...");
    command->add_option("--artifacts", options.artifacts, "Artifact store: a folder or s3://bucket/prefix");
    command->add_option("--s3-endpoint", options.s3_endpoint, "S3 endpoint URL for --artifacts s3://...");
    command->add_option("--dataset", options.dataset, "Dataset id or name (overrides the request's dataset_id)");
    command->add_option("--request", options.request_json,
                        "The train request as JSON, as POST /v1/models/{m}/train takes it");
    command->add_option("--shard-weights", options.shard_weights,
                        "Share of the rows per rank, e.g. 1,3 (default: even shards)");
    command->add_option("--join-timeout", options.join_timeout_seconds,
                        "Seconds for every rank to join the collective (default 60)");
    command->add_option("--timeout", options.timeout_seconds, "Seconds for the whole training (default 3600)");
    command->add_option("--output,-o", options.output, "Where to write the trained model (amp.model artifact)");
  };
  CLI::App* shard = app.add_subcommand("train-shard", "Internal: train one rank of a distributed XGBoost training");
  shard->group("");  // internal: not listed in --help
  add_common(shard);
  shard->add_option("--rank", options.rank, "This process's rank, 0..world-1")->required();
  shard->add_option("--world", options.world_size, "How many ranks train together")->required();
  shard->add_option("--tracker", options.tracker, "The XGBoost tracker as host:port (world > 1)");
  shard->callback([action] { *action = [] { return RunTrainShard(options); }; });

  CLI::App* local = app.add_subcommand(
      "train-distributed", "Train one XGBoost model with k local worker processes (XGBoost's collective), no server");
  add_common(local);
  local->add_option("--workers", options.workers, "Worker processes (default: the request's workers)");
  local->callback([action] { *action = [] { return RunTrainDistributed(options); }; });
}

}  // namespace amp::app
