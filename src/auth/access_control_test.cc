#include "auth/access_control.h"

#include <gtest/gtest.h>

#include "storage/fault_injecting_metadata_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::auth {
namespace {

// A store holding one private model, "houses" (id mdl_1), and an AccessControl over it.
class AccessControlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(access_.Load().ok()); }

  static std::unique_ptr<storage::SqliteMetadataStore> StoreWithOneModel() {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    EXPECT_TRUE(opened.ok());
    EXPECT_TRUE((*opened)->CreateModel(storage::ModelRecord{"mdl_1", "houses", 1, "", false}).ok());
    return std::move(*opened);
  }

  std::unique_ptr<storage::SqliteMetadataStore> store_ = StoreWithOneModel();
  core::FakeClock clock_;
  AccessControl access_{*store_, clock_};
};

std::string Bearer(const std::string& secret) {
  return "Bearer " + secret;
}

TEST_F(AccessControlTest, CreatedKeyAuthenticatesAndOnlyItsHashIsStored) {
  EXPECT_FALSE(access_.HasActiveAdmin());
  auto created = access_.CreateKey("ops", Role::kAdmin, 0);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(access_.HasActiveAdmin());
  auto principal = access_.Authenticate(Bearer(created->secret));
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->role, Role::kAdmin);
  EXPECT_EQ(principal->key_id, created->record.id);
  auto stored = store_->ListApiKeys();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_NE((*stored)[0].secret_sha256, created->secret);
  EXPECT_EQ(created->secret.find((*stored)[0].secret_sha256), std::string::npos);

  // A second instance reading the same store knows the key.
  AccessControl reloaded(*store_, clock_);
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_TRUE(reloaded.Authenticate(Bearer(created->secret)).ok());
}

TEST_F(AccessControlTest, BadKeysAreRejected) {
  auto created = access_.CreateKey("ci", Role::kDeveloper, 1);
  ASSERT_TRUE(created.ok());
  std::string wrong = created->secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  auto anonymous = access_.Authenticate("");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->role, Role::kAnonymous);
  EXPECT_FALSE(access_.Authenticate(Bearer(wrong)).ok());
  EXPECT_FALSE(access_.Authenticate("Basic abc").ok());
  EXPECT_FALSE(access_.Authenticate("Bearer amp_unknownkeyxx").ok());
  EXPECT_TRUE(access_.Authenticate(Bearer(created->secret)).ok());
  clock_.AdvanceMicros(1'000'000);
  EXPECT_FALSE(access_.Authenticate(Bearer(created->secret)).ok()) << "expired";
}

