// API keys (admin only): POST /v1/keys creates one and shows its secret once; GET /v1/keys lists them (never a
// secret); POST /v1/keys/{id}/rotate gives a key a new secret; DELETE /v1/keys/{id} revokes it.
// Grants and visibility: PUT/DELETE /v1/models/{name}/grants/{key_id} (admin), PATCH /v1/models/{name} with
// {"public": bool} (admin, developer). Audit: GET /v1/audit and GET /v1/audit/verify (admin). Thread-safe.
#pragma once

#include "api/router.h"
#include "auth/access_control.h"
#include "storage/metadata_store.h"

namespace amp::api {

class KeyHandlers {
 public:
  KeyHandlers(auth::AccessControl& access, storage::MetadataStore& audit_store)
      : access_(access), audit_store_(audit_store) {}
  void AddRoutes(Router& router);

  Response Create(const Request& request);
  Response List(const Request& request);
  Response Rotate(const Request& request, const PathParams& params);
  Response Revoke(const Request& request, const PathParams& params);
  Response Grant(const Request& request, const PathParams& params, bool grant);
  Response SetVisibility(const Request& request, const PathParams& params);
  Response ListAudit(const Request& request);
  Response VerifyAudit(const Request& request);

 private:
  auth::AccessControl& access_;
  storage::MetadataStore& audit_store_;
};

}  // namespace amp::api
