// Health endpoints for load balancers: GET /healthz (the process answers) and GET /readyz (it is ready to serve:
// stores open and models loaded). Thread-safe.
#pragma once

#include <atomic>

#include "api/router.h"

namespace amp::api {

class HealthHandlers {
 public:
  void AddRoutes(Router& router);
  void SetReady(bool ready) { ready_.store(ready); }
  bool ready() const { return ready_.load(); }

 private:
  std::atomic<bool> ready_{false};
};

}  // namespace amp::api
