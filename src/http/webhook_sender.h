// WebhookSender: delivers signed JSON notifications (training jobs ending; later, monitoring alerts) to URLs given
// by users, in the background. Each POST carries
//   X-Amp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   X-Amp-Event: <event name>        X-Amp-Delivery: <id, the same on every attempt>
// A delivery that fails (no connection, or an answer other than 2xx) is retried with exponential backoff up to
// `max_attempts`, signed afresh each time. Enqueue never blocks; Shutdown never waits for a backoff (pending
// deliveries are dropped and logged; one POST in flight ends within the transport's timeout). The transport and
// the clock are injected so tests can fail attempts and check signatures. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/status.h"

namespace amp::http {

using WebhookHeaders = std::vector<std::pair<std::string, std::string>>;

// Sends one POST. Returns the HTTP status the receiver answered, or an error when none was received.
class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  virtual core::Result<int> Post(const std::string& url, const WebhookHeaders& headers, const std::string& body) = 0;
};

// Plain http:// URLs (http://host[:port][/path][?query]) through HttpClient, with a timeout per attempt.
class HttpWebhookTransport final : public WebhookTransport {
 public:
  explicit HttpWebhookTransport(std::chrono::milliseconds timeout = std::chrono::seconds(10)) : timeout_(timeout) {}
  core::Result<int> Post(const std::string& url, const WebhookHeaders& headers, const std::string& body) override;

 private:
  std::chrono::milliseconds timeout_;
};

struct WebhookOptions {
  std::string secret;  // the HMAC key; must not be empty
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{1000};  // then doubled after each failure...
  std::chrono::milliseconds max_backoff{60'000};    // ...up to this
  size_t max_pending = 10'000;                      // beyond this, Enqueue refuses
};

struct WebhookStats {
  int64_t delivered = 0;  // answered 2xx
  int64_t abandoned = 0;  // failed max_attempts times
  int64_t attempts = 0;
  int64_t pending = 0;
};

// The X-Amp-Signature value for `body` sent at `unix_seconds`.
std::string SignWebhook(std::string_view secret, int64_t unix_seconds, std::string_view body);

class WebhookSender {
 public:
  WebhookSender(WebhookOptions options, WebhookTransport& transport, const core::Clock& clock);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void Start();
  void Shutdown();

  // Queues a delivery of `body` (JSON) to `url`. False (logged) when stopped or too many are pending.
  bool Enqueue(std::string url, std::string event, std::string body);

  WebhookStats stats();
  // Blocks until nothing is pending or `timeout` passes; true when idle. For tests and orderly shutdown.
  bool WaitUntilIdle(std::chrono::milliseconds timeout);

 private:
  struct Delivery {
    std::string id;
    std::string url;
    std::string event;
    std::string body;
    int attempts = 0;
  };
  using SteadyTime = std::chrono::steady_clock::time_point;

  void Loop();
  bool Attempt(Delivery& delivery);

  const WebhookOptions options_;
  WebhookTransport& transport_;
  const core::Clock& clock_;

  core::Mutex mu_;
  core::CondVar changed_;
  bool stopping_ AMP_GUARDED_BY(mu_) = false;
  bool started_ AMP_GUARDED_BY(mu_) = false;
  std::multimap<SteadyTime, Delivery> due_ AMP_GUARDED_BY(mu_);  // by when the next attempt is due
  int in_flight_ AMP_GUARDED_BY(mu_) = 0;
  WebhookStats stats_ AMP_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace amp::http
