#include "app/alert_webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <thread>

#include "api/json_out.h"
#include "core/log.h"
#include "http/http_client.h"

namespace amp::app {

core::Result<std::unique_ptr<AlertWebhook>> AlertWebhook::Create(std::string url, std::string secret) {
  constexpr std::string_view kScheme = "http://";
  if (url.compare(0, kScheme.size(), kScheme) != 0 || url.size() == kScheme.size()) {
    return core::InvalidArgument("the monitoring webhook must be an http:// URL, got '" + url + "'");
  }
  if (secret.empty()) {
    return core::InvalidArgument("the monitoring webhook needs a secret ($AMP_MONITORING_WEBHOOK_SECRET)");
  }
  size_t path_start = url.find('/', kScheme.size());
  std::string base = path_start == std::string::npos ? url : url.substr(0, path_start);
  std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
  AMP_RETURN_IF_ERROR(http::HttpClient::Create(base).status());
  return std::unique_ptr<AlertWebhook>(new AlertWebhook(std::move(base), std::move(target), std::move(secret)));
}

std::string AlertEventJson(const monitoring::AlertEvent& event) {
  api::JsonOut out;
  out.writer.StartObject();
  out.writer.Key("event");
  out.writer.String(event.to == monitoring::MonitorState::kAlert ? "monitoring.alert_entered"
                                                                 : "monitoring.alert_left");
  out.writer.Key("model_id");
  out.writer.String(event.model_id);
  out.writer.Key("model");
  out.writer.String(event.model_name);
  out.writer.Key("version");
  out.writer.Int64(event.version);
  out.writer.Key("from");
  out.writer.String(monitoring::MonitorStateName(event.from));
  out.writer.Key("to");
  out.writer.String(monitoring::MonitorStateName(event.to));
  out.writer.Key("causes");
  out.writer.StartArray();
  for (const std::string& cause : event.causes) out.writer.String(cause);
  out.writer.EndArray();
  out.writer.Key("at");
  api::WriteTime(out.writer, event.at_micros);
  out.writer.EndObject();
  return out.Take();
}

std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex = "sha256=";
  for (unsigned int idx = 0; idx < length; ++idx) {
    hex += kHex[digest[idx] >> 4];
    hex += kHex[digest[idx] & 15];
  }
  return hex;
}

void AlertWebhook::Notify(const monitoring::AlertEvent& event) {
  const std::string body = AlertEventJson(event);
  const std::string timestamp = std::to_string(event.at_micros / 1'000'000);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto client = http::HttpClient::Create(base_url_, std::chrono::seconds(10));
    if (!client.ok()) break;
    client->SetHeader("X-Amp-Event", event.to == monitoring::MonitorState::kAlert ? "monitoring.alert_entered"
                                                                                  : "monitoring.alert_left");
    client->SetHeader("X-Amp-Timestamp", timestamp);
    client->SetHeader("X-Amp-Signature", SignWebhook(secret_, timestamp, body));
    auto response = client->Send("POST", target_, body, "application/json");
    if (response.ok() && response->status >= 200 && response->status < 300) return;
    core::LogWarning("monitoring webhook attempt " + std::to_string(attempt) + " failed: " +
                     (response.ok() ? "HTTP " + std::to_string(response->status) : response.status().ToString()));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace amp::app
