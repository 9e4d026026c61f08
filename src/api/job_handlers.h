// Training endpoints: POST /v1/models/{name}/train (202 + a job), GET /v1/jobs, GET /v1/jobs/{id},
// DELETE /v1/jobs/{id} (cancel), GET /v1/jobs/{id}/logs (?after=seq), POST /v1/jobs/{id}/resubmit (202 + a new job
// with the same request). Thread-safe.
#pragma once

#include "api/router.h"
#include "training/job_runner.h"

namespace amp::api {

class JobHandlers {
 public:
  explicit JobHandlers(training::JobRunner& jobs) : jobs_(jobs) {}
  void AddRoutes(Router& router);

  Response Train(const Request& request, const PathParams& params);
  Response List(const Request& request);
  Response Get(const Request& request, const PathParams& params);
  Response Cancel(const Request& request, const PathParams& params);
  Response Logs(const Request& request, const PathParams& params);
  Response Resubmit(const Request& request, const PathParams& params);

 private:
  training::JobRunner& jobs_;
};

}  // namespace amp::api
