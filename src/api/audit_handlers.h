// The audit trail (admin only): GET /v1/audit?after=N&limit=M pages through the hash-chained records; GET
// /v1/audit/verify checks the whole chain and says whether it is intact. Thread-safe.
#pragma once

#include "api/router.h"
#include "storage/metadata_store.h"

namespace amp::api {

class AuditHandlers {
 public:
  explicit AuditHandlers(storage::MetadataStore& store) : store_(store) {}
  void AddRoutes(Router& router);

  Response List(const Request& request);
  Response Verify(const Request& request);

 private:
  storage::MetadataStore& store_;
};

}  // namespace amp::api
