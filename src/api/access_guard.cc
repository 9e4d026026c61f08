#include "api/access_guard.h"

#include "api/error_response.h"
#include "core/log.h"

namespace amp::api {
namespace {

// What goes into the audit log as the resource: the method and path (never the query or body, which may hold
// data; never the Authorization header).
std::string Target(const Request& request) {
  return std::string(MethodName(request.method)) + " " + std::string(request.path.substr(0, 300));
}

bool IsChange(const Request& request, auth::Action action) {
  if (request.method == Method::kGet || request.method == Method::kHead) return false;
  return action != auth::Action::kPredict;
}

// One request's place in its caller's quota (the API key's, or the remote address's when anonymous or the key is
// bad), given back when the request ends. Does nothing when no quota is set, so the hot path allocates nothing.
class QuotaSlot {
 public:
  QuotaSlot(auth::KeyQuotas& quotas, const auth::Principal* caller, std::string_view remote_address) : quotas_(quotas) {
    if (!quotas.enabled()) return;
    key_ = caller != nullptr ? caller->key_id : "anonymous:" + std::string(remote_address);
    admission_ = quotas.Admit(key_);
    held_ = admission_.admitted;
  }
  ~QuotaSlot() {
    if (held_) quotas_.Release(key_);
  }
  QuotaSlot(const QuotaSlot&) = delete;
  QuotaSlot& operator=(const QuotaSlot&) = delete;

  // The 429 answer when the caller is over its quota.
  std::optional<Response> Refusal() const {
    if (admission_.admitted) return std::nullopt;
    Response response = ErrorResponse(429, "rate_limited", admission_.reason);
    response.headers.emplace_back("Retry-After", std::to_string(admission_.retry_after_seconds));
    return response;
  }

 private:
  auth::KeyQuotas& quotas_;
  std::string key_;
  auth::KeyQuotas::Admission admission_;
  bool held_ = false;
};

}  // namespace

void AccessGuard::Protect(Router& router) const {
  router.WrapHandlers([this](const Route& route, Handler handler) -> Handler {
    return [this, &route, handler = std::move(handler)](const Request& request, const PathParams& params) {
      return Handle(route, handler, request, params);
    };
  });
}

void AccessGuard::Audit(const Request& request, std::string_view action, std::string_view outcome) const {
  std::string actor = ActorOf(request);
  core::Status appended = audit_.Append(actor, action, Target(request), request.remote_address, outcome);
  if (!appended.ok()) core::LogError("audit log: " + appended.ToString());
}

Response AccessGuard::Deny(const Request& request, const auth::Principal& principal, auth::Action action,
                           const auth::Decision& decision) const {
  Request audited = request;
  audited.principal = &principal;
  Audit(audited, auth::ActionName(action), "denied: " + decision.reason);
  if (decision.outcome == auth::Decision::Outcome::kUnauthenticated) {
    Response response = ErrorResponse(401, "unauthenticated", decision.reason);
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  return ErrorResponse(403, "forbidden", decision.reason);
}

Response AccessGuard::Handle(const Route& route, const Handler& handler, const Request& request,
                             const PathParams& params) const {
  const auth::Action action = route.access.action;
  auto principal = access_.Authenticate(request.authorization);
  // Quotas come before the decision, so a flood of bad or forbidden requests is throttled before each costs an
  // audit record.
  QuotaSlot slot(quotas_, principal.ok() && principal->authenticated() ? &*principal : nullptr, request.remote_address);
  if (std::optional<Response> refusal = slot.Refusal()) return std::move(*refusal);
  if (!principal.ok()) {
    auth::Principal anonymous;
    return Deny(request, anonymous, action,
                auth::Decision{auth::Decision::Outcome::kUnauthenticated, principal.status().message()});
  }
  // A model named in the body is checked by the handler once parsed (CheckModel); everything else here.
  if (route.access.model != RouteAccess::Model::kBody) {
    auth::Resource resource;
    if (route.access.model == RouteAccess::Model::kPath && !params.empty()) {
      resource = access_.ModelResource(*principal, params[0]);
    }
    auth::Decision decision = auth::Decide(*principal, action, resource);
    if (!decision.allowed()) return Deny(request, *principal, action, decision);
  }
  Request guarded = request;
  guarded.principal = &*principal;
  guarded.guard = this;
  Response response = handler(guarded, params);
  if (IsChange(request, action)) {
    Audit(guarded, auth::ActionName(action),
          response.status < 400 ? std::string("ok") : "failed: HTTP " + std::to_string(response.status));
  }
  return response;
}

std::optional<Response> AccessGuard::CheckModel(const Request& request, auth::Action action,
                                                std::string_view model) const {
  if (request.principal == nullptr) return ErrorResponse(500, "internal", "no caller identity");
  auth::Decision decision = auth::Decide(*request.principal, action, access_.ModelResource(*request.principal, model));
  if (decision.allowed()) return std::nullopt;
  return Deny(request, *request.principal, action, decision);
}

std::optional<Response> AuthorizeModel(const Request& request, auth::Action action, std::string_view model) {
  if (request.guard == nullptr) return std::nullopt;
  return request.guard->CheckModel(request, action, model);
}

bool MayListModel(const Request& request, const std::string& model_id, bool model_public) {
  if (request.principal == nullptr) return true;
  return auth::CanReadModel(*request.principal, model_id, model_public);
}

std::string ActorOf(const Request& request) {
  if (request.principal != nullptr) return request.principal->Identity();
  return "remote:" + std::string(request.remote_address);
}

}  // namespace amp::api
