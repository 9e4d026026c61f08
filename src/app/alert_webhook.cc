#include "app/alert_webhook.h"

#include "api/json_out.h"
#include "http/http_client.h"

namespace amp::app {

core::Result<std::unique_ptr<AlertWebhook>> AlertWebhook::Create(std::string url, http::WebhookSender& sender) {
  constexpr std::string_view kScheme = "http://";
  if (url.compare(0, kScheme.size(), kScheme) != 0 || url.size() == kScheme.size()) {
    return core::InvalidArgument("the monitoring webhook must be an http:// URL, got '" + url + "'");
  }
  const size_t path_start = url.find('/', kScheme.size());
  AMP_RETURN_IF_ERROR(
      http::HttpClient::Create(path_start == std::string::npos ? url : url.substr(0, path_start)).status());
  return std::unique_ptr<AlertWebhook>(new AlertWebhook(std::move(url), sender));
}

std::string AlertEventName(const monitoring::AlertEvent& event) {
  return event.to == monitoring::MonitorState::kAlert ? "monitoring.alert_entered" : "monitoring.alert_left";
}

std::string AlertEventJson(const monitoring::AlertEvent& event) {
  api::JsonOut out;
  out.writer.StartObject();
  out.writer.Key("event");
  out.writer.String(AlertEventName(event));
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

void AlertWebhook::Notify(const monitoring::AlertEvent& event) {
  sender_.Enqueue(url_, AlertEventName(event), AlertEventJson(event));
}

}  // namespace amp::app
