#include "registry/dataset_deletion.h"

namespace amp::registry {

core::Result<DatasetDeletion> DeleteDataset(DatasetCatalog& catalog, ModelRegistry& models, std::string_view id,
                                            bool cascade) {
  DatasetDeletion deletion;
  AMP_ASSIGN_OR_RETURN(deletion.dataset, catalog.Get(id));
  AMP_ASSIGN_OR_RETURN(std::vector<storage::ModelRecord> trained_on, models.ModelsTrainedOn(deletion.dataset.id));
  if (cascade) {
    for (storage::ModelRecord& model : trained_on) {
      AMP_RETURN_IF_ERROR(models.DeleteModel(model.id).WithContext("deleting model " + model.name));
      deletion.deleted_models.push_back(std::move(model));
    }
  } else {
    deletion.kept_models = std::move(trained_on);
  }
  AMP_ASSIGN_OR_RETURN(deletion.dataset, catalog.Delete(deletion.dataset.id));
  return deletion;
}

}  // namespace amp::registry
