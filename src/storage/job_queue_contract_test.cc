// The MetadataStore contract for the shared job queue and multi-worker ranks (see metadata_store_contract.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "storage/metadata_store_contract.h"

namespace amp::storage::contract {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The shared job queue.

TEST_P(MetadataStoreContractTest, QueueFieldsRoundTripThroughPutJob) {
  JobRecord job = MakeJob("job_1", 100);
  job.state = JobState::kRunning;
  job.worker_id = "worker-a; DROP TABLE jobs";
  job.lease_until_micros = 5000;
  job.attempts = 3;
  job.cancel_requested = true;
  ASSERT_TRUE(store().PutJob(job).ok());
  ExpectSameJob(*store().GetJob("job_1"), job);
}

TEST_P(MetadataStoreContractTest, ClaimTakesTheOldestQueuedJobAndMarksItRunning) {
  EXPECT_EQ(store().ClaimJob("w1", 10, 20).status().code(), core::StatusCode::kNotFound);
  JobRecord done = MakeJob("job_done", 1);
  done.state = JobState::kSucceeded;
  ASSERT_TRUE(store().PutJob(done).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_new", 300)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_old", 200)).ok());

  core::Result<JobRecord> claimed = store().ClaimJob("w1", 1000, 61000);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(claimed->id, "job_old");
  EXPECT_EQ(claimed->state, JobState::kRunning);
  EXPECT_EQ(claimed->worker_id, "w1");
  EXPECT_EQ(claimed->lease_until_micros, 61000);
  EXPECT_EQ(claimed->started_at_micros, 1000);
  EXPECT_EQ(claimed->attempts, 1);
  EXPECT_EQ(claimed->request.model_name, "houses");  // the whole record comes back
  ExpectSameJob(*store().GetJob("job_old"), *claimed);

  EXPECT_EQ(store().ClaimJob("w2", 1001, 2000)->id, "job_new");
  EXPECT_EQ(store().ClaimJob("w3", 1002, 2000).status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ConcurrentClaimersNeverGetTheSameJob) {
  constexpr int kJobs = 40;
  for (int job_idx = 0; job_idx < kJobs; ++job_idx) {
    ASSERT_TRUE(store().PutJob(MakeJob("job_" + std::to_string(job_idx), job_idx)).ok());
  }
  constexpr int kWorkers = 4;
  std::vector<std::vector<std::string>> claimed(kWorkers);
  std::vector<std::thread> workers;
  for (int worker_idx = 0; worker_idx < kWorkers; ++worker_idx) {
    workers.emplace_back([&, worker_idx] {
      while (true) {
        auto job = store().ClaimJob("w" + std::to_string(worker_idx), 1, 1000);
        if (!job.ok()) {
          EXPECT_EQ(job.status().code(), core::StatusCode::kNotFound) << job.status().ToString();
          return;
        }
        EXPECT_EQ(job->worker_id, "w" + std::to_string(worker_idx));
        claimed[worker_idx].push_back(job->id);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  std::vector<std::string> all;
  for (const auto& ids : claimed) all.insert(all.end(), ids.begin(), ids.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a job was claimed twice";
}

TEST_P(MetadataStoreContractTest, ExpiredLeasesAreRequeuedAndClaimedAgain) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 2)).ok());
  JobRecord in_process = MakeJob("job_local", 3);
  in_process.state = JobState::kRunning;  // run by the serving process itself: no worker, no lease
  ASSERT_TRUE(store().PutJob(in_process).ok());
  ASSERT_TRUE(store().ClaimJob("w1", 100, 1000).ok());
  ASSERT_TRUE(store().ClaimJob("w2", 100, 5000).ok());

  EXPECT_THAT(store().RequeueExpiredJobs(1000)->requeued, IsEmpty());  // the lease ends after 1000, not at it
  core::Result<ExpiredJobs> requeued = store().RequeueExpiredJobs(1001);
  ASSERT_TRUE(requeued.ok()) << requeued.status().ToString();
  EXPECT_THAT(requeued->requeued, ElementsAre("job_1"));
  EXPECT_THAT(requeued->cancelled, IsEmpty());
  JobRecord job = *store().GetJob("job_1");
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.worker_id, "");
  EXPECT_EQ(store().GetJob("job_2")->state, JobState::kRunning);
  EXPECT_EQ(store().GetJob("job_local")->state, JobState::kRunning);

  // The dead worker can no longer renew or write; the next claimer gets the job with a second attempt, keeping
  // its first start time.
  EXPECT_EQ(store().RenewJobLease("job_1", "w1", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  core::Result<JobRecord> again = store().ClaimJob("w3", 2000, 9000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, "job_1");
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->started_at_micros, 100);
  EXPECT_EQ(store().RenewJobLease("job_1", "w1", 9000).status().code(), core::StatusCode::kFailedPrecondition);
}

// Jobs trained by several workers: rank 0 is the job's holder, ranks 1..k-1 are offered and claimed.

TEST_P(MetadataStoreContractTest, RanksAreOfferedByTheHolderOnly) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  EXPECT_EQ(store().OfferJobRanks("job_1", "w0", 3, "10.0.0.1:9091").code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().OfferJobRanks("job_missing", "w0", 3, "h:1").code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store().ClaimJob("w0", 100, 1000).ok());
  EXPECT_EQ(store().OfferJobRanks("job_1", "w9", 3, "h:1").code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().OfferJobRanks("job_1", "w0", 1, "h:1").code(), core::StatusCode::kInvalidArgument);
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "10.0.0.1:9091").ok());
  core::Result<std::vector<JobRankRecord>> ranks = store().ListJobRanks("job_1");
  ASSERT_TRUE(ranks.ok()) << ranks.status().ToString();
  ASSERT_EQ(ranks->size(), 2u);
  EXPECT_EQ((*ranks)[0], (JobRankRecord{"job_1", 1, "", 0, "10.0.0.1:9091"}));
  EXPECT_EQ((*ranks)[1], (JobRankRecord{"job_1", 2, "", 0, "10.0.0.1:9091"}));
  // Offering again (a new tracker) replaces the ranks, taken or not.
  ASSERT_TRUE(store().ClaimJobRank("w1", 100, 1000).ok());
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 2, "10.0.0.2:7").ok());
  EXPECT_THAT(*store().ListJobRanks("job_1"), ElementsAre(JobRankRecord{"job_1", 1, "", 0, "10.0.0.2:7"}));
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w1", 2000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(*store().ListJobRanks("job_other"), IsEmpty());
}

