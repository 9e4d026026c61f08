#include "app/process_setup.h"

#include <pthread.h>
#include <unistd.h>

#include <fstream>
#include <cstdio>
#include <system_error>

namespace amp::app {

sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

int WaitForStopSignal(const sigset_t& stop_signals) {
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  return signal_number;
}

std::string DefaultWorkerId() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof(host), "worker");
  return std::string(host) + "-" + std::to_string(::getpid());
}

core::Result<std::filesystem::path> PrepareDataDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::Internal("cannot create data folder " + dir.string() + ": " + ec.message());
  return std::filesystem::absolute(dir);
}

core::Status WritePortFile(const std::filesystem::path& path, uint16_t port) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp);
    out << port << "\n";
    if (!out) return core::Internal("cannot write " + temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return core::Internal("cannot write " + path.string() + ": " + ec.message());
  return core::Status::Ok();
}

}  // namespace amp::app