TEST_F(AccessControlTest, RotateReplacesTheSecretAndRevokeEndsIt) {
  auto created = access_.CreateKey("app", Role::kConsumer, 0);
  ASSERT_TRUE(created.ok());
  auto rotated = access_.RotateKey(created->record.id);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->record.id, created->record.id);
  EXPECT_FALSE(access_.Authenticate(Bearer(created->secret)).ok());
  EXPECT_TRUE(access_.Authenticate(Bearer(rotated->secret)).ok());
  ASSERT_TRUE(access_.RevokeKey(created->record.id).ok());
  EXPECT_FALSE(access_.Authenticate(Bearer(rotated->secret)).ok());
  EXPECT_EQ(access_.RotateKey(created->record.id).status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(access_.RevokeKey("key_missing").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(access_.CreateKey("", Role::kAdmin, 0).status().code(), core::StatusCode::kInvalidArgument);
}

TEST_F(AccessControlTest, GrantsAndVisibilityDescribeTheModel) {
  auto created = access_.CreateKey("app", Role::kConsumer, 0);
  ASSERT_TRUE(created.ok());
  auto principal = access_.Authenticate(Bearer(created->secret));
  ASSERT_TRUE(principal.ok());
  Resource resource = access_.ModelResource(*principal, "houses");
  EXPECT_TRUE(resource.model_exists);
  EXPECT_FALSE(resource.granted);
  EXPECT_FALSE(resource.model_public);
  EXPECT_FALSE(access_.ModelResource(*principal, "missing").model_exists);

  ASSERT_TRUE(access_.Grant(created->record.id, "houses").ok());
  principal = access_.Authenticate(Bearer(created->secret));
  EXPECT_TRUE(access_.ModelResource(*principal, "mdl_1").granted);
  EXPECT_EQ(access_.GrantsOf(created->record.id), std::vector<std::string>{"mdl_1"});
  ASSERT_TRUE(access_.Ungrant(created->record.id, "houses").ok());
  principal = access_.Authenticate(Bearer(created->secret));
  EXPECT_FALSE(access_.ModelResource(*principal, "houses").granted);
  EXPECT_EQ(access_.Ungrant(created->record.id, "houses").code(), core::StatusCode::kNotFound);
  EXPECT_EQ(access_.Grant("key_missing", "houses").code(), core::StatusCode::kNotFound);

  ASSERT_TRUE(access_.SetModelPublic("houses", true).ok());
  EXPECT_TRUE(access_.ModelResource(Principal{}, "houses").model_public);
  auto model = store_->GetModelByName("houses");
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(model->is_public);
  EXPECT_EQ(access_.SetModelPublic("missing", true).status().code(), core::StatusCode::kNotFound);
}

TEST_F(AccessControlTest, FailedStoreWritesChangeNothing) {
  storage::FaultInjectingMetadataStore faulty(*store_);
  AccessControl access(faulty, clock_);
  ASSERT_TRUE(access.Load().ok());
  auto kept = access.CreateKey("kept", Role::kConsumer, 0);
  ASSERT_TRUE(kept.ok());
  faulty.FailWrites(storage::FaultInjectingMetadataStore::Write::kSecurity, true);
  EXPECT_FALSE(access.CreateKey("lost", Role::kAdmin, 0).ok());
  EXPECT_FALSE(access.HasActiveAdmin());
  EXPECT_FALSE(access.RotateKey(kept->record.id).ok());
  EXPECT_FALSE(access.RevokeKey(kept->record.id).ok());
  EXPECT_FALSE(access.Grant(kept->record.id, "houses").ok());
  EXPECT_FALSE(access.SetModelPublic("houses", true).ok());
  // The old secret still works, nothing was granted or published, and the cache agrees with the store.
  auto principal = access.Authenticate(Bearer(kept->secret));
  ASSERT_TRUE(principal.ok());
  EXPECT_FALSE(access.ModelResource(*principal, "houses").granted);
  EXPECT_FALSE(access.ModelResource(*principal, "houses").model_public);
  EXPECT_EQ(access.ListKeys().size(), 1u);
  EXPECT_FALSE(access.ListKeys()[0].revoked);
}

TEST_F(AccessControlTest, KeyLimitsOverrideTheServerDefaultsAndSurviveReloadAndRotation) {
  access_.SetDefaultLimits(UsageLimits{1000, 50, 2});
  auto defaults = access_.CreateKey("plain", Role::kDeveloper, 0);
  ASSERT_TRUE(defaults.ok());
  KeyLimits own;
  own.max_dataset_bytes = 0;   // unlimited
  own.max_training_jobs = 5;   // rows stay at the default
  auto custom = access_.CreateKey("bulk", Role::kDeveloper, 0, own);
  ASSERT_TRUE(custom.ok()) << custom.status().ToString();

  auto plain = access_.Authenticate(Bearer(defaults->secret));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->limits.max_dataset_bytes, 1000);
  EXPECT_EQ(plain->limits.max_dataset_rows, 50);
  EXPECT_EQ(plain->limits.max_training_jobs, 2);
  auto bulk = access_.Authenticate(Bearer(custom->secret));
  ASSERT_TRUE(bulk.ok());
  EXPECT_EQ(bulk->limits.max_dataset_bytes, 0);
  EXPECT_EQ(bulk->limits.max_dataset_rows, 50);
  EXPECT_EQ(bulk->limits.max_training_jobs, 5);
  auto anonymous = access_.Authenticate("");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->limits.max_dataset_bytes, 1000);

  // The limits are stored with the key.
  AccessControl reloaded(*store_, clock_);
  ASSERT_TRUE(reloaded.Load().ok());
  auto again = reloaded.Authenticate(Bearer(custom->secret));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->limits.max_dataset_bytes, 0);
  EXPECT_EQ(again->limits.max_training_jobs, 5);
  EXPECT_EQ(again->limits.max_dataset_rows, 0);  // `reloaded` has no defaults set

  // Rotation without limits keeps them; with limits replaces them.
  auto rotated = access_.RotateKey(custom->record.id);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->record.max_training_jobs, 5);
  KeyLimits tighter;
  tighter.max_dataset_rows = 10;
  rotated = access_.RotateKey(custom->record.id, tighter);
  ASSERT_TRUE(rotated.ok());
  auto tightened = access_.Authenticate(Bearer(rotated->secret));
  ASSERT_TRUE(tightened.ok());
  EXPECT_EQ(tightened->limits.max_dataset_rows, 10);
  EXPECT_EQ(tightened->limits.max_training_jobs, 2);  // back to the default
  EXPECT_EQ(tightened->limits.max_dataset_bytes, 1000);
}

