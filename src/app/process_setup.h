// What the long-running commands (`amp serve`, `amp worker`) do first: take the stop signals away from every thread
// but the one that waits for them, and make the data folder. Call from main's thread before starting any other.
#pragma once

#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace amp::app {

// Blocks SIGTERM and SIGINT in this thread (and so in every thread it starts later) and ignores SIGPIPE; returns the
// set to hand to WaitForStopSignal.
sigset_t BlockStopSignals();

// Blocks until SIGTERM or SIGINT arrives; returns which.
int WaitForStopSignal(const sigset_t& stop_signals);

// Creates `dir` if it does not exist; returns its absolute path.
core::Result<std::filesystem::path> PrepareDataDir(const std::filesystem::path& dir);

// Writes `port` and a newline to `path` through a temp file and a rename, so a reader never sees half of it (how
// tests and scripts learn a port chosen with 0).
core::Status WritePortFile(const std::filesystem::path& path, uint16_t port);
// "<host name>-<pid>": how a training process (an `amp worker`, a replica that trains) names itself in job records
// when not told; unique among the processes sharing a store as long as their host names differ.
std::string DefaultWorkerId();

}  // namespace amp::app
