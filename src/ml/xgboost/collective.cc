#include "ml/xgboost/collective.h"

#include <xgboost/c_api.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace amp::ml {
namespace {

// Set while this process is in XGBoost's collective or a join is still blocked in XGCommunicatorInit.
std::atomic<bool> collective_busy{false};

// XGBoost's last error on this thread, without its stack trace.
std::string LastError() {
  const char* raw = XGBGetLastError();
  std::string text = raw == nullptr ? "" : raw;
  if (size_t trace = text.find("\nStack trace:"); trace != std::string::npos) text.resize(trace);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// What the collective's thread and the caller, who may give up waiting for the join, share.
struct RunState {
  std::mutex mu;
  std::condition_variable changed;
  bool joined = false;                 // guarded by mu: init succeeded and body runs (or ran)
  bool finished = false;               // guarded by mu: the thread is done (init failed, or body returned)
  bool abandoned = false;              // guarded by mu: the caller timed out; body must not run
  std::optional<core::Status> result;  // guarded by mu
};

constexpr int kDoubleType = 7;  // xgboost::collective::DataType::kDouble
constexpr int kSumOp = 2;       // xgboost::collective::Operation::kSum

}  // namespace

core::Status Collective::Run(const CollectiveOptions& options, const std::function<core::Status(Collective&)>& body) {
  if (options.world_size < 1) return core::InvalidArgument("the world size must be at least 1");
  if (options.rank < 0 || options.rank >= options.world_size) {
    return core::InvalidArgument("rank " + std::to_string(options.rank) + " is not in 0.." +
                                 std::to_string(options.world_size - 1));
  }
  if (options.tracker_port < 1 || options.tracker_port > 65535) {
    return core::InvalidArgument("the tracker port must be 1..65535");
  }
  if (options.tracker_host.empty() || options.tracker_host.find_first_of("\"\\") != std::string::npos) {
    return core::InvalidArgument("bad tracker host '" + options.tracker_host + "'");
  }
  bool expected = false;
  if (!collective_busy.compare_exchange_strong(expected, true)) {
    return core::FailedPrecondition(
        "this process is already in an XGBoost collective (one distributed training per process at a time)");
  }
  const std::string where = "rank " + std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
                            " (tracker " + options.tracker_host + ":" + std::to_string(options.tracker_port) + ")";
  const std::string config = "{\"DMLC_TRACKER_URI\": \"" + options.tracker_host +
                             "\", \"DMLC_TRACKER_PORT\": " + std::to_string(options.tracker_port) +
                             ", \"DMLC_TASK_ID\": \"" + std::to_string(options.rank) + "\"}";
  auto state = std::make_shared<RunState>();
  // The thread owns copies of what it needs: after a timeout the caller's frame is gone.
  std::thread([state, config, where, options, body] {
    const int init = XGCommunicatorInit(config.c_str());
    std::unique_lock lock(state->mu);
    if (init != 0) {
      state->result = core::Unavailable("joining the XGBoost collective failed for " + where + ": " + LastError());
    } else if (state->abandoned) {
      lock.unlock();
      XGCommunicatorFinalize();
      lock.lock();
    } else {
      state->joined = true;
      state->changed.notify_all();
      lock.unlock();
      core::Status status = core::Status::Ok();
      {
        Collective collective(XGCommunicatorGetRank(), XGCommunicatorGetWorldSize());  // finalizes when it goes
        if (collective.rank() != options.rank || collective.world_size() != options.world_size) {
          status = core::FailedPrecondition("the tracker made this process rank " + std::to_string(collective.rank()) +
                                            " of " + std::to_string(collective.world_size()) + ", not " + where +
                                            " (the tracker must sort by task id and expect that many workers)");
        } else {
          status = body(collective);
        }
      }
      lock.lock();
      state->result = std::move(status);
    }
    state->finished = true;
    collective_busy.store(false);
    state->changed.notify_all();
  }).detach();

  std::unique_lock lock(state->mu);
  if (!state->changed.wait_for(lock, options.join_timeout, [&] { return state->joined || state->finished; })) {
    state->abandoned = true;
    const auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(options.join_timeout).count() / 100;
    return core::Unavailable("the XGBoost collective did not form within " + std::to_string(tenths / 10) +
                             (tenths % 10 != 0 ? "." + std::to_string(tenths % 10) : "") + " s for " + where +
                             ": a worker did not join");
  }
  state->changed.wait(lock, [&] { return state->finished; });
  return *state->result;
}

Collective::~Collective() {
  XGCommunicatorFinalize();
}

core::Status Collective::AllreduceSum(double* values, size_t count) {
  if (XGCommunicatorAllreduce(values, count, kDoubleType, kSumOp) != 0) {
    return core::Unavailable("XGBoost allreduce failed: " + LastError());
  }
  return core::Status::Ok();
}

}  // namespace amp::ml
