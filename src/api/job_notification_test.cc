#include "api/job_notification.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace amp::api {
namespace {

storage::JobRecord Job(storage::JobState state) {
  storage::JobRecord job;
  job.id = "job_1";
  job.state = state;
  job.request.model_name = "house prices";
  job.request.dataset_id = "ds_1";
  job.request.target = "price";
  job.request.callback_url = "http://127.0.0.1:9/hook";
  return job;
}

TEST(JobNotificationTest, SucceededJobCarriesVersionMetricsAndDownload) {
  storage::JobRecord job = Job(storage::JobState::kSucceeded);
  job.result_model_id = "mdl_1";
  job.result_version = 3;
  job.result_metrics = {{"rmse", 0.5}};
  EXPECT_EQ(JobEventName(job), "job.succeeded");
  std::string body = RenderJobNotification(job);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(body);
  EXPECT_EQ(std::string_view(root["event"]), "job.succeeded");
  EXPECT_EQ(std::string_view(root["job"]["id"]), "job_1");
  EXPECT_EQ(std::string_view(root["model"]["id"]), "mdl_1");
  EXPECT_EQ(std::string_view(root["model"]["name"]), "house prices");
  EXPECT_EQ(int64_t(root["version"]), 3);
  EXPECT_EQ(double(root["metrics"]["rmse"]), 0.5);
  EXPECT_EQ(std::string_view(root["download"]["artifact"]), "/v1/models/mdl_1/versions/3/artifact");
}

TEST(JobNotificationTest, FailedJobHasNoVersionOrDownload) {
  storage::JobRecord job = Job(storage::JobState::kFailed);
  job.error = "target is constant";
  EXPECT_EQ(JobEventName(job), "job.failed");
  std::string body = RenderJobNotification(job);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(body);
  EXPECT_EQ(std::string_view(root["event"]), "job.failed");
  EXPECT_TRUE(root["version"].is_null());
  EXPECT_TRUE(root["download"].is_null());
  EXPECT_TRUE(root["model"]["id"].is_null());
  EXPECT_EQ(std::string_view(root["job"]["error"]), "target is constant");
  EXPECT_EQ(JobEventName(Job(storage::JobState::kCancelled)), "job.cancelled");
}

}  // namespace
}  // namespace amp::api
