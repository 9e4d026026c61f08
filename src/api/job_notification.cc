#include "api/job_notification.h"

#include "api/json_out.h"
#include "api/record_json.h"

namespace amp::api {

std::string JobEventName(const storage::JobRecord& job) {
  return "job." + std::string(storage::JobStateName(job.state));
}

std::string RenderJobNotification(const storage::JobRecord& job) {
  const bool succeeded = job.state == storage::JobState::kSucceeded;
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("event");
  WriteString(out.writer, JobEventName(job));
  out.writer.Key("job");
  WriteJob(out.writer, job);
  out.writer.Key("model");
  out.writer.StartObject();
  out.writer.Key("id");
  if (job.result_model_id.empty()) {
    out.writer.Null();
  } else {
    WriteString(out.writer, job.result_model_id);
  }
  out.writer.Key("name");
  WriteString(out.writer, job.request.model_name);
  out.writer.EndObject();
  out.writer.Key("version");
  if (succeeded) {
    out.writer.Int64(job.result_version);
  } else {
    out.writer.Null();
  }
  out.writer.Key("metrics");
  WriteNumberMap(out.writer, job.result_metrics);
  out.writer.Key("download");
  if (succeeded) {
    // By model id: names may hold spaces. Paths on this server; the receiver knows where it is.
    const std::string version_path =
        "/v1/models/" + job.result_model_id + "/versions/" + std::to_string(job.result_version);
    out.writer.StartObject();
    out.writer.Key("version");
    WriteString(out.writer, version_path);
    out.writer.Key("artifact");
    WriteString(out.writer, version_path + "/artifact");
    out.writer.EndObject();
  } else {
    out.writer.Null();
  }
  out.writer.EndObject();
  return out.Take();
}

}  // namespace amp::api
