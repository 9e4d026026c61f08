#include "app/worker_rank_launcher.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "api/job_handlers.h"
#include "app/child_process.h"
#include "app/rabit_tracker.h"
#include "core/id.h"
#include "core/log.h"
#include "ml/model_codec.h"

namespace amp::app {
namespace {

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", seconds);
  return text;
}

core::Result<std::string> Self() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return core::Internal("cannot find this program: " + ec.message());
  return self.string();
}

// Waits for `child` to end, killing it once `stop` is set or `deadline` passes. Its exit status, or why it was
// killed.
core::Status WaitForRank(ChildProcess& child, const std::atomic<bool>& stop,
                         std::chrono::steady_clock::time_point deadline, const std::string& what) {
  while (true) {
    auto status = child.WaitUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    if (status) {
      if (*status == 0) return core::Status::Ok();
      return core::FailedPrecondition(what + " failed (" + DescribeExit(*status) + "; its error is in the log)");
    }
    if (stop.load()) {
      child.Kill();
      return core::Cancelled("training was cancelled");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      child.Kill();
      return core::Unavailable(what + " did not finish in time");
    }
  }
}

}  // namespace

core::Result<std::shared_ptr<const ml::Model>> WorkerRankLauncher::Train(const storage::TrainRequest&,
                                                                         const std::atomic<bool>&) {
  return core::FailedPrecondition("training on several workers needs the job (TrainJob)");
}

core::Result<std::shared_ptr<const ml::Model>> WorkerRankLauncher::TrainJob(const storage::JobRecord& job,
                                                                            const storage::TrainRequest& request,
                                                                            const std::atomic<bool>& cancelled) {
  const int workers = request.workers;
  if (workers < 2 || workers > 64) return core::InvalidArgument("workers must be 2..64");
  AMP_ASSIGN_OR_RETURN(std::string self, Self());
  AMP_ASSIGN_OR_RETURN(RabitTracker tracker, RabitTracker::Start(workers, options_.tracker_host));
  const std::string address = tracker.host() + ":" + std::to_string(tracker.port());
  AMP_RETURN_IF_ERROR(metadata_.OfferJobRanks(job.id, options_.worker_id, workers, address));

  // Wait until other workers took every offered rank (each then joins the tracker).
  const double join = options_.rank_join_timeout_seconds;
  const auto join_deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(join * 1000));
  while (true) {
    if (cancelled.load()) return core::Cancelled("training was cancelled");
    AMP_ASSIGN_OR_RETURN(std::vector<storage::JobRankRecord> ranks, metadata_.ListJobRanks(job.id));
    int taken = 0;
    for (const storage::JobRankRecord& rank : ranks) taken += rank.worker_id.empty() ? 0 : 1;
    if (taken == workers - 1 && static_cast<int>(ranks.size()) == workers - 1) break;
    if (std::chrono::steady_clock::now() >= join_deadline) {
      return core::FailedPrecondition("only " + std::to_string(taken + 1) + " of " + std::to_string(workers) +
                                      " workers joined within " + Seconds(join) +
                                      " s (--rank-join-timeout): start more `amp worker`s or ask for fewer workers");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  TrainShardOptions shard = options_.stores;
  shard.request_json = api::TrainRequestJson(request);
  shard.dataset = request.dataset_id;
  shard.join_timeout_seconds = join;
  std::error_code ec;
  std::filesystem::create_directories(options_.scratch, ec);
  shard.output = options_.scratch / ("distributed-" + core::NewId("rank0") + ".amp");
  AMP_ASSIGN_OR_RETURN(ChildProcess child,
                       ChildProcess::Start(TrainShardArgv(self, shard, 0, workers, address), /*capture_stdout=*/false));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(shard.timeout_seconds * 1000));
  core::Status status = WaitForRank(child, cancelled, deadline, "rank 0 of " + std::to_string(workers));
  if (!status.ok()) {
    tracker.Stop();  // the other ranks fail at once instead of waiting for their peer
    // A cancel reaches the other ranks' workers too, and one of them may stop its rank (which fails this one) before
    // this worker's heartbeat sees the request: the job was cancelled, not failed.
    auto current = metadata_.GetJob(job.id);
    if (cancelled.load() || (current.ok() && current->cancel_requested))
      status = core::Cancelled("training was cancelled");
  }
  std::string bytes;
  if (status.ok()) {
    std::ifstream input(shard.output, std::ios::binary);
    if (!input.is_open()) {
      status = core::Internal("cannot read rank 0's model " + shard.output.string());
    } else {
      std::ostringstream content;
      content << input.rdbuf();
      bytes = content.str();
    }
    tracker.WaitUntilDone(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
  std::filesystem::remove(shard.output, ec);
  AMP_RETURN_IF_ERROR(status);
  return ml::DeserializeModel(bytes);
}

core::Status RunWorkerRank(const WorkerRankOptions& options, const storage::JobRankRecord& rank,
                           const storage::JobRecord& job, const std::atomic<bool>& stop) {
  AMP_ASSIGN_OR_RETURN(std::string self, Self());
  TrainShardOptions shard = options.stores;
  shard.request_json = api::TrainRequestJson(job.request);
  shard.dataset = job.request.dataset_id;
  shard.join_timeout_seconds = options.rank_join_timeout_seconds;
  shard.output.clear();
  AMP_ASSIGN_OR_RETURN(ChildProcess child,
                       ChildProcess::Start(TrainShardArgv(self, shard, rank.rank, job.request.workers, rank.tracker),
                                           /*capture_stdout=*/false));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(shard.timeout_seconds * 1000));
  return WaitForRank(child, stop, deadline,
                     "rank " + std::to_string(rank.rank) + " of " + std::to_string(job.request.workers));
}

}  // namespace amp::app
