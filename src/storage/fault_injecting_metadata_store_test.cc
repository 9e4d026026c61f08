// FaultInjectingMetadataStore: with no fault armed it passes the whole MetadataStore contract (every call reaches
// the wrapped store); armed, the chosen writes fail and write nothing.
#include "storage/fault_injecting_metadata_store.h"

#include <gtest/gtest.h>

#include "storage/metadata_store_contract.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::storage {
namespace {

using contract::BackendParam;
using contract::MakeJob;
using contract::MetadataStoreContractTest;

class FaultInjectingBackend : public contract::MetadataStoreBackend {
 public:
  core::Result<std::unique_ptr<MetadataStore>> OpenFresh() override {
    AMP_ASSIGN_OR_RETURN(inner_, SqliteMetadataStore::Open(":memory:"));
    return std::unique_ptr<MetadataStore>(std::make_unique<FaultInjectingMetadataStore>(*inner_));
  }
  core::Result<std::unique_ptr<MetadataStore>> OpenAnother() override {
    return core::FailedPrecondition("an in-memory database has one connection");
  }

 private:
  // Outlives the wrapper: the fixture drops the store before the backend.
  std::unique_ptr<SqliteMetadataStore> inner_;
};

INSTANTIATE_TEST_SUITE_P(FaultInjecting, MetadataStoreContractTest,
                         ::testing::Values(BackendParam{"Unarmed",
                                                        [] { return std::make_unique<FaultInjectingBackend>(); }}),
                         contract::BackendName);

class FaultInjectingMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    inner_ = std::move(opened).value();
    store_ = std::make_unique<FaultInjectingMetadataStore>(*inner_);
  }
  std::unique_ptr<SqliteMetadataStore> inner_;
  std::unique_ptr<FaultInjectingMetadataStore> store_;
};

TEST_F(FaultInjectingMetadataStoreTest, QueueWritesFailAsJobQueueWritesAndChangeNothing) {
  ASSERT_TRUE(store_->PutJob(MakeJob("job_1", 1)).ok());
  store_->FailWrites(FaultInjectingMetadataStore::Write::kJobQueue, true);
  EXPECT_EQ(store_->ClaimJob("w1", 10, 100).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(store_->RequestJobCancel("job_1", 10).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(store_->RequeueExpiredJobs(10).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(inner_->GetJob("job_1")->state, JobState::kQueued);
  EXPECT_TRUE(store_->ChangeCounter().ok());  // reads still work
  store_->FailWrites(FaultInjectingMetadataStore::Write::kJobQueue, false);

  JobRecord claimed = *store_->ClaimJob("w1", 10, 100);
  EXPECT_EQ(store_->RenewJobLease("job_1", "w1", 200)->lease_until_micros, 200);
  // The ranks of a job trained by several workers are queue writes too (listing them is a read).
  store_->FailWrites(FaultInjectingMetadataStore::Write::kJobQueue, true);
  EXPECT_EQ(store_->OfferJobRanks("job_1", "w1", 2, "h:1").code(), core::StatusCode::kInternal);
  EXPECT_TRUE(inner_->ListJobRanks("job_1")->empty());
  store_->FailWrites(FaultInjectingMetadataStore::Write::kJobQueue, false);
  ASSERT_TRUE(store_->OfferJobRanks("job_1", "w1", 2, "h:1").ok());
  store_->FailWrites(FaultInjectingMetadataStore::Write::kJobQueue, true);
  EXPECT_EQ(store_->ClaimJobRank("w2", 10, 100).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(store_->RenewRankLease("job_1", 1, "w2", 300).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(store_->ListJobRanks("job_1")->size(), 1u);
  EXPECT_EQ((*store_->ListJobRanks("job_1"))[0].worker_id, "");
  store_->FailWrites(FaultInjectingMetadataStore::Write::kJobQueue, false);
  store_->FailWrites(FaultInjectingMetadataStore::Write::kPutJob, true);
  claimed.progress = "halfway";
  EXPECT_EQ(store_->UpdateHeldJob(claimed).code(), core::StatusCode::kInternal);
  EXPECT_EQ(inner_->GetJob("job_1")->progress, "");
}

TEST_F(FaultInjectingMetadataStoreTest, NthWriteCountsQueueWrites) {
  ASSERT_TRUE(store_->PutJob(MakeJob("job_1", 1)).ok());
  store_->FailNthWrite(2);
  ASSERT_TRUE(store_->ClaimJob("w1", 10, 100).ok());
  EXPECT_EQ(store_->RenewJobLease("job_1", "w1", 200).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(inner_->GetJob("job_1")->lease_until_micros, 100);
  EXPECT_TRUE(store_->RenewJobLease("job_1", "w1", 300).ok());
}

}  // namespace
}  // namespace amp::storage
