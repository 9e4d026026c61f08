// API keys (admin only): POST /v1/keys creates one and shows its secret once; GET /v1/keys lists them (never a
// secret); POST /v1/keys/{id}/rotate gives a key a new secret; DELETE /v1/keys/{id} revokes it. Create and rotate
// take optional "limits" (per-key quotas: max_dataset_bytes, max_dataset_rows, max_training_jobs; null for the
// server's default, 0 for unlimited). Thread-safe.
#pragma once

#include "api/router.h"
#include "auth/access_control.h"

namespace amp::api {

class KeyHandlers {
 public:
  explicit KeyHandlers(auth::AccessControl& access) : access_(access) {}
  void AddRoutes(Router& router);

  Response Create(const Request& request);
  Response List(const Request& request);
  Response Rotate(const Request& request, const PathParams& params);
  Response Revoke(const Request& request, const PathParams& params);

 private:
  auth::AccessControl& access_;
};

}  // namespace amp::api
