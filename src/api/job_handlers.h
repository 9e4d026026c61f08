// Training endpoints: POST /v1/models/{name}/train (202 + a job), GET /v1/jobs, GET /v1/jobs/{id},
// DELETE /v1/jobs/{id} (cancel), GET /v1/jobs/{id}/logs (?after=seq), POST /v1/jobs/{id}/resubmit (202 + a new job
// with the same request). Thread-safe.
#pragma once

#include <string_view>

#include "api/router.h"
#include "core/status.h"
#include "storage/records.h"
#include "training/job_runner.h"

namespace amp::api {

// A train request body (as POST /v1/models/{name}/train takes it, without the model name) read from JSON text, for
// `amp train-shard`, which takes the same request; `dataset_id` is used when the body names none. InvalidArgument
// with the route's message for a malformed one.
core::Result<storage::TrainRequest> ParseTrainRequest(std::string_view json, std::string_view dataset_id = {});
// The inverse for what training reads (dataset_id, target, algorithm, task, features, params, cpu_budget, workers,
// allow_personal_data): ParseTrainRequest(TrainRequestJson(r)) trains as r does. No search, callback or metadata.
std::string TrainRequestJson(const storage::TrainRequest& request);

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
