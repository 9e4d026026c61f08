#include "training/trainer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/parallel_for.h"
#include "ml/logistic/logistic_model.h"
#include "ml/pipeline.h"
#include "ml/xgboost/xgboost_model.h"
#include "monitoring/training_profile.h"
#include "training/algorithm_fits.h"
#include "training/classification_metrics.h"
#include "training/cross_validation.h"
#include "training/data_checks.h"
#include "training/evaluation_curves.h"
#include "training/holdout_split.h"
#include "training/regression_metrics.h"
#include "training/target_classes.h"

namespace amp::training {
namespace {

// Monitoring's profile of the training part and of the model's predictions on it (at most 20,000 rows, evenly
// spaced, so a large table costs one bounded extra pass).
core::Result<std::string> ProfileTrainingPart(const data::Table& table, const std::vector<int>& feature_columns,
                                              const std::vector<int64_t>& train_rows, const ml::Model& model) {
  constexpr size_t kMaxProfiledRows = 20'000;
  std::vector<int64_t> rows;
  const size_t step = std::max<size_t>(1, (train_rows.size() + kMaxProfiledRows - 1) / kMaxProfiledRows);
  for (size_t pos = 0; pos < train_rows.size(); pos += step) rows.push_back(train_rows[pos]);
  std::vector<ml::FeatureValue> inputs = RowsAsFeatureValues(table, feature_columns, rows);
  std::vector<double> predictions(rows.size());
  AMP_RETURN_IF_ERROR(model.Predict(inputs, predictions, nullptr));
  return monitoring::EncodeTrainingProfile(
      monitoring::BuildTrainingProfile(model.signature(), inputs, rows.size(), predictions));
}

// Below this many rows the per-column checks run on the calling thread: threads would cost more than they save.
constexpr size_t kMinRowsForThreads = 10000;

// ParallelFor's thread count for per-column work over `rows` rows within the plan's threads.
size_t ThreadsFor(size_t rows, const TrainPlan& plan) {
  return rows < kMinRowsForThreads ? 1 : static_cast<size_t>(std::max(plan.threads, 0));
}

// The pipeline options the plan's roles and the training part call for: date parts for date features, and a
// missing-value indicator for number-like and date features whose missingness MissingnessIsInformative (on the
// training rows). Records the indicators in `cleaning`. Features are looked at in parallel on a large table.
ml::FitOptions PrepareFeatures(const data::Table& table, const std::vector<int>& feature_columns,
                               const data::Column& target, const TrainPlan& plan,
                               const std::vector<int64_t>& train_rows, const std::vector<int32_t>& train_labels,
                               const TargetClasses& classes, data::CleaningReport* cleaning) {
  ml::FitOptions options;
  std::vector<double> train_target;
  if (!ml::IsClassification(plan.task)) {
    train_target.reserve(train_rows.size());
    for (int64_t row_idx : train_rows) train_target.push_back(target.numbers[static_cast<size_t>(row_idx)]);
  }
  options.features.resize(feature_columns.size());
  std::vector<char> other_bucket(feature_columns.size(), 0);
  options.threads = plan.threads;
  core::ParallelFor(feature_columns.size(), ThreadsFor(train_rows.size(), plan), [&](size_t feature_idx) {
    const data::Column& column = table.column(static_cast<size_t>(feature_columns[feature_idx]));
    ml::FeatureOptions& feature = options.features[feature_idx];
    const data::ColumnRole role =
        feature_idx < plan.feature_roles.size() ? plan.feature_roles[feature_idx] : data::ColumnRole::kNumeric;
    feature.date = role == data::ColumnRole::kDateTime && !data::IsNumberLike(column.type);
    if (feature.date || data::IsNumberLike(column.type)) {
      // Too few rows missing (or present) for the rule, as with every value present: no indicator, no flags built.
      const auto missing_rows = static_cast<int64_t>(std::count_if(
          train_rows.begin(), train_rows.end(), [&](int64_t row_idx) { return column.IsMissing(row_idx); }));
      if (missing_rows < kMinMissingRows || static_cast<int64_t>(train_rows.size()) - missing_rows < kMinMissingRows) {
        return;
      }
      std::unique_ptr<bool[]> flags(new bool[train_rows.size()]);
      for (size_t pos = 0; pos < train_rows.size(); ++pos) flags[pos] = column.IsMissing(train_rows[pos]);
      std::span<const bool> missing(flags.get(), train_rows.size());
      feature.missing_indicator =
          ml::IsClassification(plan.task)
              ? MissingnessIsInformative(missing, train_labels, static_cast<int>(classes.labels.size()))
              : MissingnessIsInformative(missing, train_target);
    } else {
      // The pipeline's own level rule, run here to say in the report which features get an "other" column.
      std::vector<int64_t> counts(column.categories.size(), 0);
      for (int64_t row_idx : train_rows) {
        const int32_t code = column.codes[static_cast<size_t>(row_idx)];
        if (code >= 0) ++counts[static_cast<size_t>(code)];
      }
      std::erase(counts, 0);
      const std::vector<bool> keep =
          ml::ChooseOneHotLevels(counts, static_cast<int64_t>(train_rows.size()), options.max_levels);
      other_bucket[feature_idx] = std::find(keep.begin(), keep.end(), false) != keep.end();
    }
  });
  for (size_t feature_idx = 0; feature_idx < feature_columns.size(); ++feature_idx) {
    const std::string& name = table.column(static_cast<size_t>(feature_columns[feature_idx])).name;
    if (options.features[feature_idx].missing_indicator) cleaning->missing_indicators.push_back(name);
    if (other_bucket[feature_idx]) cleaning->other_buckets.push_back(name);
  }
  return options;
}

// The dataset-level findings over the usable rows: duplicates, leaks, outliers, and the plan's column roles. The
// duplicate count and each feature's checks are independent tasks, run in parallel on a large table and reported
// in feature order.
void ReportFindings(const data::Table& table, const std::vector<int>& feature_columns, const data::Column& target,
                    const TrainPlan& plan, const std::vector<int64_t>& usable_rows, const TargetClasses& classes,
                    data::CleaningReport* cleaning) {
  cleaning->has_target = true;
  cleaning->target = plan.target.name;
  cleaning->rows = table.row_count();
  cleaning->columns = plan.columns;
  std::vector<std::optional<data::LeakFinding>> leaks(feature_columns.size());
  std::vector<std::optional<data::OutlierFinding>> outliers(feature_columns.size());
  core::ParallelFor(feature_columns.size() + 1, ThreadsFor(usable_rows.size(), plan), [&](size_t task) {
    if (task == 0) {  // the longest task first
      cleaning->duplicate_rows = CountDuplicateRows(table);
      return;
    }
    const data::Column& column = table.column(static_cast<size_t>(feature_columns[task - 1]));
    leaks[task - 1] = FindLeak(column, target, plan.task, usable_rows, classes.row_classes);
    outliers[task - 1] = FindOutliers(column, usable_rows);
  });
  for (auto& leak : leaks) {
    if (leak) cleaning->leaks.push_back(std::move(*leak));
  }
  for (auto& finding : outliers) {
    if (finding) cleaning->outliers.push_back(std::move(*finding));
  }
}

// A table made ready for fitting: the rows with a target, their seeded holdout split and (for a classifier) the
// class of every row, numbered over all usable rows so every part shares one numbering.
struct PreparedRows {
  std::vector<int> feature_columns;
  const data::Column* target = nullptr;
  TargetClasses classes;
  std::vector<int64_t> train_rows;
  std::vector<int64_t> holdout_rows;
  std::vector<int32_t> train_labels;
  std::vector<int32_t> holdout_labels;
  std::vector<std::string> notes;
  ml::FitOptions options;         // how the pipeline encodes each feature (date parts, missing indicators)
  data::CleaningReport cleaning;  // what preparation found (duplicates, leaks and outliers only if asked)
};

// `report_findings`: also count duplicates and look for leaks and outliers over the usable rows (the cleaning report
// of a training run; cross-validation, which prepares the same table once per trial, skips them).
core::Result<PreparedRows> PrepareRows(const data::Table& table, const TrainPlan& plan, bool report_findings) {
  PreparedRows prepared;
  int target_idx = table.FindColumn(plan.target.name);
  if (target_idx < 0) return core::Internal("target column was not loaded");
  for (const data::ColumnSpec& feature : plan.features) {
    int column_idx = table.FindColumn(feature.name);
    if (column_idx < 0) return core::Internal("feature column '" + feature.name + "' was not loaded");
    prepared.feature_columns.push_back(column_idx);
  }
  const data::Column& target = table.column(static_cast<size_t>(target_idx));
  prepared.target = &target;

  std::vector<int64_t> usable_rows;
  usable_rows.reserve(static_cast<size_t>(table.row_count()));
  for (int64_t row_idx = 0; row_idx < table.row_count(); ++row_idx) {
    if (!target.IsMissing(row_idx)) usable_rows.push_back(row_idx);
  }
  int64_t dropped = table.row_count() - static_cast<int64_t>(usable_rows.size());
  if (dropped > 0) {
    prepared.notes.push_back(std::to_string(dropped) + " rows with a missing target '" + plan.target.name +
                             "' were dropped");
  }
  if (usable_rows.size() < 2) {
    return core::FailedPrecondition("fewer than 2 rows have a value for the target '" + plan.target.name + "'");
  }

  HoldoutSplit split = SplitHoldout(static_cast<int64_t>(usable_rows.size()), plan.holdout_fraction, plan.seed);
  for (int64_t pos : split.train_rows) prepared.train_rows.push_back(usable_rows[static_cast<size_t>(pos)]);
  for (int64_t pos : split.holdout_rows) prepared.holdout_rows.push_back(usable_rows[static_cast<size_t>(pos)]);

  if (ml::IsClassification(plan.task)) {
    TargetClasses& classes = prepared.classes;
    classes = EncodeTargetClasses(target, usable_rows);
    if (classes.labels.size() < 2) {
      return core::FailedPrecondition("target '" + plan.target.name + "' has only one class in the rows with a value");
    }
    for (int64_t pos : split.train_rows) prepared.train_labels.push_back(classes.row_classes[static_cast<size_t>(pos)]);
    for (int64_t pos : split.holdout_rows) {
      prepared.holdout_labels.push_back(classes.row_classes[static_cast<size_t>(pos)]);
    }
    std::vector<int64_t> class_rows(classes.labels.size(), 0);
    for (int32_t label : prepared.train_labels) ++class_rows[static_cast<size_t>(label)];
    for (size_t class_idx = 0; class_idx < class_rows.size(); ++class_idx) {
      if (class_rows[class_idx] == 0) {
        return core::FailedPrecondition("class '" + classes.labels[class_idx] + "' of target '" + plan.target.name +
                                        "' has no row in the training part; it needs more rows");
      }
    }
  }
  prepared.options = PrepareFeatures(table, prepared.feature_columns, target, plan, prepared.train_rows,
                                     prepared.train_labels, prepared.classes, &prepared.cleaning);
  if (report_findings) {
    ReportFindings(table, prepared.feature_columns, target, plan, usable_rows, prepared.classes, &prepared.cleaning);
  }
  prepared.cleaning.rows_missing_target = dropped;
  prepared.cleaning.rows_used = static_cast<int64_t>(usable_rows.size());
  return prepared;
}

// Fits the plan's algorithm on `rows` (with their class `labels` for a classifier).
core::Result<std::shared_ptr<const ml::Model>> FitRows(const data::Table& table, const PreparedRows& prepared,
                                                       const std::vector<int64_t>& rows,
                                                       const std::vector<int32_t>& labels, const TrainPlan& plan,
                                                       const std::atomic<bool>& cancelled, const Report& report,
                                                       const RoundCallback& on_round, std::vector<std::string>* notes,
                                                       const ShardTraining* shard = nullptr) {
  if (shard != nullptr && plan.algorithm != ml::kXgboostRegressorAlgorithm &&
      plan.algorithm != ml::kXgboostClassifierAlgorithm) {
    return core::FailedPrecondition(
        "distributed training (workers > 1) takes xgboost_regressor or "
        "xgboost_classifier, not " +
        plan.algorithm);
  }
  if (plan.algorithm == ml::kLogisticRegressionAlgorithm) {
    return FitLogistic(table, prepared.feature_columns, prepared.classes, labels, rows, plan, prepared.options,
                       cancelled, report);
  }
  if (plan.algorithm == ml::kXgboostRegressorAlgorithm || plan.algorithm == ml::kXgboostClassifierAlgorithm ||
      plan.algorithm == ml::kRandomForestRegressorAlgorithm || plan.algorithm == ml::kRandomForestClassifierAlgorithm) {
    return FitXgboost(table, prepared.feature_columns, *prepared.target, prepared.classes, labels, rows, plan,
                      prepared.options, cancelled, report, on_round, notes, shard);
  }
  return FitLinear(table, prepared.feature_columns, *prepared.target, rows, plan, prepared.options, cancelled, report,
                   notes);
}

// The metrics of `model` on `rows` (labels as for FitRows), through Model::Predict as serving calls it. With
// `row_values`, also appends each row's prediction (regression) or the probability given to its class; with
// `curves_json`, also the evaluation curves (EvaluationCurvesToJson) of the same predictions.
core::Result<std::map<std::string, double>> ScoreRows(const data::Table& table, const PreparedRows& prepared,
                                                      const ml::Model& model, const std::vector<int64_t>& rows,
                                                      const std::vector<int32_t>& labels, ml::Task task,
                                                      std::vector<double>* row_values = nullptr,
                                                      std::string* curves_json = nullptr) {
  std::vector<ml::FeatureValue> inputs = RowsAsFeatureValues(table, prepared.feature_columns, rows);
  if (ml::IsClassification(task)) {
    const size_t class_count = prepared.classes.labels.size();
    std::vector<double> probabilities(rows.size() * class_count);
    AMP_RETURN_IF_ERROR(model.PredictProba(inputs, probabilities, nullptr));
    if (curves_json != nullptr) {
      *curves_json = EvaluationCurvesToJson(ClassificationCurves(labels, probabilities, prepared.classes.labels));
    }
    if (row_values != nullptr) {
      for (size_t pos = 0; pos < rows.size(); ++pos) {
        row_values->push_back(probabilities[pos * class_count + static_cast<size_t>(labels[pos])]);
      }
    }
    return ClassificationMetrics(labels, probabilities, prepared.classes.labels);
  }
  std::vector<double> predicted(rows.size());
  AMP_RETURN_IF_ERROR(model.Predict(inputs, predicted, nullptr));
  if (row_values != nullptr) row_values->insert(row_values->end(), predicted.begin(), predicted.end());
  std::vector<double> actual;
  actual.reserve(rows.size());
  for (int64_t row_idx : rows) actual.push_back(prepared.target->numbers[static_cast<size_t>(row_idx)]);
  if (curves_json != nullptr) *curves_json = EvaluationCurvesToJson(RegressionCurves(actual, predicted));
  return RegressionMetrics(actual, predicted);
}

}  // namespace

std::string_view PrimaryMetric(ml::Task task) {
  return ml::IsClassification(task) ? "log_loss" : "rmse";
}

core::Result<TrainingOutcome> TrainModel(const data::Table& table, const TrainPlan& plan,
                                         const std::atomic<bool>& cancelled, const ProgressCallback& progress,
                                         const RoundCallback& on_round) {
  return TrainModelShard(table, plan, nullptr, cancelled, progress, on_round);
}

namespace {

core::Result<TrainingOutcome> TrainWith(const data::Table& table, const TrainPlan& plan, const ShardTraining* shard,
                                        const ExternalFit* fit, const std::atomic<bool>& cancelled,
                                        const ProgressCallback& progress, const RoundCallback& on_round) {
  auto report = [&](std::string_view message) {
    if (progress) progress(message);
  };
  if (plan.task == ml::Task::kClustering) {
    if (shard != nullptr) return core::FailedPrecondition("distributed training (workers > 1) does not cluster");
    std::vector<int> feature_columns;
    for (const data::ColumnSpec& feature : plan.features) {
      int column_idx = table.FindColumn(feature.name);
      if (column_idx < 0) return core::Internal("feature column '" + feature.name + "' was not loaded");
      feature_columns.push_back(column_idx);
    }
    return TrainClustering(table, feature_columns, plan, cancelled, report);
  }
  AMP_ASSIGN_OR_RETURN(PreparedRows prepared, PrepareRows(table, plan, /*report_findings=*/true));
  TrainingOutcome outcome;
  outcome.notes = std::move(prepared.notes);
  outcome.cleaning_report = std::move(prepared.cleaning);
  outcome.train_rows = static_cast<int64_t>(prepared.train_rows.size());
  outcome.holdout_rows = static_cast<int64_t>(prepared.holdout_rows.size());
  if (cancelled) return core::Cancelled("training was cancelled");

  if (fit != nullptr) {
    AMP_ASSIGN_OR_RETURN(outcome.model, (*fit)());
    const ml::ModelSignature& signature = outcome.model->signature();
    bool same = signature.task == plan.task && signature.features.size() == plan.features.size();
    for (size_t idx = 0; same && idx < plan.features.size(); ++idx) {
      same = signature.features[idx].name == plan.features[idx].name;
    }
    if (!same) return core::Internal("the model fitted elsewhere does not have the plan's features and task");
  } else {
    AMP_ASSIGN_OR_RETURN(outcome.model, FitRows(table, prepared, prepared.train_rows, prepared.train_labels, plan,
                                                cancelled, report, on_round, &outcome.notes, shard));
  }
  if (cancelled) return core::Cancelled("training was cancelled");
  AMP_ASSIGN_OR_RETURN(outcome.profile_json,
                       ProfileTrainingPart(table, prepared.feature_columns, prepared.train_rows, *outcome.model));

  if (!prepared.holdout_rows.empty()) {
    report("scoring the holdout");
    AMP_ASSIGN_OR_RETURN(outcome.metrics,
                         ScoreRows(table, prepared, *outcome.model, prepared.holdout_rows, prepared.holdout_labels,
                                   plan.task, nullptr, &outcome.evaluation_curves_json));
  }
  return outcome;
}

}  // namespace

core::Result<TrainingOutcome> TrainModelShard(const data::Table& table, const TrainPlan& plan,
                                              const ShardTraining* shard, const std::atomic<bool>& cancelled,
                                              const ProgressCallback& progress, const RoundCallback& on_round) {
  return TrainWith(table, plan, shard, nullptr, cancelled, progress, on_round);
}

core::Result<TrainingOutcome> TrainModelWithFit(const data::Table& table, const TrainPlan& plan, const ExternalFit& fit,
                                                const std::atomic<bool>& cancelled, const ProgressCallback& progress) {
  if (plan.task == ml::Task::kClustering) return core::FailedPrecondition("an external fit does not cluster");
  return TrainWith(table, plan, nullptr, &fit, cancelled, progress, {});
}

core::Status AdoptModel(const data::Table& table, const TrainPlan& plan, std::shared_ptr<const ml::Model> model,
                        TrainingOutcome* outcome) {
  AMP_ASSIGN_OR_RETURN(PreparedRows prepared, PrepareRows(table, plan, /*report_findings=*/false));
  AMP_ASSIGN_OR_RETURN(outcome->profile_json,
                       ProfileTrainingPart(table, prepared.feature_columns, prepared.train_rows, *model));
  outcome->metrics.clear();
  outcome->evaluation_curves_json.clear();
  if (!prepared.holdout_rows.empty()) {
    AMP_ASSIGN_OR_RETURN(outcome->metrics,
                         ScoreRows(table, prepared, *model, prepared.holdout_rows, prepared.holdout_labels, plan.task,
                                   nullptr, &outcome->evaluation_curves_json));
  }
  outcome->model = std::move(model);
  return core::Status::Ok();
}

core::Result<CrossValidation> CrossValidate(const data::Table& table, const TrainPlan& plan, int folds,
                                            const std::atomic<bool>& cancelled, const RoundCallback& on_round,
                                            int repeats) {
  AMP_ASSIGN_OR_RETURN(PreparedRows prepared, PrepareRows(table, plan, /*report_findings=*/false));
  const std::string metric(PrimaryMetric(plan.task));
  const auto train_count = static_cast<int64_t>(prepared.train_rows.size());
  if (train_count < folds) {
    return core::FailedPrecondition(std::to_string(folds) + "-fold cross-validation needs at least " +
                                    std::to_string(folds) + " training rows; the training part has " +
                                    std::to_string(train_count));
  }
  CrossValidation result;
  result.metric = metric;
  const size_t rows = prepared.train_rows.size();
  const size_t blocks = static_cast<size_t>(std::max(1, repeats));
  result.fold_of.reserve(rows * blocks);
  result.out_of_fold.assign(rows * blocks, 0.0);
  const bool classifier = ml::IsClassification(plan.task);
  if (!classifier) {
    for (size_t block = 0; block < blocks; ++block) {
      for (int64_t row_idx : prepared.train_rows) {
        result.targets.push_back(prepared.target->numbers[static_cast<size_t>(row_idx)]);
      }
    }
  }
  std::vector<double> fold_values;
  const Report quiet = [](std::string_view) {};
  for (size_t repeat = 0; repeat < blocks; ++repeat) {
    // A seed of its own, so the folds do not line up with the holdout split's shuffle; each repeat's partition is
    // drawn from another seed (repeat 0's is the single partition's).
    const uint64_t fold_seed = plan.seed + 2 + 0x9E3779B97F4A7C15ULL * repeat;
    const std::vector<int> fold_of = AssignFolds(train_count, folds, fold_seed, prepared.train_labels);
    const int fold_base = static_cast<int>(repeat) * folds;
    for (int fold : fold_of) result.fold_of.push_back(fold_base + fold);
    double* out_of_fold = result.out_of_fold.data() + repeat * rows;
    for (int fold = 0; fold < folds; ++fold) {
      std::vector<int64_t> fit_rows;
      std::vector<int32_t> fit_labels;
      std::vector<int64_t> check_rows;
      std::vector<int32_t> check_labels;
      for (size_t pos = 0; pos < rows; ++pos) {
        const bool in_fold = fold_of[pos] == fold;
        (in_fold ? check_rows : fit_rows).push_back(prepared.train_rows[pos]);
        if (classifier) (in_fold ? check_labels : fit_labels).push_back(prepared.train_labels[pos]);
      }
      if (cancelled) return core::Cancelled("training was cancelled");
      std::vector<std::string> notes;
      AMP_ASSIGN_OR_RETURN(std::shared_ptr<const ml::Model> model,
                           FitRows(table, prepared, fit_rows, fit_labels, plan, cancelled, quiet, on_round, &notes));
      if (cancelled) return core::Cancelled("training was cancelled");
      fold_values.clear();
      AMP_ASSIGN_OR_RETURN(auto metrics,
                           ScoreRows(table, prepared, *model, check_rows, check_labels, plan.task, &fold_values));
      auto score = metrics.find(metric);
      if (score == metrics.end()) return core::Internal("fold metrics lack " + metric);
      result.fold_scores.push_back(score->second);
      // The fold's rows come in training-part order, so its values go back to the positions of that fold.
      size_t next = 0;
      for (size_t pos = 0; pos < rows; ++pos) {
        if (fold_of[pos] == fold) out_of_fold[pos] = fold_values[next++];
      }
    }
  }
  const auto scores = static_cast<double>(result.fold_scores.size());
  double sum = 0.0;
  for (double score : result.fold_scores) sum += score;
  result.mean = sum / scores;
  double squares = 0.0;
  for (double score : result.fold_scores) squares += (score - result.mean) * (score - result.mean);
  result.std = std::sqrt(squares / scores);
  return result;
}

}  // namespace amp::training