TEST_P(MetadataStoreContractTest, TwoClaimersGetDistinctRanksAndTheNextGetsNone) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().ClaimJob("w0", 100, 1000).ok());
  EXPECT_EQ(store().ClaimJobRank("w1", 100, 1000).status().code(), core::StatusCode::kNotFound);  // none offered
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "h:1").ok());
  // The holder of rank 0 never takes another rank of its job.
  EXPECT_EQ(store().ClaimJobRank("w0", 100, 1000).status().code(), core::StatusCode::kNotFound);
  core::Result<JobRankRecord> first = store().ClaimJobRank("w1", 100, 1500);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, (JobRankRecord{"job_1", 1, "w1", 1500, "h:1"}));
  // Nor does a worker take a second rank of a job it already has one of.
  EXPECT_EQ(store().ClaimJobRank("w1", 100, 1500).status().code(), core::StatusCode::kNotFound);
  core::Result<JobRankRecord> second = store().ClaimJobRank("w2", 100, 1600);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rank, 2);
  EXPECT_EQ(second->worker_id, "w2");
  EXPECT_EQ(store().ClaimJobRank("w3", 100, 1600).status().code(), core::StatusCode::kNotFound);
  EXPECT_THAT(*store().ListJobRanks("job_1"), ElementsAre(JobRankRecord{"job_1", 1, "w1", 1500, "h:1"},
                                                          JobRankRecord{"job_1", 2, "w2", 1600, "h:1"}));
}

