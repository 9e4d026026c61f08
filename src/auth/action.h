// Action and Role: the vocabulary of access control. Every route names one Action (see api::Router::Add), and every
// API key carries one Role; anonymous requests have the kAnonymous role. Pure value types; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace amp::auth {

enum class Action {
  kHealth,         // liveness, readiness, server metadata: open to all, so probes need no key
  kListModels,     // lists only the models the caller may read
  kReadModel,      // one model's metadata (model-scoped)
  kDownloadModel,  // a version's whole artifact, to run elsewhere (model-scoped): more than calling it
  kPredict,        // model-scoped
  kReadMetrics,    // Prometheus metrics
  kUploadDataset,
  kReadDataset,
  kTrain,  // train (and publish) a version of a model
  kReadJob,
  kCancelJob,
  kMoveAlias,     // promote or roll back (model-scoped)
  kPublishModel,  // make a model public or private (model-scoped)
  kManageGrants,
  kManageKeys,
  kReadAudit,
  kDeleteVersion,  // delete a model version and its artifact (model-scoped)
  kDeleteDataset,  // removes its file; with cascade, the models trained on it too
  kImportModel,  // register a model trained elsewhere as a new version (model-scoped)
};

inline constexpr std::array kAllActions = {
    Action::kHealth,       Action::kListModels,   Action::kReadModel,     Action::kDownloadModel,
    Action::kPredict,      Action::kReadMetrics,  Action::kUploadDataset, Action::kReadDataset,
    Action::kTrain,        Action::kReadJob,      Action::kCancelJob,     Action::kMoveAlias,
    Action::kPublishModel, Action::kManageGrants, Action::kManageKeys,    Action::kReadAudit,
    Action::kDeleteVersion,
    Action::kDeleteDataset,
    Action::kImportModel,
};

std::string_view ActionName(Action action);

enum class Role { kAnonymous, kConsumer, kDeveloper, kAdmin };

inline constexpr std::array kAllRoles = {Role::kAnonymous, Role::kConsumer, Role::kDeveloper, Role::kAdmin};

std::string_view RoleName(Role role);
// "admin", "developer" or "consumer" (keys cannot be anonymous); nullopt otherwise.
std::optional<Role> ParseKeyRole(std::string_view name);

}  // namespace amp::auth
