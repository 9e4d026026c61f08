// Collective: a thread's membership in XGBoost's collective ("rabit"), the allreduce that distributed training runs
// on. Collective::Run joins it (XGCommunicatorInit with the tracker's address and this process's rank as
// DMLC_TASK_ID), runs the caller's work, and leaves it (XGCommunicatorFinalize, when the Collective is destroyed),
// all on one thread of its own: libxgboost 1.7.4 keeps the communicator per thread (checked: a thread other than the
// one that called XGCommunicatorInit sees rank 0 of 1), so the boosters of the distributed training must be trained
// on the thread that joined. While it runs, every booster trained on that thread synchronizes its quantile sketch,
// histograms and model with the other ranks.
// One collective per process at a time (enforced: Run refuses a second one): the tracker and the rabit engine
// behind it are process-wide resources, and a timed-out join leaves a thread blocked in XGBoost until the tracker
// goes. Run each rank in a process of its own (`amp train-shard`). The tracker is started by a coordinator
// (app/rabit_tracker.h), not here.
// Thread safety: Run may be called from any thread; the Collective it hands to `body` is used on that thread only.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/status.h"

namespace amp::ml {

struct CollectiveOptions {
  std::string tracker_host = "127.0.0.1";  // DMLC_TRACKER_URI
  int tracker_port = 0;                    // DMLC_TRACKER_PORT
  int rank = 0;                            // DMLC_TASK_ID: with the tracker's sortby="task", the rank we get
  int world_size = 1;
  // How long to wait for the collective to form. XGBoost 1.7.4's init blocks until every rank has reached the
  // tracker (its rabit_timeout and rabit_timeout_sec options do not bound that wait: checked), so without this a
  // missing worker would hang the others forever.
  std::chrono::milliseconds join_timeout{std::chrono::seconds(60)};
};

class Collective {
 public:
  // Joins the collective on a new thread, runs `body` there with the joined Collective, leaves the collective and
  // returns body's status. InvalidArgument for a bad rank, world size or port; FailedPrecondition when this process
  // already is (or is still trying to be) in a collective, or the tracker gave another rank or world size (it must
  // sort by task id and expect world_size workers); Unavailable when the collective did not form within
  // join_timeout (a rank missing, the tracker gone or unreachable) or XGBoost refused to join, with its reason; body
  // then never runs. After a timeout XGBoost's init is still blocked on its thread: this process cannot join another
  // collective until that returns (when the tracker goes away), so a worker process should exit.
  // `body` runs to its end (no timeout: bound it with the process's own deadline); the caller blocks meanwhile.
  static core::Status Run(const CollectiveOptions& options, const std::function<core::Status(Collective&)>& body);

  ~Collective();
  Collective(const Collective&) = delete;
  Collective& operator=(const Collective&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // The element-wise sum of `values` over every rank, in place (XGCommunicatorAllreduce). Every rank must call it
  // with the same length. Unavailable when a peer is gone.
  core::Status AllreduceSum(double* values, size_t count);

 private:
  Collective(int rank, int world_size) : rank_(rank), world_size_(world_size) {}
  int rank_;
  int world_size_;
};

}  // namespace amp::ml
