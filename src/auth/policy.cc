#include "auth/policy.h"

namespace amp::auth {
namespace {

Decision Allow() {
  return Decision{};
}

Decision Deny(const Principal& principal, Action action) {
  if (!principal.authenticated()) {
    return Decision{Decision::Outcome::kUnauthenticated,
                    "an API key is required (Authorization: Bearer <key>) to " + std::string(ActionName(action))};
  }
  return Decision{Decision::Outcome::kForbidden, "a " + std::string(RoleName(principal.role)) + " key may not " +
                                                     std::string(ActionName(action)) + " here"};
}

// Actions a developer may take on any resource; admin may take all, consumers and anonymous only model reads.
bool DeveloperMay(Action action) {
  switch (action) {
    case Action::kManageGrants:
    case Action::kManageKeys:
    case Action::kReadAudit:
      return false;
    default:
      return true;
  }
}

}  // namespace

std::string Principal::Identity() const {
  if (!authenticated()) return "anonymous";
  return "key:" + key_id + " (" + key_name + ")";
}

Decision Decide(const Principal& principal, Action action, const Resource& resource) {
  if (action == Action::kHealth || action == Action::kListModels) return Allow();  // listings are filtered
  switch (principal.role) {
    case Role::kAdmin:
      return Allow();
    case Role::kDeveloper:
      return DeveloperMay(action) ? Allow() : Deny(principal, action);
    case Role::kConsumer:
    case Role::kAnonymous: {
      const bool model_read = action == Action::kReadModel || action == Action::kPredict;
      if (!model_read || !resource.is_model || !resource.model_exists) return Deny(principal, action);
      if (resource.model_public) return Allow();
      if (principal.role == Role::kConsumer && resource.granted) return Allow();
      return Deny(principal, action);
    }
  }
  return Deny(principal, action);
}

bool CanReadModel(const Principal& principal, const std::string& model_id, bool model_public) {
  Resource resource{true, true, model_public,
                    principal.granted_model_ids != nullptr && principal.granted_model_ids->contains(model_id)};
  return Decide(principal, Action::kReadModel, resource).allowed();
}

}  // namespace amp::auth
