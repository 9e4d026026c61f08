// AlertWebhook: monitoring's AlertNotifier that hands each alert transition, as JSON, to the server's signed
// WebhookSender (http/webhook_sender.h), the same sender, secret and signature (X-Amp-Signature: t=...,v1=...) as
// training callbacks, with its retries and backoff; Notify never blocks the monitoring thread. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "http/webhook_sender.h"
#include "monitoring/monitoring_service.h"

namespace amp::app {

class AlertWebhook final : public monitoring::AlertNotifier {
 public:
  // InvalidArgument for a URL that is not http://host[:port][/path]. `sender` must outlive the notifier.
  static core::Result<std::unique_ptr<AlertWebhook>> Create(std::string url, http::WebhookSender& sender);
  void Notify(const monitoring::AlertEvent& event) override;

 private:
  AlertWebhook(std::string url, http::WebhookSender& sender) : url_(std::move(url)), sender_(sender) {}

  std::string url_;
  http::WebhookSender& sender_;
};

// The event name ("monitoring.alert_entered" or "monitoring.alert_left") and the body of an alert notification.
std::string AlertEventName(const monitoring::AlertEvent& event);
std::string AlertEventJson(const monitoring::AlertEvent& event);

}  // namespace amp::app
