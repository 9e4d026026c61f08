// Servable: one loaded model version ready to score, with the registry records it came from. Shared as
// shared_ptr<const Servable>: a request holds its handle until it answers, so a version swapped out mid-request
// stays alive until that request ends. Immutable; thread-safe.
#pragma once

#include <memory>

#include "ml/model.h"
#include "storage/records.h"

namespace amp::monitoring {
class VersionMonitor;
}

namespace amp::serving {

struct Servable {
  storage::ModelRecord model;
  storage::VersionRecord version;
  std::shared_ptr<const ml::Model> predictor;
  // The version's live monitoring (thread-safe, counts through a const handle); null when monitoring is off.
  std::shared_ptr<monitoring::VersionMonitor> monitor;
};

using ServableHandle = std::shared_ptr<const Servable>;

}  // namespace amp::serving
