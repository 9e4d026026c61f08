// RequestObserver: told about every HTTP request the server answers, for metrics and the access log. Implemented
// in app/ (which owns the concrete metrics and log); called by http/ on the request's own thread, so
// implementations must be thread-safe and cheap.
#pragma once

#include <cstdint>

#include "api/request.h"

namespace amp::api {

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequestStarted() = 0;
  // `latency_micros` runs from the complete request (header and body read) to the answer being ready to write.
  virtual void OnRequestFinished(const Request& request, const Response& response, int64_t latency_micros) = 0;
};

}  // namespace amp::api
