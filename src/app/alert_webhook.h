// AlertWebhook: monitoring's AlertNotifier that POSTs each alert transition as JSON to a URL, signed so the
// receiver can check it came from this server: X-Amp-Timestamp (Unix seconds) and X-Amp-Signature
// "sha256=<hex HMAC-SHA256 of '<timestamp>.<body>' with the shared secret>". Three attempts, one second apart; a
// failure is logged and dropped. Plain http:// only (HttpClient's limit). A minimal sender: the training-callback
// work (helper "life") brings a general signed WebhookSender that this should be folded into. Not thread-safe:
// MonitoringService calls it from its one background thread.
#pragma once

#include <string>

#include "core/status.h"
#include "monitoring/monitoring_service.h"

namespace amp::app {

class AlertWebhook final : public monitoring::AlertNotifier {
 public:
  // InvalidArgument for a URL that is not http://host[:port][/path] or an empty secret.
  static core::Result<std::unique_ptr<AlertWebhook>> Create(std::string url, std::string secret);
  void Notify(const monitoring::AlertEvent& event) override;

 private:
  AlertWebhook(std::string base_url, std::string target, std::string secret)
      : base_url_(std::move(base_url)), target_(std::move(target)), secret_(std::move(secret)) {}

  std::string base_url_;
  std::string target_;
  std::string secret_;
};

// The body of an alert webhook and its signature (exposed for tests).
std::string AlertEventJson(const monitoring::AlertEvent& event);
std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body);

}  // namespace amp::app
