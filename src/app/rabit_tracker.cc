#include "app/rabit_tracker.h"

#include <charconv>

namespace amp::app {
namespace {

// Prints the port, then serves until every worker has shut down. sortby="task" gives worker i (DMLC_TASK_ID i)
// rank i, so the shard a worker reads is the one its rank names.
constexpr char kTrackerScript[] = R"(import sys
from xgboost.tracker import RabitTracker
workers = int(sys.argv[1])
tracker = RabitTracker(host_ip=sys.argv[2], n_workers=workers, sortby="task")
tracker.start(workers)
print(tracker.worker_envs()["DMLC_TRACKER_PORT"], flush=True)
tracker.join()
)";

}  // namespace

core::Result<RabitTracker> RabitTracker::Start(int workers, const std::string& host,
                                               std::chrono::milliseconds startup_timeout, const std::string& python) {
  if (workers < 1) return core::InvalidArgument("a tracker needs at least one worker");
  AMP_ASSIGN_OR_RETURN(ChildProcess process,
                       ChildProcess::Start({python, "-c", kTrackerScript, std::to_string(workers), host}, true));
  auto line = process.ReadLine(std::chrono::steady_clock::now() + startup_timeout);
  if (!line.ok()) {
    return core::Unavailable("the XGBoost tracker (" + python +
                             " with python3-xgboost) did not start: " + line.status().message());
  }
  int port = 0;
  auto [end, ec] = std::from_chars(line->data(), line->data() + line->size(), port);
  if (ec != std::errc() || end != line->data() + line->size() || port < 1 || port > 65535) {
    return core::Unavailable("the XGBoost tracker reported no port: '" + line->substr(0, 200) + "'");
  }
  return RabitTracker(std::move(process), host, port);
}

}  // namespace amp::app
