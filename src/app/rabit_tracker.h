// RabitTracker: XGBoost's tracker for one distributed training, run as a child process. Debian's libxgboost 1.7.4
// has no tracker in its C API, so this starts python3-xgboost's `xgboost.tracker.RabitTracker(host_ip, n_workers,
// sortby="task")` with /usr/bin/python3, reads back the port it listens on, and kills it when the handle goes (the
// job ended or timed out). Killing the tracker also makes workers still waiting in XGCommunicatorInit fail at once.
// Thread-compatible.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "app/child_process.h"
#include "core/status.h"

namespace amp::app {

class RabitTracker {
 public:
  // Starts a tracker for `workers` ranks listening on `host` (an ephemeral port). Unavailable when python3-xgboost
  // is missing or the tracker does not report its port within `startup_timeout`.
  static core::Result<RabitTracker> Start(int workers, const std::string& host = "127.0.0.1",
                                          std::chrono::milliseconds startup_timeout = std::chrono::seconds(30),
                                          const std::string& python = "/usr/bin/python3");

  const std::string& host() const { return host_; }
  int port() const { return port_; }

  // The tracker ends by itself once every worker has finished; this waits for that until `deadline`.
  bool WaitUntilDone(std::chrono::steady_clock::time_point deadline) {
    return process_.WaitUntil(deadline).has_value();
  }
  // Kills the tracker now.
  void Stop() { process_.Kill(); }

 private:
  RabitTracker(ChildProcess process, std::string host, int port)
      : process_(std::move(process)), host_(std::move(host)), port_(port) {}
  ChildProcess process_;
  std::string host_;
  int port_ = 0;
};

}  // namespace amp::app
