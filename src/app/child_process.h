// ChildProcess: a process this one started (posix_spawn), with its standard output readable through a pipe, that
// is killed and reaped when the handle is destroyed unless it already ended. Used by the distributed-training
// coordinator for the XGBoost tracker and the `amp train-shard` workers. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace amp::app {

class ChildProcess {
 public:
  // Starts argv[0] (a path, not searched in PATH) with `argv` and no other open files of this process: standard
  // input is /dev/null, standard error is inherited, standard output goes to a pipe when `capture_stdout`, else is
  // inherited. Internal if it cannot start.
  static core::Result<ChildProcess> Start(const std::vector<std::string>& argv, bool capture_stdout);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // Kill()

  // One line of the captured standard output (without the newline), waiting until `deadline`. Unavailable when
  // the output ends first or the deadline passes.
  core::Result<std::string> ReadLine(std::chrono::steady_clock::time_point deadline);
  // Everything left on the captured output until it closes (blocking).
  std::string ReadRest();

  // The exit status once the process has ended (waitpid's status), polling until `deadline`; nullopt if it is
  // still running then.
  std::optional<int> WaitUntil(std::chrono::steady_clock::time_point deadline);
  // SIGKILL and reap, if still running.
  void Kill();

  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;  // read from the pipe, not yet returned
  std::optional<int> status_;
};

// A waitpid status as words: "exit code 3", "killed by signal 9".
std::string DescribeExit(int status);

}  // namespace amp::app
