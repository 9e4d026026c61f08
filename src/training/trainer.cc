#include "training/trainer.h"

#include <cmath>

#include "ml/linear/linear_model.h"
#include "ml/linear/ridge_solver.h"
#include "ml/pipeline.h"
#include "training/holdout_split.h"
#include "training/regression_metrics.h"

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

  report("fitting the preprocessing pipeline");
  auto pipeline = ml::Pipeline::Fit(table, feature_columns, train_rows);
  if (!pipeline.ok()) return core::FailedPrecondition(pipeline.status().message());
  std::vector<double> design;
  pipeline->Encode(table, feature_columns, train_rows, &design);
  std::vector<double> y;
  y.reserve(train_rows.size());
  for (int64_t row_idx : train_rows) y.push_back(target.numbers[static_cast<size_t>(row_idx)]);
  if (cancelled) return core::Cancelled("training was cancelled");

  report("solving the least-squares problem");
  AMP_ASSIGN_OR_RETURN(ml::LinearSolution solution,
                       ml::SolveRidge(design, static_cast<int64_t>(train_rows.size()), pipeline->EncodedWidth(), y,
                                      plan.l2));
  design.clear();
  design.shrink_to_fit();

  ml::ModelSignature signature;
  signature.task = ml::Task::kRegression;
  signature.target = plan.target.name;
  for (const data::ColumnSpec& feature : plan.features) signature.features.push_back({feature.name, feature.type});
  AMP_ASSIGN_OR_RETURN(auto linear,
                       ml::LinearModel::Create(std::move(signature), std::move(pipeline).value(), std::move(solution)));
  outcome.model = linear;
  if (cancelled) return core::Cancelled("training was cancelled");

  if (!holdout_rows.empty()) {
    report("scoring the holdout");
    std::vector<ml::FeatureValue> inputs = RowsAsFeatureValues(table, feature_columns, holdout_rows);
    std::vector<double> predicted(holdout_rows.size());
    AMP_RETURN_IF_ERROR(outcome.model->Predict(inputs, predicted, nullptr));
    std::vector<double> actual;
    for (int64_t row_idx : holdout_rows) actual.push_back(target.numbers[static_cast<size_t>(row_idx)]);
    outcome.metrics = RegressionMetrics(actual, predicted);
  }
  return outcome;
}

}  // namespace amp::training
