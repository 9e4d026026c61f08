// Decide: the one access-control decision, a pure function of who asks (Principal), what for (Action) and on what
// (Resource). api::AccessGuard calls it before any handler runs; list handlers call CanReadModel to filter.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "auth/action.h"

namespace amp::auth {

// The quotas that apply to a caller (its key's own where set, else the server's defaults); 0: unlimited.
struct UsageLimits {
  int64_t max_dataset_bytes = 0;  // one dataset upload's size
  int64_t max_dataset_rows = 0;   // one dataset upload's data rows
  int64_t max_training_jobs = 0;  // training jobs queued or running at once
};

struct Principal {
  Role role = Role::kAnonymous;
  std::string key_id;  // empty when anonymous
  std::string key_name;
  // Ids of the models this key was granted; never null for a key, may be null when anonymous.
  std::shared_ptr<const std::set<std::string>> granted_model_ids;
  UsageLimits limits;

  bool authenticated() const { return role != Role::kAnonymous; }
  // "key:<id> (<name>)" or "anonymous": how the audit log and alias events name the caller.
  std::string Identity() const;
};

// What a model-scoped action acts on, as far as the decision needs to know.
struct Resource {
  bool is_model = false;      // false for actions that are not about one model
  bool model_exists = false;  // a model of that name or id is recorded
  bool model_public = false;
  bool granted = false;  // the principal holds a grant on this model
};

struct Decision {
  enum class Outcome { kAllow, kUnauthenticated, kForbidden };
  Outcome outcome = Outcome::kAllow;
  std::string reason;  // empty when allowed; for the error body and the audit log

  bool allowed() const { return outcome == Outcome::kAllow; }
};

Decision Decide(const Principal& principal, Action action, const Resource& resource);

// Shorthand for list handlers: may `principal` see this model in a listing?
bool CanReadModel(const Principal& principal, const std::string& model_id, bool model_public);

}  // namespace amp::auth
