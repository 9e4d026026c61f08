#include "auth/policy.h"

#include <gtest/gtest.h>

#include <map>

namespace amp::auth {
namespace {

Principal As(Role role, std::set<std::string> granted = {}) {
  Principal principal;
  principal.role = role;
  if (role != Role::kAnonymous) {
    principal.key_id = "key_1";
    principal.key_name = "test";
  }
  principal.granted_model_ids = std::make_shared<const std::set<std::string>>(std::move(granted));
  return principal;
}

using Outcome = Decision::Outcome;
constexpr Outcome A = Outcome::kAllow;
constexpr Outcome U = Outcome::kUnauthenticated;
constexpr Outcome F = Outcome::kForbidden;

// Expected outcome per action for anonymous, consumer, developer, admin on a private model the consumer is not
// granted (the resource every route is checked against in api/route_access_test.cc).
const std::map<Action, std::array<Outcome, 4>>& PrivateModelTable() {
  static const std::map<Action, std::array<Outcome, 4>> table = {
      {Action::kHealth, {A, A, A, A}},       {Action::kListModels, {A, A, A, A}},
      {Action::kReadModel, {U, F, A, A}},    {Action::kPredict, {U, F, A, A}},
      {Action::kDownloadModel, {U, F, A, A}},
      {Action::kReadMetrics, {U, F, A, A}},  {Action::kUploadDataset, {U, F, A, A}},
      {Action::kReadDataset, {U, F, A, A}},  {Action::kTrain, {U, F, A, A}},
      {Action::kReadJob, {U, F, A, A}},      {Action::kCancelJob, {U, F, A, A}},
      {Action::kMoveAlias, {U, F, A, A}},    {Action::kPublishModel, {U, F, A, A}},
      {Action::kManageGrants, {U, F, F, A}}, {Action::kManageKeys, {U, F, F, A}},
      {Action::kReadAudit, {U, F, F, A}},    {Action::kDeleteVersion, {U, F, A, A}},
      {Action::kDeleteDataset, {U, F, A, A}},
      {Action::kImportModel, {U, F, A, A}},
  };
  return table;
}

TEST(PolicyTest, EveryActionAndRoleOnAPrivateModel) {
  ASSERT_EQ(PrivateModelTable().size(), kAllActions.size()) << "an action is missing from the table";
  Resource resource{true, true, false, false};
  for (Action action : kAllActions) {
    for (size_t role_idx = 0; role_idx < kAllRoles.size(); ++role_idx) {
      Decision decision = Decide(As(kAllRoles[role_idx]), action, resource);
      EXPECT_EQ(decision.outcome, PrivateModelTable().at(action)[role_idx])
          << ActionName(action) << " as " << RoleName(kAllRoles[role_idx]);
      EXPECT_EQ(decision.allowed(), decision.reason.empty());
    }
  }
}

TEST(PolicyTest, PublicAndGrantedModelsOpenOnlyReadAndPredict) {
  struct Case {
    Role role;
    Action action;
    Resource resource;
    Outcome expected;
  };
  const Resource kPublic{true, true, true, false};
  const Resource kGranted{true, true, false, true};
  const Resource kMissing{true, false, false, false};
  const Case cases[] = {
      {Role::kAnonymous, Action::kPredict, kPublic, A},
      {Role::kAnonymous, Action::kReadModel, kPublic, A},
      {Role::kAnonymous, Action::kMoveAlias, kPublic, U},
      {Role::kAnonymous, Action::kDownloadModel, kPublic, U},  // calling a public model is not taking it away
      {Role::kAnonymous, Action::kTrain, kPublic, U},
      {Role::kAnonymous, Action::kPredict, kGranted, U},  // a grant is only a key's
      {Role::kAnonymous, Action::kPredict, kMissing, U},
      {Role::kConsumer, Action::kPredict, kGranted, A},
      {Role::kConsumer, Action::kReadModel, kGranted, A},
      {Role::kConsumer, Action::kDownloadModel, kGranted, F},
      {Role::kConsumer, Action::kPredict, kPublic, A},
      {Role::kConsumer, Action::kMoveAlias, kGranted, F},
      {Role::kConsumer, Action::kPublishModel, kGranted, F},
      {Role::kConsumer, Action::kTrain, kGranted, F},
      {Role::kConsumer, Action::kPredict, kMissing, F},   // does not reveal whether the model exists
      {Role::kDeveloper, Action::kPredict, kMissing, A},  // the handler answers 404
      {Role::kDeveloper, Action::kManageKeys, Resource{}, F},
      {Role::kAdmin, Action::kManageKeys, Resource{}, A},
  };
  for (const Case& test_case : cases) {
    EXPECT_EQ(Decide(As(test_case.role), test_case.action, test_case.resource).outcome, test_case.expected)
        << ActionName(test_case.action) << " as " << RoleName(test_case.role);
  }
}

TEST(PolicyTest, CanReadModelFollowsGrantsAndVisibility) {
  EXPECT_TRUE(CanReadModel(As(Role::kAnonymous), "m1", true));
  EXPECT_FALSE(CanReadModel(As(Role::kAnonymous), "m1", false));
  EXPECT_TRUE(CanReadModel(As(Role::kConsumer, {"m1"}), "m1", false));
  EXPECT_FALSE(CanReadModel(As(Role::kConsumer, {"m1"}), "m2", false));
  EXPECT_TRUE(CanReadModel(As(Role::kDeveloper), "m2", false));
  Principal no_grants;
  EXPECT_FALSE(CanReadModel(no_grants, "m1", false));
}

TEST(PolicyTest, IdentityNamesTheKey) {
  EXPECT_EQ(As(Role::kAnonymous).Identity(), "anonymous");
  EXPECT_EQ(As(Role::kAdmin).Identity(), "key:key_1 (test)");
}

}  // namespace
}  // namespace amp::auth
