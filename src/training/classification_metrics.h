// Classification metrics over a holdout, as scikit-learn defines them: accuracy, balanced accuracy, precision,
// recall and F1 per class and macro-averaged, ROC AUC (binary; one-vs-rest macro for multiclass), log loss and the
// confusion matrix, flattened into one name -> number map so they are stored and returned like regression metrics.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace amp::training {

// `actual` holds each row's class index into `classes`; `probabilities` is row-major, rows x classes.size(). The
// predicted class of a row is its most probable one (the first of equals), as Model::Predict gives it. Keys:
//   accuracy, balanced_accuracy (mean recall over the classes that occur in `actual`), log_loss (probabilities
//   clipped to [1e-15, 1 - 1e-15]), precision_macro, recall_macro, f1_macro (over the classes that occur in
//   `actual` or in the predictions, 0 where undefined, as sklearn's zero_division=0),
//   precision[<class>], recall[<class>], f1[<class>], confusion[<actual class>][<predicted class>] for every class,
//   roc_auc: for two classes the AUC of the second class's probability; for more, the mean of each class's
//   one-vs-rest AUC over the classes that occur in `actual` alongside other classes. Omitted when undefined (one
//   class only).
// Empty input gives an empty map.
std::map<std::string, double> ClassificationMetrics(std::span<const int32_t> actual,
                                                    std::span<const double> probabilities,
                                                    const std::vector<std::string>& classes);

// The area under the ROC curve of `scores` for rows whose `positive` flag is set against the others (ties count a
// half, as the Mann-Whitney statistic). NaN when either side has no row.
double RocAuc(std::span<const double> scores, const std::vector<bool>& positive);

}  // namespace amp::training
