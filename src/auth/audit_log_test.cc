#include "auth/audit_log.h"

#include <gtest/gtest.h>

#include "storage/fault_injecting_metadata_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::auth {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }
  std::vector<storage::AuditRecord> AppendThree() {
    AuditLog log(*store_, clock_);
    EXPECT_TRUE(log.Load().ok());
    EXPECT_TRUE(log.Append("key:k1 (admin)", "create_key", "key:k2", "127.0.0.1", "ok").ok());
    clock_.AdvanceMicros(10);
    EXPECT_TRUE(log.Append("anonymous", "train", "model:m", "10.0.0.1", "denied: no key").ok());
    EXPECT_TRUE(log.Append("key:k2 (dev)", "move_alias", "model:m alias:production", "::1", "ok").ok());
    auto records = store_->ListAudit(0, 100);
    EXPECT_TRUE(records.ok());
    return *records;
  }

  core::FakeClock clock_;
  std::unique_ptr<storage::SqliteMetadataStore> store_;
};

TEST_F(AuditLogTest, AppendedRecordsFormAVerifiedChain) {
  std::vector<storage::AuditRecord> records = AppendThree();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].previous_sha256, kAuditGenesis);
  EXPECT_EQ(records[1].previous_sha256, records[0].sha256);
  EXPECT_EQ(records[2].seq, 3);
  EXPECT_TRUE(VerifyAuditChain(records).ok());
  auto checked = VerifyStoredAuditLog(*store_);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(*checked, 3);
}

TEST_F(AuditLogTest, ALogReopenedContinuesTheChain) {
  AppendThree();
  AuditLog reopened(*store_, clock_);
  ASSERT_TRUE(reopened.Load().ok());
  ASSERT_TRUE(reopened.Append("anonymous", "predict", "model:x", "::1", "denied").ok());
  auto checked = VerifyStoredAuditLog(*store_);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(*checked, 4);
}

TEST_F(AuditLogTest, TwoWritersSharingOneStoreKeepOneChain) {
  // Two replicas over one shared store, each with its own idea of the chain's end.
  AuditLog first(*store_, clock_);
  AuditLog second(*store_, clock_);
  ASSERT_TRUE(first.Load().ok());
  ASSERT_TRUE(second.Load().ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(first.Append("key:a", "train", "model:m", "::1", "ok").ok());
    ASSERT_TRUE(second.Append("key:b", "predict", "model:m", "::1", "ok").ok());
    ASSERT_TRUE(second.Append("key:b", "predict", "model:n", "::1", "ok").ok());
  }
  auto checked = VerifyStoredAuditLog(*store_);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(*checked, 15);
}

TEST_F(AuditLogTest, EveryKindOfTamperingIsDetected) {
  const std::vector<storage::AuditRecord> records = AppendThree();
  struct Case {
    const char* what;
    void (*tamper)(std::vector<storage::AuditRecord>&);
  };
  const Case cases[] = {
      {"edited outcome", [](std::vector<storage::AuditRecord>& r) { r[1].outcome = "ok"; }},
      {"edited actor", [](std::vector<storage::AuditRecord>& r) { r[0].actor = "anonymous"; }},
      {"edited time", [](std::vector<storage::AuditRecord>& r) { r[2].at_micros += 1; }},
      {"deleted record", [](std::vector<storage::AuditRecord>& r) { r.erase(r.begin() + 1); }},
      {"deleted first", [](std::vector<storage::AuditRecord>& r) { r.erase(r.begin()); }},
      {"swapped", [](std::vector<storage::AuditRecord>& r) { std::swap(r[0], r[1]); }},
      {"rehashed edit without the chain",
       [](std::vector<storage::AuditRecord>& r) {
         r[1].outcome = "ok";
         r[1].sha256 = AuditRecordHash(r[1]);
       }},
  };
  for (const Case& test_case : cases) {
    std::vector<storage::AuditRecord> tampered = records;
    test_case.tamper(tampered);
    core::Status status = VerifyAuditChain(tampered);
    EXPECT_EQ(status.code(), core::StatusCode::kDataLoss) << test_case.what;
  }
}

TEST_F(AuditLogTest, AFailedAppendLeavesTheChainIntact) {
  storage::FaultInjectingMetadataStore faulty(*store_);
  AuditLog log(faulty, clock_);
  ASSERT_TRUE(log.Load().ok());
  ASSERT_TRUE(log.Append("anonymous", "train", "POST /v1/models/m/train", "::1", "denied").ok());
  faulty.FailWrites(storage::FaultInjectingMetadataStore::Write::kAudit, true);
  EXPECT_FALSE(log.Append("anonymous", "train", "POST /v1/models/m/train", "::1", "denied").ok());
  faulty.FailWrites(storage::FaultInjectingMetadataStore::Write::kAudit, false);
  ASSERT_TRUE(log.Append("anonymous", "train", "POST /v1/models/m/train", "::1", "denied").ok());
  auto checked = VerifyStoredAuditLog(*store_);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(*checked, 2);
}

}  // namespace
}  // namespace amp::auth
