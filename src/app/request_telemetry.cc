#include "app/request_telemetry.h"

#include <unistd.h>

#include "api/json_out.h"
#include "api/router.h"
#include "core/clock.h"
#include "serving/servable.h"

namespace amp::app {

void RequestTelemetry::OnRequestFinished(const api::Request& request, const api::Response& response,
                                         int64_t latency_micros) {
  metrics_.RequestFinished();
  metrics_.RecordRequest(response.status, latency_micros);
  if (response.served) {
    metrics_.RecordPrediction(response.served->model.name, response.status, response.rows_scored, latency_micros);
  }
  if (!access_log_) return;
  api::JsonOut out;
  auto& writer = out.writer;
  writer.StartObject();
  writer.Key("time");
  api::WriteString(writer, core::FormatRfc3339(core::SystemClock::Get().NowMicros()));
  writer.Key("request_id");
  api::WriteString(writer, request.request_id);
  writer.Key("remote");
  api::WriteString(writer, request.remote_address);
  writer.Key("method");
  api::WriteString(writer, api::MethodName(request.method));
  writer.Key("path");
  api::WriteString(writer, request.path);
  writer.Key("status");
  writer.Int(response.status);
  writer.Key("latency_ms");
  writer.Double(static_cast<double>(latency_micros) / 1000.0);
  writer.Key("bytes");
  writer.Uint64(response.body.size());
  if (response.served) {
    writer.Key("model");
    api::WriteString(writer, response.served->model.name);
    writer.Key("version");
    writer.Int64(response.served->version.version);
    writer.Key("rows");
    writer.Int64(response.rows_scored);
  }
  writer.EndObject();
  std::string line = out.Take();
  line.push_back('\n');
  // One write(2) per line keeps lines from different threads whole.
  ssize_t written = ::write(STDOUT_FILENO, line.data(), line.size());
  (void)written;
}

}  // namespace amp::app
