// The MetadataStore contract for model visibility, API keys, grants and the audit log (see metadata_store_contract.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/metadata_store_contract.h"

namespace amp::storage::contract {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Security records: model visibility, API keys, grants, the audit log.

TEST_P(MetadataStoreContractTest, ModelVisibilityRoundTrips) {
  ModelRecord record = MakeModel("mdl_1", "houses", 10);
  record.is_public = true;
  ASSERT_TRUE(store().CreateModel(record).ok());
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_2", "cars", 11)).ok());
  EXPECT_TRUE(store().GetModelById("mdl_1")->is_public);
  EXPECT_FALSE(store().GetModelByName("cars")->is_public);
  ASSERT_TRUE(store().SetModelPublic("mdl_1", false).ok());
  ASSERT_TRUE(store().SetModelPublic("mdl_2", true).ok());
  std::vector<ModelRecord> models = *store().ListModels();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_FALSE(models[0].is_public);
  EXPECT_TRUE(models[1].is_public);
  EXPECT_EQ(store().SetModelPublic("mdl_missing", true).code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ApiKeysRoundTripAndUpdate) {
  ApiKeyRecord key{"key_1", "ops", "admin", "amp_AAAAAAAA", std::string(64, 'a'), 5, 0, false};
  ASSERT_TRUE(store().PutApiKey(key).ok());
  EXPECT_EQ(store().PutApiKey(key).code(), core::StatusCode::kAlreadyExists);
  ApiKeyRecord same_prefix = key;
  same_prefix.id = "key_2";
  EXPECT_EQ(store().PutApiKey(same_prefix).code(), core::StatusCode::kAlreadyExists);
  key.revoked = true;
  key.prefix = "amp_BBBBBBBB";
  key.expires_at_micros = 99;
  ASSERT_TRUE(store().UpdateApiKey(key).ok());
  std::vector<ApiKeyRecord> keys = *store().ListApiKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "ops");
  EXPECT_EQ(keys[0].role, "admin");
  EXPECT_EQ(keys[0].prefix, "amp_BBBBBBBB");
  EXPECT_EQ(keys[0].secret_sha256, std::string(64, 'a'));
  EXPECT_EQ(keys[0].created_at_micros, 5);
  EXPECT_EQ(keys[0].expires_at_micros, 99);
  EXPECT_TRUE(keys[0].revoked);
  ApiKeyRecord missing = key;
  missing.id = "key_missing";
  EXPECT_EQ(store().UpdateApiKey(missing).code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, GrantsNeedTheirKeyAndModel) {
  ASSERT_TRUE(store().CreateModel(MakeModel("mdl_1", "houses", 10)).ok());
  ASSERT_TRUE(store().PutApiKey(ApiKeyRecord{"key_1", "app", "consumer", "amp_AAAAAAAA", "h", 1, 0, false}).ok());
  ASSERT_TRUE(store().PutGrant(GrantRecord{"key_1", "mdl_1"}).ok());
  ASSERT_TRUE(store().PutGrant(GrantRecord{"key_1", "mdl_1"}).ok());  // idempotent
  EXPECT_THAT(*store().ListGrants(), ElementsAre(GrantRecord{"key_1", "mdl_1"}));
  EXPECT_EQ(store().PutGrant(GrantRecord{"key_1", "mdl_missing"}).code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store().PutGrant(GrantRecord{"key_missing", "mdl_1"}).code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store().DeleteGrant(GrantRecord{"key_1", "mdl_1"}).ok());
  EXPECT_THAT(*store().ListGrants(), IsEmpty());
  EXPECT_EQ(store().DeleteGrant(GrantRecord{"key_1", "mdl_1"}).code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, AuditRecordsAppendInOrderAndPage) {
  for (int64_t seq = 1; seq <= 5; ++seq) {
    AuditRecord record{seq, seq * 10, "anonymous", "train", "POST /v1/models/m/train", "::1", "denied", "p", "h"};
    ASSERT_TRUE(store().AppendAudit(record).ok());
  }
  EXPECT_EQ(store().AppendAudit(AuditRecord{3, 0, "", "", "", "", "", "", ""}).code(),
            core::StatusCode::kAlreadyExists);
  std::vector<AuditRecord> page = *store().ListAudit(2, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 3);
  EXPECT_EQ(page[0].at_micros, 30);
  EXPECT_EQ(page[0].resource, "POST /v1/models/m/train");
  EXPECT_EQ(page[1].seq, 4);
  EXPECT_THAT(*store().ListAudit(5, 10), IsEmpty());
}

}  // namespace
}  // namespace amp::storage::contract
