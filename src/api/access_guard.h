// AccessGuard: stands in front of every route's handler (Router::WrapHandlers). It authenticates the API key
// (401 with WWW-Authenticate), asks auth::Decide about the route's action (403), applies the key's quotas (429
// with Retry-After), and only then runs the handler; denied requests and every change are appended to the audit
// log. A request it turns away never reaches a handler. Thread-safe; must outlive the router's use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/router.h"
#include "auth/access_control.h"
#include "auth/audit_log.h"
#include "auth/key_quotas.h"

namespace amp::api {

class AccessGuard {
 public:
  AccessGuard(auth::AccessControl& access, auth::AuditLog& audit, auth::KeyQuotas& quotas)
      : access_(access), audit_(audit), quotas_(quotas) {}

  // Puts this guard in front of every route added to `router` so far.
  void Protect(Router& router) const;

  // For routes whose model is named in the body: the error answer when the caller may not take `action` on
  // `model`, nullopt when allowed.
  std::optional<Response> CheckModel(const Request& request, auth::Action action, std::string_view model) const;

  // Appends an audit record for `request` (actor from its principal).
  void Audit(const Request& request, std::string_view action, std::string_view outcome) const;

 private:
  Response Handle(const Route& route, const Handler& handler, const Request& request, const PathParams& params) const;
  Response Deny(const Request& request, const auth::Principal& principal, auth::Action action,
                const auth::Decision& decision) const;

  auth::AccessControl& access_;
  auth::AuditLog& audit_;
  auth::KeyQuotas& quotas_;
};

// Helpers for handlers; each is a no-op (allow, visible, "remote:<address>") when no guard is in front.
std::optional<Response> AuthorizeModel(const Request& request, auth::Action action, std::string_view model);
bool MayListModel(const Request& request, const std::string& model_id, bool model_public);
// How a change is attributed: the key's identity, else the remote address.
std::string ActorOf(const Request& request);

}  // namespace amp::api
