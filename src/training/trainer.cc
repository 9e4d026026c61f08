#include "training/trainer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "ml/linear/linear_model.h"
#include "ml/linear/ridge_solver.h"
#include "ml/logistic/logistic_model.h"
#include "ml/logistic/logistic_solver.h"
#include "ml/pipeline.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"
#include "monitoring/training_profile.h"
#include "training/classification_metrics.h"
#include "training/holdout_split.h"
#include "training/regression_metrics.h"
#include "training/target_classes.h"

namespace amp::training {
namespace {

// Builds row-major FeatureValues for `rows` of the table, so evaluation goes through Model::Predict exactly as
// serving does.
std::vector<ml::FeatureValue> RowsAsFeatureValues(const data::Table& table, const std::vector<int>& feature_columns,
                                                  const std::vector<int64_t>& rows) {
  std::vector<ml::FeatureValue> values;
  values.reserve(rows.size() * feature_columns.size());
  for (int64_t row_idx : rows) {
    for (int column_idx : feature_columns) {
      const data::Column& column = table.column(static_cast<size_t>(column_idx));
      if (column.IsMissing(row_idx)) {
        values.push_back(ml::FeatureValue::Missing());
      } else if (data::IsNumberLike(column.type)) {
        values.push_back(ml::FeatureValue::Number(column.numbers[static_cast<size_t>(row_idx)]));
      } else {
        values.push_back(ml::FeatureValue::Text(column.categories[static_cast<size_t>(column.codes[row_idx])]));
      }
    }
  }
  return values;
}

ml::ModelSignature SignatureOf(const TrainPlan& plan, std::vector<std::string> classes = {}) {
  ml::ModelSignature signature;
  signature.task = plan.task;
  signature.classes = std::move(classes);
  signature.target = plan.target.name;
  for (const data::ColumnSpec& feature : plan.features) signature.features.push_back({feature.name, feature.type});
  return signature;
}

using Report = std::function<void(std::string_view)>;

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

// Fits the standardizing pipeline on the training rows and encodes them into `design` (column-major), for the
// linear families.
core::Result<ml::Pipeline> FitStandardizedDesign(const data::Table& table, const std::vector<int>& feature_columns,
                                                 const std::vector<int64_t>& train_rows, const Report& report,
                                                 std::vector<double>* design) {
  report("fitting the preprocessing pipeline");
  auto pipeline = ml::Pipeline::Fit(table, feature_columns, train_rows);
  if (!pipeline.ok()) return core::FailedPrecondition(pipeline.status().message());
  pipeline->Encode(table, feature_columns, train_rows, design);
  return pipeline;
}

core::Result<std::shared_ptr<const ml::Model>> FitLinear(const data::Table& table,
                                                         const std::vector<int>& feature_columns,
                                                         const data::Column& target,
                                                         const std::vector<int64_t>& train_rows, const TrainPlan& plan,
                                                         const std::atomic<bool>& cancelled, const Report& report) {
  std::vector<double> design;
  AMP_ASSIGN_OR_RETURN(ml::Pipeline pipeline,
                       FitStandardizedDesign(table, feature_columns, train_rows, report, &design));
  std::vector<double> y;
  y.reserve(train_rows.size());
  for (int64_t row_idx : train_rows) y.push_back(target.numbers[static_cast<size_t>(row_idx)]);
  if (cancelled) return core::Cancelled("training was cancelled");

  report("solving the least-squares problem");
  AMP_ASSIGN_OR_RETURN(ml::LinearSolution solution, ml::SolveRidge(design, static_cast<int64_t>(train_rows.size()),
                                                                   pipeline.EncodedWidth(), y, plan.l2));
  design.clear();
  design.shrink_to_fit();
  AMP_ASSIGN_OR_RETURN(auto linear,
                       ml::LinearModel::Create(SignatureOf(plan), std::move(pipeline), std::move(solution)));
  return std::shared_ptr<const ml::Model>(std::move(linear));
}

// `train_labels` are the class indices of `train_rows`.
core::Result<std::shared_ptr<const ml::Model>> FitLogistic(
    const data::Table& table, const std::vector<int>& feature_columns, const TargetClasses& classes,
    const std::vector<int32_t>& train_labels, const std::vector<int64_t>& train_rows, const TrainPlan& plan,
    const std::atomic<bool>& cancelled, const Report& report) {
  std::vector<double> design;
  AMP_ASSIGN_OR_RETURN(ml::Pipeline pipeline,
                       FitStandardizedDesign(table, feature_columns, train_rows, report, &design));
  if (cancelled) return core::Cancelled("training was cancelled");

  report("fitting the logistic regression");
  AMP_ASSIGN_OR_RETURN(ml::LogisticSolution solution,
                       ml::SolveLogistic(design, static_cast<int64_t>(train_rows.size()), pipeline.EncodedWidth(),
                                         train_labels, static_cast<int>(classes.labels.size()), plan.logistic));
  design.clear();
  design.shrink_to_fit();
  AMP_ASSIGN_OR_RETURN(auto logistic, ml::LogisticModel::Create(SignatureOf(plan, classes.labels), std::move(pipeline),
                                                                std::move(solution)));
  return std::shared_ptr<const ml::Model>(std::move(logistic));
}

// XGBoost reads 32-bit floats and refuses infinities: a value beyond the float range (about 3.4e38) cannot train.
core::Status CheckFloatRange(const std::vector<float>& encoded, const ml::Pipeline& pipeline,
                             const std::vector<float>& labels, const std::string& target_name) {
  const auto width = static_cast<size_t>(pipeline.EncodedWidth());
  for (size_t idx = 0; idx < encoded.size(); ++idx) {
    if (std::isfinite(encoded[idx])) continue;
    const std::vector<int>& offsets = pipeline.feature_offsets();
    size_t feature_idx = 0;
    while (offsets[feature_idx + 1] <= static_cast<int>(idx % width)) ++feature_idx;
    return core::FailedPrecondition("feature '" + pipeline.transforms()[feature_idx].feature.name +
                                    "' has values beyond the float range (about 3.4e38) that XGBoost cannot take");
  }
  for (float label : labels) {
    if (!std::isfinite(label)) {
      return core::FailedPrecondition("target '" + target_name +
                                      "' has values beyond the float range (about 3.4e38) that XGBoost cannot take");
    }
  }
  return core::Status::Ok();
}

std::vector<float> FloatLabels(const data::Column& target, const std::vector<int64_t>& rows) {
  std::vector<float> labels;
  labels.reserve(rows.size());
  for (int64_t row_idx : rows) labels.push_back(static_cast<float>(target.numbers[static_cast<size_t>(row_idx)]));
  return labels;
}

// A classifier's labels are `classes`' indices of the rows (train_labels holds those of train_rows, in order).
core::Result<std::shared_ptr<const ml::Model>> FitXgboost(
    const data::Table& table, const std::vector<int>& feature_columns, const data::Column& target,
    const TargetClasses& classes, const std::vector<int32_t>& train_labels, const std::vector<int64_t>& train_rows,
    const TrainPlan& plan, const std::atomic<bool>& cancelled, const Report& report, std::vector<std::string>* notes) {
  report("fitting the preprocessing pipeline");
  // Trees compare values, so numbers stay unscaled; the pipeline sees the whole training part.
  auto pipeline = ml::Pipeline::Fit(table, feature_columns, train_rows, ml::NumberScaling::kNone);
  if (!pipeline.ok()) return core::FailedPrecondition(pipeline.status().message());
  ml::BoosterParams params = plan.boosting;
  params.seed = plan.seed;
  const bool classifier = ml::IsClassification(plan.task);
  if (classifier) {
    params.objective = classes.labels.size() == 2 ? "binary:logistic" : "multi:softprob";
    params.num_class = static_cast<int>(classes.labels.size());
  }
  // The label of every training row, by table row: the target's value, or its class index.
  std::vector<float> label_of_row;
  if (classifier) {
    label_of_row.assign(static_cast<size_t>(table.row_count()), 0.0f);
    for (size_t pos = 0; pos < train_rows.size(); ++pos) {
      label_of_row[static_cast<size_t>(train_rows[pos])] = static_cast<float>(train_labels[pos]);
    }
  }
  auto labels_of = [&](const std::vector<int64_t>& rows) {
    if (!classifier) return FloatLabels(target, rows);
    std::vector<float> labels;
    for (int64_t row_idx : rows) labels.push_back(label_of_row[static_cast<size_t>(row_idx)]);
    return labels;
  };
  std::vector<int64_t> boost_rows = train_rows;
  std::vector<int64_t> validation_rows;
  if (params.early_stopping_rounds > 0) {
    if (train_rows.size() < 2) {
      return core::FailedPrecondition("early stopping needs at least 2 training rows to hold out a validation fold");
    }
    // A seeded 10% of the training part, drawn independently of the holdout split.
    HoldoutSplit fold = SplitHoldout(static_cast<int64_t>(train_rows.size()), 0.1, plan.seed + 1);
    boost_rows.clear();
    for (int64_t pos : fold.train_rows) boost_rows.push_back(train_rows[static_cast<size_t>(pos)]);
    for (int64_t pos : fold.holdout_rows) validation_rows.push_back(train_rows[static_cast<size_t>(pos)]);
  }
  const auto width = static_cast<size_t>(pipeline->EncodedWidth());
  std::vector<float> boost_x;
  std::vector<float> validation_x;
  pipeline->EncodeRowMajor(table, feature_columns, boost_rows, &boost_x);
  pipeline->EncodeRowMajor(table, feature_columns, validation_rows, &validation_x);
  const std::vector<float> boost_y = labels_of(boost_rows);
  const std::vector<float> validation_y = labels_of(validation_rows);
  AMP_RETURN_IF_ERROR(CheckFloatRange(boost_x, *pipeline, boost_y, plan.target.name));
  AMP_RETURN_IF_ERROR(CheckFloatRange(validation_x, *pipeline, validation_y, plan.target.name));
  if (cancelled) return core::Cancelled("training was cancelled");

  report("boosting trees");
  const ml::DenseRows validation{validation_x.data(), validation_rows.size(), width};
  const int report_every = std::max(10, params.n_estimators / 20);  // progress is stored: a few times per job
  auto on_round = [&](int round) {
    if ((round + 1) % report_every == 0 && round + 1 < params.n_estimators) {
      report("boosting trees: " + std::to_string(round + 1) + " of " + std::to_string(params.n_estimators));
    }
    return !cancelled;
  };
  AMP_ASSIGN_OR_RETURN(ml::TrainedBooster trained, ml::TrainBooster({boost_x.data(), boost_rows.size(), width}, boost_y,
                                                                    validation_rows.empty() ? nullptr : &validation,
                                                                    validation_y, params, on_round));
  if (params.early_stopping_rounds > 0) {
    notes->push_back("early stopping kept " + std::to_string(trained.rounds) + " of " +
                     std::to_string(trained.validation_metric.size()) + " trees trained (validation " +
                     trained.validation_metric_name + " " +
                     std::to_string(trained.validation_metric[static_cast<size_t>(trained.best_iteration)]) + " on " +
                     std::to_string(validation_rows.size()) + " held-out training rows)");
  }
  auto model = ml::XgboostModel::Create(SignatureOf(plan, classifier ? classes.labels : std::vector<std::string>{}),
                                        std::move(pipeline).value(), std::move(trained.model_ubj));
  if (!model.ok()) return core::Internal("the trained booster does not load: " + model.status().message());
  return std::shared_ptr<const ml::Model>(std::move(model).value());
}

}  // namespace

core::Result<TrainingOutcome> TrainModel(const data::Table& table, const TrainPlan& plan,
                                         const std::atomic<bool>& cancelled, const ProgressCallback& progress) {
  auto report = [&](std::string_view message) {
    if (progress) progress(message);
  };
  int target_idx = table.FindColumn(plan.target.name);
  if (target_idx < 0) return core::Internal("target column was not loaded");
  std::vector<int> feature_columns;
  for (const data::ColumnSpec& feature : plan.features) {
    int column_idx = table.FindColumn(feature.name);
    if (column_idx < 0) return core::Internal("feature column '" + feature.name + "' was not loaded");
    feature_columns.push_back(column_idx);
  }
  const data::Column& target = table.column(static_cast<size_t>(target_idx));

  TrainingOutcome outcome;
  std::vector<int64_t> usable_rows;
  usable_rows.reserve(static_cast<size_t>(table.row_count()));
  for (int64_t row_idx = 0; row_idx < table.row_count(); ++row_idx) {
    if (!target.IsMissing(row_idx)) usable_rows.push_back(row_idx);
  }
  int64_t dropped = table.row_count() - static_cast<int64_t>(usable_rows.size());
  if (dropped > 0) {
    outcome.notes.push_back(std::to_string(dropped) + " rows with a missing target '" + plan.target.name +
                            "' were dropped");
  }
  if (usable_rows.size() < 2) {
    return core::FailedPrecondition("fewer than 2 rows have a value for the target '" + plan.target.name + "'");
  }

  HoldoutSplit split = SplitHoldout(static_cast<int64_t>(usable_rows.size()), plan.holdout_fraction, plan.seed);
  std::vector<int64_t> train_rows;
  std::vector<int64_t> holdout_rows;
  for (int64_t pos : split.train_rows) train_rows.push_back(usable_rows[static_cast<size_t>(pos)]);
  for (int64_t pos : split.holdout_rows) holdout_rows.push_back(usable_rows[static_cast<size_t>(pos)]);
  outcome.train_rows = static_cast<int64_t>(train_rows.size());
  outcome.holdout_rows = static_cast<int64_t>(holdout_rows.size());
  if (cancelled) return core::Cancelled("training was cancelled");

  // A classifier's labels come from the usable rows, so the training and holdout parts share one numbering.
  TargetClasses classes;
  std::vector<int32_t> train_labels;
  std::vector<int32_t> holdout_labels;
  if (ml::IsClassification(plan.task)) {
    classes = EncodeTargetClasses(target, usable_rows);
    if (classes.labels.size() < 2) {
      return core::FailedPrecondition("target '" + plan.target.name + "' has only one class in the rows with a value");
    }
    for (int64_t pos : split.train_rows) train_labels.push_back(classes.row_classes[static_cast<size_t>(pos)]);
    for (int64_t pos : split.holdout_rows) holdout_labels.push_back(classes.row_classes[static_cast<size_t>(pos)]);
    std::vector<int64_t> class_rows(classes.labels.size(), 0);
    for (int32_t label : train_labels) ++class_rows[static_cast<size_t>(label)];
    for (size_t class_idx = 0; class_idx < class_rows.size(); ++class_idx) {
      if (class_rows[class_idx] == 0) {
        return core::FailedPrecondition("class '" + classes.labels[class_idx] + "' of target '" + plan.target.name +
                                        "' has no row in the training part; it needs more rows");
      }
    }
  }

  if (plan.algorithm == ml::kLogisticRegressionAlgorithm) {
    AMP_ASSIGN_OR_RETURN(
        outcome.model, FitLogistic(table, feature_columns, classes, train_labels, train_rows, plan, cancelled, report));
  } else if (plan.algorithm == ml::kXgboostRegressorAlgorithm || plan.algorithm == ml::kXgboostClassifierAlgorithm) {
    AMP_ASSIGN_OR_RETURN(outcome.model, FitXgboost(table, feature_columns, target, classes, train_labels, train_rows,
                                                   plan, cancelled, report, &outcome.notes));
  } else {
    AMP_ASSIGN_OR_RETURN(outcome.model, FitLinear(table, feature_columns, target, train_rows, plan, cancelled, report));
  }
  if (cancelled) return core::Cancelled("training was cancelled");
  AMP_ASSIGN_OR_RETURN(outcome.profile_json, ProfileTrainingPart(table, feature_columns, train_rows, *outcome.model));

  if (!holdout_rows.empty()) {
    report("scoring the holdout");
    std::vector<ml::FeatureValue> inputs = RowsAsFeatureValues(table, feature_columns, holdout_rows);
    if (ml::IsClassification(plan.task)) {
      std::vector<double> probabilities(holdout_rows.size() * classes.labels.size());
      AMP_RETURN_IF_ERROR(outcome.model->PredictProba(inputs, probabilities, nullptr));
      outcome.metrics = ClassificationMetrics(holdout_labels, probabilities, classes.labels);
      return outcome;
    }
    std::vector<double> predicted(holdout_rows.size());
    AMP_RETURN_IF_ERROR(outcome.model->Predict(inputs, predicted, nullptr));
    std::vector<double> actual;
    for (int64_t row_idx : holdout_rows) actual.push_back(target.numbers[static_cast<size_t>(row_idx)]);
    outcome.metrics = RegressionMetrics(actual, predicted);
  }
  return outcome;
}

}  // namespace amp::training
