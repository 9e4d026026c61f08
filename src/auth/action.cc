#include "auth/action.h"

namespace amp::auth {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kHealth:
      return "health";
    case Action::kListModels:
      return "list_models";
    case Action::kReadModel:
      return "read_model";
    case Action::kDownloadModel:
      return "download_model";
    case Action::kPredict:
      return "predict";
    case Action::kReadMetrics:
      return "read_metrics";
    case Action::kUploadDataset:
      return "upload_dataset";
    case Action::kReadDataset:
      return "read_dataset";
    case Action::kTrain:
      return "train";
    case Action::kReadJob:
      return "read_job";
    case Action::kCancelJob:
      return "cancel_job";
    case Action::kMoveAlias:
      return "move_alias";
    case Action::kPublishModel:
      return "publish_model";
    case Action::kManageGrants:
      return "manage_grants";
    case Action::kManageKeys:
      return "manage_keys";
    case Action::kReadAudit:
      return "read_audit";
    case Action::kDeleteVersion:
      return "delete_version";
    case Action::kDeleteDataset:
      return "delete_dataset";
    case Action::kImportModel:
      return "import_model";
  }
  return "unknown";
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAnonymous:
      return "anonymous";
    case Role::kConsumer:
      return "consumer";
    case Role::kDeveloper:
      return "developer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseKeyRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "developer") return Role::kDeveloper;
  if (name == "consumer") return Role::kConsumer;
  return std::nullopt;
}

}  // namespace amp::auth