TEST_F(AccessControlTest, KeyNamesAreFreeTextWithoutControlCharacters) {
  auto quoted = access_.CreateKey("'; DROP TABLE api_keys;--", Role::kConsumer, 0);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->record.name, "'; DROP TABLE api_keys;--");
  for (std::string_view bad : {std::string_view("a\nb"), std::string_view("a\rb"), std::string_view("a\0b", 3),
                               std::string_view("\x1b[31m"), std::string_view("a\x7f")}) {
    EXPECT_EQ(access_.CreateKey(bad, Role::kConsumer, 0).status().code(), core::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(access_.ListKeys().size(), 1u);
}

TEST_F(AccessControlTest, NegativeLimitsAreRefused) {
  KeyLimits bad;
  bad.max_dataset_rows = -5;
  EXPECT_EQ(access_.CreateKey("x", Role::kDeveloper, 0, bad).status().code(), core::StatusCode::kInvalidArgument);
  auto created = access_.CreateKey("y", Role::kDeveloper, 0);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(access_.RotateKey(created->record.id, bad).status().code(), core::StatusCode::kInvalidArgument);
  // The refused rotation left the old secret working.
  EXPECT_TRUE(access_.Authenticate(Bearer(created->secret)).ok());
}

TEST_F(AccessControlTest, RefreshSeesKeysGrantsAndVisibilityChangedByAnotherProcess) {
  // `access_` is another replica sharing the store with `other`.
  AccessControl other(*store_, clock_);
  ASSERT_TRUE(other.Load().ok());
  auto created = other.CreateKey("app", Role::kConsumer, 0);
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(access_.Authenticate(Bearer(created->secret)).ok());
  EXPECT_FALSE(access_.ModelResource(Principal{}, "houses").model_public);  // now cached
  ASSERT_TRUE(other.Grant(created->record.id, "houses").ok());
  ASSERT_TRUE(other.SetModelPublic("houses", true).ok());

  ASSERT_TRUE(access_.Refresh().ok());
  auto principal = access_.Authenticate(Bearer(created->secret));
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_TRUE(access_.ModelResource(*principal, "houses").granted);
  EXPECT_TRUE(access_.ModelResource(Principal{}, "houses").model_public);
  EXPECT_EQ(access_.GrantsOf(created->record.id), std::vector<std::string>{"mdl_1"});

  ASSERT_TRUE(other.RevokeKey(created->record.id).ok());
  EXPECT_TRUE(access_.Authenticate(Bearer(created->secret)).ok());  // until refreshed
  ASSERT_TRUE(access_.Refresh().ok());
  EXPECT_FALSE(access_.Authenticate(Bearer(created->secret)).ok());
  // Keys made here before the refresh are kept (they are in the store).
  auto local = access_.CreateKey("local", Role::kDeveloper, 0);
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE(access_.Refresh().ok());
  EXPECT_TRUE(access_.Authenticate(Bearer(local->secret)).ok());
}

}  // namespace
}  // namespace amp::auth