TEST_P(MetadataStoreContractTest, ConcurrentRankClaimersNeverGetTheSameRank) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().ClaimJob("w0", 100, 100000).ok());
  constexpr int kRanks = 12;
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", kRanks + 1, "h:1").ok());
  constexpr int kWorkers = 4;
  std::vector<std::vector<int>> claimed(kWorkers);
  std::vector<std::thread> workers;
  for (int worker_idx = 0; worker_idx < kWorkers; ++worker_idx) {
    workers.emplace_back([this, worker_idx, &claimed] {
      // Distinct worker ids per claim: the one-rank-per-worker rule is not what this test is about.
      for (int attempt = 0; attempt < kRanks; ++attempt) {
        auto rank = store().ClaimJobRank("w" + std::to_string(worker_idx) + "_" + std::to_string(attempt), 100, 1000);
        if (rank.ok()) claimed[worker_idx].push_back(rank->rank);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  std::vector<int> all;
  for (const auto& ranks : claimed) all.insert(all.end(), ranks.begin(), ranks.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(kRanks);
  for (int rank = 0; rank < kRanks; ++rank) expected[rank] = rank + 1;
  EXPECT_EQ(all, expected);
}

TEST_P(MetadataStoreContractTest, RankRenewalSeesCancelAndFailsOnceTheJobEnds) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  JobRecord job = *store().ClaimJob("w0", 100, 1000);
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 2, "h:1").ok());
  ASSERT_TRUE(store().ClaimJobRank("w1", 100, 1000).ok());
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w2", 3000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenewRankLease("job_missing", 1, "w1", 3000).status().code(), core::StatusCode::kNotFound);
  core::Result<JobRecord> renewed = store().RenewRankLease("job_1", 1, "w1", 3000);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_FALSE(renewed->cancel_requested);
  EXPECT_EQ((*store().ListJobRanks("job_1"))[0].lease_until_micros, 3000);
  ASSERT_TRUE(store().RequestJobCancel("job_1", 200).ok());
  EXPECT_TRUE(store().RenewRankLease("job_1", 1, "w1", 3000)->cancel_requested);
  // A job asked to stop offers no ranks to new claimers.
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "h:1").ok());
  EXPECT_EQ(store().ClaimJobRank("w5", 100, 1000).status().code(), core::StatusCode::kNotFound);
  job.state = JobState::kCancelled;
  ASSERT_TRUE(store().UpdateHeldJob(job).ok());
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w1", 4000).status().code(), core::StatusCode::kFailedPrecondition);
}

