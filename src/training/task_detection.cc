#include "training/task_detection.h"

#include <string>

namespace amp::training {

core::Result<ml::Task> DetectTask(const data::ColumnSummary& target, std::string_view requested) {
  const bool is_text = target.type == data::ColumnType::kCategorical || target.type == data::ColumnType::kBoolean;
  bool classification = false;
  if (requested.empty()) {
    classification = is_text || (target.type == data::ColumnType::kInteger && !target.distinct_capped &&
                                 target.distinct_count >= 2 && target.distinct_count <= kMaxAutoIntegerClasses);
  } else if (requested == ml::TaskName(ml::Task::kRegression)) {
    if (is_text) {
      return core::FailedPrecondition("target column '" + target.name + "' is " +
                                      std::string(data::ColumnTypeName(target.type)) +
                                      "; regression needs a numeric target");
    }
  } else if (requested == "classification" || requested == ml::TaskName(ml::Task::kBinaryClassification) ||
             requested == ml::TaskName(ml::Task::kMulticlassClassification)) {
    classification = true;
  } else {
    return core::FailedPrecondition("unknown task '" + std::string(requested) +
                                    "'; expected regression, classification, binary_classification or "
                                    "multiclass_classification");
  }
  if (!classification) return ml::Task::kRegression;

  if (target.distinct_count < 2) {
    return core::FailedPrecondition("target column '" + target.name + "' has " +
                                    (target.distinct_count == 0 ? std::string("no values") : "only one class") +
                                    "; classification needs at least 2");
  }
  if (target.distinct_capped || target.distinct_count > kMaxClasses) {
    return core::FailedPrecondition("target column '" + target.name + "' has " + std::to_string(target.distinct_count) +
                                    (target.distinct_capped ? " or more" : "") +
                                    " distinct values; classification takes at most " + std::to_string(kMaxClasses) +
                                    " classes");
  }
  if (requested == ml::TaskName(ml::Task::kBinaryClassification) && target.distinct_count != 2) {
    return core::FailedPrecondition("target column '" + target.name + "' has " + std::to_string(target.distinct_count) +
                                    " classes; binary classification needs exactly 2");
  }
  return target.distinct_count == 2 ? ml::Task::kBinaryClassification : ml::Task::kMulticlassClassification;
}

}  // namespace amp::training
