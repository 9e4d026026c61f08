#include "ml/model.h"

#include <algorithm>

namespace amp::ml {

std::string_view TaskName(Task task) {
  switch (task) {
    case Task::kRegression: return "regression";
    case Task::kBinaryClassification:
      return "binary_classification";
    case Task::kMulticlassClassification:
      return "multiclass_classification";
    case Task::kClustering:
      return "clustering";
  }
  return "unknown";
}

core::Result<Task> ParseTask(std::string_view name) {
  for (Task task :
       {Task::kRegression, Task::kBinaryClassification, Task::kMulticlassClassification, Task::kClustering}) {
    if (name == TaskName(task)) return task;
  }
  return core::InvalidArgument("unknown task '" + std::string(name) + "'");
}

void MostProbableClasses(std::span<const double> probabilities, size_t class_count, std::span<double> classes) {
  for (size_t row_idx = 0; row_idx < classes.size(); ++row_idx) {
    const double* row = probabilities.data() + row_idx * class_count;
    classes[row_idx] = static_cast<double>(std::max_element(row, row + class_count) - row);
  }
}

core::Status Model::PredictProba(std::span<const FeatureValue>, std::span<double>, PredictionNotes*) const {
  return core::FailedPrecondition("model type " + std::string(algorithm()) + " does not predict class probabilities");
}

core::Status Model::PredictDistances(std::span<const FeatureValue>, std::span<double>, PredictionNotes*) const {
  return core::FailedPrecondition("model type " + std::string(algorithm()) + " does not predict cluster distances");
}

core::Status Model::Explain(std::span<const FeatureValue>, std::span<double>, std::span<double>,
                            PredictionNotes*) const {
  return core::FailedPrecondition("model type " + std::string(algorithm()) + " does not support explanations");
}

std::vector<std::pair<std::string, double>> Model::FeatureImportance() const {
  return {};
}

std::string ModelSignature::FeatureList() const {
  std::string names;
  for (const FeatureSpec& feature : features) {
    if (!names.empty()) names += ", ";
    names += feature.name;
  }
  return names;
}

int ModelSignature::FindFeature(std::string_view name) const {
  for (size_t feature_idx = 0; feature_idx < features.size(); ++feature_idx) {
    if (features[feature_idx].name == name) return static_cast<int>(feature_idx);
  }
  return -1;
}

}  // namespace amp::ml