TEST_P(MetadataStoreContractTest, AnExpiredRankRequeuesTheWholeJob) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 2)).ok());
  ASSERT_TRUE(store().ClaimJob("w0", 100, 9000).ok());
  ASSERT_TRUE(store().ClaimJob("w9", 100, 9000).ok());
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w0", 3, "h:1").ok());
  ASSERT_TRUE(store().ClaimJobRank("w1", 100, 5000).ok());
  ASSERT_TRUE(store().ClaimJobRank("w2", 100, 1000).ok());
  EXPECT_THAT(store().RequeueExpiredJobs(1000)->requeued, IsEmpty());  // rank 2's lease ends after 1000, not at it
  core::Result<ExpiredJobs> requeued = store().RequeueExpiredJobs(1001);
  ASSERT_TRUE(requeued.ok()) << requeued.status().ToString();
  EXPECT_THAT(requeued->requeued, ElementsAre("job_1"));
  JobRecord job = *store().GetJob("job_1");
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.worker_id, "");
  EXPECT_EQ(store().GetJob("job_2")->state, JobState::kRunning);
  // Every rank is released: the live rank's and rank 0's renewals fail, and the next attempt starts afresh.
  EXPECT_THAT(*store().ListJobRanks("job_1"), IsEmpty());
  EXPECT_EQ(store().RenewRankLease("job_1", 1, "w1", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenewJobLease("job_1", "w0", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  core::Result<JobRecord> again = store().ClaimJob("w1", 2000, 9000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, "job_1");
  EXPECT_EQ(again->attempts, 2);
  // An untaken rank has no lease to end.
  ASSERT_TRUE(store().OfferJobRanks("job_1", "w1", 2, "h:2").ok());
  EXPECT_EQ(*store().RequeueExpiredJobs(8000), ExpiredJobs{});
  EXPECT_EQ(store().ListJobRanks("job_1")->size(), 1u);
}

TEST_P(MetadataStoreContractTest, RenewExtendsTheLeaseOfTheHolderOnly) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  EXPECT_EQ(store().RenewJobLease("job_1", "w1", 10).status().code(), core::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store().ClaimJob("w1", 100, 1000).ok());
  core::Result<JobRecord> renewed = store().RenewJobLease("job_1", "w1", 3000);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->lease_until_micros, 3000);
  EXPECT_FALSE(renewed->cancel_requested);
  EXPECT_EQ(*store().RequeueExpiredJobs(2000), ExpiredJobs{});
  EXPECT_EQ(store().RenewJobLease("job_1", "w2", 9000).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetJob("job_1")->lease_until_micros, 3000);
  EXPECT_EQ(store().RenewJobLease("job_missing", "w1", 9000).status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, UpdateHeldJobWritesOnlyWhileTheLeaseIsHeld) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_1", 1)).ok());
  JobRecord job = *store().ClaimJob("w1", 100, 1000);
  job.progress = "searching";
  job.progress_detail = {"searching", 2, 3, 0, 0, 4.0};
  job.leaderboard = {{1, "xgboost_regressor", {{"max_depth", 4}}, "rmse", 0.2, 0.01, 1.0}};
  ASSERT_TRUE(store().UpdateHeldJob(job).ok());
  ExpectSameJob(*store().GetJob("job_1"), job);

  // The queue's own fields stay the store's: a stale copy neither shortens the lease nor clears a cancel request.
  ASSERT_TRUE(store().RenewJobLease("job_1", "w1", 4000).ok());
  ASSERT_TRUE(store().RequestJobCancel("job_1", 150).ok());
  job.progress = "refitting";
  ASSERT_TRUE(store().UpdateHeldJob(job).ok());
  JobRecord stored = *store().GetJob("job_1");
  EXPECT_EQ(stored.progress, "refitting");
  EXPECT_EQ(stored.lease_until_micros, 4000);
  EXPECT_TRUE(stored.cancel_requested);

  JobRecord other = job;
  other.worker_id = "w2";
  other.progress = "stolen";
  EXPECT_EQ(store().UpdateHeldJob(other).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetJob("job_1")->progress, "refitting");

  // After the lease is lost and the job requeued, the old holder's final write is refused.
  core::Result<ExpiredJobs> ended = store().RequeueExpiredJobs(5000);
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  EXPECT_THAT(ended->requeued, IsEmpty());  // cancel requested: it ends instead of requeueing
  EXPECT_THAT(ended->cancelled, ElementsAre("job_1"));
  EXPECT_EQ(store().GetJob("job_1")->state, JobState::kCancelled);
  ASSERT_TRUE(store().PutJob(MakeJob("job_2", 2)).ok());
  JobRecord second = *store().ClaimJob("w1", 6000, 7000);
  ASSERT_EQ(*store().RequeueExpiredJobs(8000), (ExpiredJobs{{"job_2"}, {}}));
  second.state = JobState::kSucceeded;
  second.finished_at_micros = 8100;
  EXPECT_EQ(store().UpdateHeldJob(second).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().GetJob("job_2")->state, JobState::kQueued);

  // A final write by the holder ends the job; it keeps its worker for the record.
  JobRecord third = *store().ClaimJob("w4", 9000, 10000);
  third.state = JobState::kSucceeded;
  third.finished_at_micros = 9500;
  third.result_model_id = "mdl_1";
  third.result_version = 2;
  ASSERT_TRUE(store().UpdateHeldJob(third).ok());
  JobRecord finished = *store().GetJob("job_2");
  EXPECT_EQ(finished.state, JobState::kSucceeded);
  EXPECT_EQ(finished.worker_id, "w4");
  EXPECT_EQ(finished.result_version, 2);
  EXPECT_EQ(store().UpdateHeldJob(third).code(), core::StatusCode::kFailedPrecondition);  // no longer running
  JobRecord missing = third;
  missing.id = "job_missing";
  EXPECT_FALSE(store().UpdateHeldJob(missing).ok());
}

TEST_P(MetadataStoreContractTest, CancelEndsAQueuedJobAndFlagsARunningOne) {
  ASSERT_TRUE(store().PutJob(MakeJob("job_running", 1)).ok());
  ASSERT_TRUE(store().PutJob(MakeJob("job_queued", 2)).ok());
  ASSERT_EQ(store().ClaimJob("w1", 10, 1000)->id, "job_running");

  core::Result<JobRecord> cancelled = store().RequestJobCancel("job_queued", 50);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
  EXPECT_EQ(cancelled->finished_at_micros, 50);
  EXPECT_EQ(store().GetJob("job_queued")->state, JobState::kCancelled);
  EXPECT_EQ(store().ClaimJob("w2", 60, 1000).status().code(), core::StatusCode::kNotFound);  // never claimed

  core::Result<JobRecord> flagged = store().RequestJobCancel("job_running", 70);
  ASSERT_TRUE(flagged.ok());
  EXPECT_EQ(flagged->state, JobState::kRunning);
  EXPECT_TRUE(flagged->cancel_requested);
  EXPECT_EQ(flagged->finished_at_micros, 0);
  core::Result<JobRecord> seen = store().RenewJobLease("job_running", "w1", 2000);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->cancel_requested);  // the holder learns of it on its next heartbeat

  EXPECT_EQ(store().RequestJobCancel("job_queued", 80).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RequestJobCancel("job_missing", 80).status().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace amp::storage::contract
