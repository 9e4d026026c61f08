// MonitoringService: every monitored model version's VersionMonitor, each model's thresholds (persisted in the
// artifact store as monitoring/<model id>/settings.json), the PredictionMemory that lets feedback name a request,
// and the alert transitions: when a version enters or leaves the alert state the service queues an AlertEvent and
// its background thread hands it to the AlertNotifier (a signed webhook, app/). Monitors are created when the
// serving layer loads a version (Attach, off the request path) and kept for the life of the service, so live
// statistics survive an eviction and reload. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "monitoring/drift.h"
#include "monitoring/prediction_memory.h"
#include "monitoring/request_log.h"
#include "monitoring/version_monitor.h"
#include "registry/model_registry.h"
#include "storage/artifact_store.h"

namespace amp::monitoring {

struct AlertEvent {
  std::string model_id;
  std::string model_name;
  int64_t version = 0;
  MonitorState from = MonitorState::kInsufficientData;
  MonitorState to = MonitorState::kInsufficientData;
  std::vector<std::string> causes;  // the features in alert (when entering)
  int64_t at_micros = 0;
};

// Where alert transitions go. Called on the service's background thread, one event at a time.
class AlertNotifier {
 public:
  virtual ~AlertNotifier() = default;
  virtual void Notify(const AlertEvent& event) = 0;
};

struct MonitoringOptions {
  WindowOptions window;
  size_t remembered_predictions = 65536;  // PredictionMemory capacity (rows), shared by all models
  int64_t evaluate_every_seconds = 10;    // background evaluation, for alerts nobody asked about
};

// The columns of a dataset (by id) that its profile flags as personal or payment data (ColumnSummary::pii); an
// error when the dataset cannot be read (then every feature is redacted).
using PersonalColumns = std::function<core::Result<std::vector<std::string>>(std::string_view dataset_id)>;

class MonitoringService {
 public:
  // `notifier` may be null (no webhooks).
  MonitoringService(registry::ModelRegistry& registry, storage::ArtifactStore& artifacts, const core::Clock& clock,
                    MonitoringOptions options, AlertNotifier* notifier);
  ~MonitoringService();

  // Versions attached from now on send a sample of their rows to `log` (when it is enabled), with the columns
  // `personal_columns` names for the version's training dataset redacted. Call before serving starts.
  void EnableRequestLog(RequestLog* log, PersonalColumns personal_columns);

  // The monitor of this version, created on first call with the version's training profile (if it has one).
  std::shared_ptr<VersionMonitor> Attach(const storage::ModelRecord& model, const storage::VersionRecord& version,
                                         const ml::ModelSignature& signature);
  // Null when the version was never loaded since the server started.
  std::shared_ptr<VersionMonitor> Find(std::string_view model_id, int64_t version) const;
  std::vector<std::shared_ptr<VersionMonitor>> List() const;

  Thresholds GetThresholds(std::string_view model_id);
  // Validates (drift.h ValidateThresholds), persists and applies. InvalidArgument, or the store's error.
  core::Status SetThresholds(std::string_view model_id, const Thresholds& thresholds);

  // Evaluates `monitor` with its model's thresholds and records the state (queuing an alert event on a change into
  // or out of alert).
  MonitorReport Evaluate(VersionMonitor& monitor);

  const PredictionMemory& memory() const { return memory_; }
  // Null unless EnableRequestLog was called.
  const RequestLog* request_log() const { return request_log_; }

  // Starts / stops the background evaluation and notification thread.
  void Start();
  void Stop();

 private:
  void Run();
  void EvaluateAll();

  registry::ModelRegistry& registry_;
  storage::ArtifactStore& artifacts_;
  const core::Clock& clock_;
  const MonitoringOptions options_;
  AlertNotifier* const notifier_;
  PredictionMemory memory_;
  RequestLog* request_log_ = nullptr;
  PersonalColumns personal_columns_;

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<VersionMonitor>, std::less<>> monitors_;  // guarded
  std::map<std::string, Thresholds, std::less<>> thresholds_;                                         // guarded
  std::map<std::pair<std::string, int64_t>, MonitorState> states_;                                    // guarded
  std::deque<AlertEvent> pending_;                                                                    // guarded
  bool stopping_ = false;                                                                             // guarded
  std::condition_variable wake_;
  std::thread thread_;
};

std::string EncodeThresholds(const Thresholds& thresholds);
// Starts from `base` and overrides the keys present; unknown keys are ignored (settings written by a newer server).
// InvalidArgument if not JSON or a known key has the wrong type.
core::Result<Thresholds> DecodeThresholds(std::string_view json, Thresholds base = {});

}  // namespace amp::monitoring
