// JobNotification: the JSON body AMP POSTs to a training request's callback_url when the job ends (sent by
// http::WebhookSender, signed). Shape:
//   {"event": "job.succeeded" | "job.failed" | "job.cancelled" | "job.interrupted",
//    "job": <the job as GET /v1/jobs/{id} shows it>,
//    "model": {"id", "name"}, "version": n | null, "metrics": {...},
//    "download": {"artifact": "/v1/models/{id}/versions/{n}/artifact", ...} | null}
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "storage/records.h"

namespace amp::api {

// "job.<state>".
std::string JobEventName(const storage::JobRecord& job);
std::string RenderJobNotification(const storage::JobRecord& job);

}  // namespace amp::api
