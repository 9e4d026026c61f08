// The MetadataStore contract for job records and their logs (see metadata_store_contract.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/metadata_store_contract.h"

namespace amp::storage::contract {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Jobs.

TEST_P(MetadataStoreContractTest, JobInsertThenReplace) {
  JobRecord job = MakeJob("job_1", 100);
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got = store().GetJob("job_1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameJob(*got, job);

  job.state = JobState::kSucceeded;
  job.started_at_micros = 150;
  job.finished_at_micros = 200;
  job.progress = "done: 3/3 steps";
  job.result_model_id = "mdl_1";
  job.result_version = 4;
  job.result_metrics = {{"rmse", 0.25}, {"mae", 1.0 / 3.0}, {"r2", 0.999999999999}};
  ASSERT_TRUE(store().PutJob(job).ok());
  got = store().GetJob("job_1");
  ASSERT_TRUE(got.ok());
  ExpectSameJob(*got, job);
  EXPECT_EQ(store().ListJobs(100)->size(), 1u);  // replaced, not added
}

TEST_P(MetadataStoreContractTest, JobLogsAreNumberedPerJobAndPaged) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 100)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 200)).ok());
  ASSERT_TRUE(store().AppendJobLog("job_1", 10, "queued").ok());
  ASSERT_TRUE(store().AppendJobLog("job_2", 11, "other job").ok());
  ASSERT_TRUE(store().AppendJobLog("job_1", 12, "started").ok());
  ASSERT_TRUE(store().AppendJobLog("job_1", 13, "succeeded").ok());
  core::Result<std::vector<JobLogLine>> lines = store().ListJobLogs("job_1", 0, 100);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  EXPECT_THAT(*lines,
              ElementsAre(JobLogLine{1, 10, "queued"}, JobLogLine{2, 12, "started"}, JobLogLine{3, 13, "succeeded"}));
  lines = store().ListJobLogs("job_1", 1, 1);
  ASSERT_TRUE(lines.ok());
  EXPECT_THAT(*lines, ElementsAre(JobLogLine{2, 12, "started"}));
  EXPECT_THAT(*store().ListJobLogs("job_2", 0, 100), ElementsAre(JobLogLine{1, 11, "other job"}));
  EXPECT_THAT(*store().ListJobLogs("job_none", 0, 100), IsEmpty());
}

TEST_P(MetadataStoreContractTest, JobWithEmptyFieldsRoundTrips) {
  JobRecord job;
  job.id = "job_min";
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got = store().GetJob("job_min");
  ASSERT_TRUE(got.ok());
  ExpectSameJob(*got, job);
}

TEST_P(MetadataStoreContractTest, JobCallbackAndModelMetadataRoundTrip) {
  JobRecord job = MakeJob("job_cb", 100);
  job.request.callback_url = "http://127.0.0.1:9/hook?x=1";
  job.request.model_description = "desc";
  job.request.model_owner = "team";
  job.request.model_tags = std::vector<std::string>{"a", "b"};
  ASSERT_TRUE(store().PutJob(job).ok());
  core::Result<JobRecord> got = store().GetJob("job_cb");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->request.callback_url, job.request.callback_url);
  EXPECT_EQ(got->request.model_description, "desc");
  EXPECT_EQ(got->request.model_owner, "team");
  EXPECT_EQ(got->request.model_tags, job.request.model_tags);
  job.request.model_tags = std::vector<std::string>{};  // an empty set is not "absent"
  ASSERT_TRUE(store().PutJob(job).ok());
  EXPECT_EQ(store().GetJob("job_cb")->request.model_tags, std::vector<std::string>{});
  ASSERT_TRUE(store().PutJob(MakeJob("job_plain", 101)).ok());
  EXPECT_FALSE(store().GetJob("job_plain")->request.model_tags.has_value());
}

TEST_P(MetadataStoreContractTest, EveryJobStateRoundTrips) {
  const std::vector<JobState> states = {JobState::kQueued, JobState::kRunning,   JobState::kSucceeded,
                                        JobState::kFailed, JobState::kCancelled, JobState::kInterrupted};
  for (size_t idx = 0; idx < states.size(); ++idx) {
    JobRecord job = MakeJob("job_" + std::to_string(idx), static_cast<int64_t>(idx));
    job.state = states[idx];
    if (states[idx] == JobState::kFailed) job.error = "target column 'price' not found";
    ASSERT_TRUE(store().PutJob(job).ok());
    core::Result<JobRecord> got = store().GetJob(job.id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->state, states[idx]) << JobStateName(states[idx]);
    EXPECT_EQ(got->error, job.error);
  }
}

TEST_P(MetadataStoreContractTest, MissingJobIsNotFound) {
  EXPECT_EQ(store().GetJob("job_nope").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ListJobsIsNewestFirstWithLimit) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_b", 200)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_d", 400)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_a", 100)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_c", 300)).ok());
  auto ids = [](const std::vector<JobRecord>& jobs) {
    std::vector<std::string> out;
    for (const JobRecord& job : jobs) out.push_back(job.id);
    return out;
  };
  core::Result<std::vector<JobRecord>> all = store().ListJobs(10);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(ids(*all), ElementsAre("job_d", "job_c", "job_b", "job_a"));
  core::Result<std::vector<JobRecord>> two = store().ListJobs(2);
  ASSERT_TRUE(two.ok());
  EXPECT_THAT(ids(*two), ElementsAre("job_d", "job_c"));
  EXPECT_THAT(*store().ListJobs(0), IsEmpty());
  ExpectSameJob((*all)[3], MakeJob("job_a", 100));
}

TEST_P(MetadataStoreContractTest, ListJobsTiesBreakByIdDescending) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_a", 100)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_b", 100)).ok());
  core::Result<std::vector<JobRecord>> all = store().ListJobs(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "job_b");
  EXPECT_EQ((*all)[1].id, "job_a");
}

}  // namespace
}  // namespace amp::storage::contract
