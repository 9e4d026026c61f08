#include "training/algorithm_fits.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "ml/kmeans/kmeans_model.h"
#include "ml/kmeans/kmeans_solver.h"
#include "ml/linear/elastic_net_solver.h"
#include "ml/linear/linear_model.h"
#include "ml/linear/ridge_solver.h"
#include "ml/logistic/logistic_model.h"
#include "ml/logistic/logistic_solver.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"
#include "training/classification_metrics.h"
#include "training/holdout_split.h"
#include "training/regression_metrics.h"

namespace amp::training {
namespace {

ml::ModelSignature SignatureOf(const TrainPlan& plan, std::vector<std::string> classes = {}) {
  ml::ModelSignature signature;
  signature.task = plan.task;
  signature.classes = std::move(classes);
  signature.target = plan.target.name;
  for (const data::ColumnSpec& feature : plan.features) signature.features.push_back({feature.name, feature.type});
  return signature;
}

// Fits the standardizing pipeline on the training rows and encodes them into `design` (column-major), for the
// linear families.
core::Result<ml::Pipeline> FitStandardizedDesign(const data::Table& table, const std::vector<int>& feature_columns,
                                                 const std::vector<int64_t>& train_rows, ml::FitOptions options,
                                                 const Report& report, std::vector<double>* design) {
  report("fitting the preprocessing pipeline");
  options.scaling = ml::NumberScaling::kStandardize;
  auto pipeline = ml::Pipeline::Fit(table, feature_columns, train_rows, options);
  if (!pipeline.ok()) return core::FailedPrecondition(pipeline.status().message());
  pipeline->Encode(table, feature_columns, train_rows, design, static_cast<size_t>(std::max(options.threads, 0)));
  return pipeline;
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

// One rank's part of a distributed fit: the pipeline was fitted on the whole training part (identically on every
// rank), the booster trains on the training rows inside this rank's shard, in the collective the caller joined.
// `labels` are those of every training row (in train_rows' order), so balanced class weights use the global counts.
core::Result<std::shared_ptr<const ml::Model>> FitXgboostShard(
    const data::Table& table, const std::vector<int>& feature_columns, const ShardTraining& shard,
    const TrainPlan& plan, std::vector<std::string> class_labels, ml::Pipeline pipeline, ml::BoosterParams params,
    const std::vector<float>& labels, const std::vector<int64_t>& train_rows, bool random_forest,
    const std::atomic<bool>& cancelled, const Report& report, const RoundCallback& round_callback) {
  if (params.early_stopping_rounds > 0) {
    return core::FailedPrecondition("distributed training (workers > 1) does not do early stopping");
  }
  if (shard.rank < 0 || static_cast<size_t>(shard.rank) >= shard.plan.shards.size()) {
    return core::InvalidArgument("rank " + std::to_string(shard.rank) + " has no shard");
  }
  std::vector<float> weights;
  if (params.balanced) {
    weights = ml::BalancedWeights(labels);
    params.balanced = false;
  }
  // Every rank computes every shard's size, so all of them refuse an empty shard alike instead of one hanging.
  std::vector<int64_t> shard_rows(shard.plan.shards.size(), 0);
  for (int64_t row_idx : train_rows) ++shard_rows[static_cast<size_t>(shard.plan.RankOf(row_idx))];
  for (size_t rank = 0; rank < shard_rows.size(); ++rank) {
    if (shard_rows[rank] == 0) {
      return core::FailedPrecondition("the shard of rank " + std::to_string(rank) +
                                      " holds no training rows; use fewer workers");
    }
  }
  const RowRange range = shard.plan.shards[static_cast<size_t>(shard.rank)];
  std::vector<int64_t> rows;
  std::vector<float> shard_labels;
  std::vector<float> shard_weights;
  for (size_t pos = 0; pos < train_rows.size(); ++pos) {
    if (!range.Contains(train_rows[pos])) continue;
    rows.push_back(train_rows[pos]);
    shard_labels.push_back(labels[pos]);
    if (!weights.empty()) shard_weights.push_back(weights[pos]);
  }
  const auto width = static_cast<size_t>(pipeline.EncodedWidth());
  std::vector<float> x;
  pipeline.EncodeRowMajor(table, feature_columns, rows, &x, static_cast<size_t>(std::max(plan.threads, 0)));
  AMP_RETURN_IF_ERROR(CheckFloatRange(x, pipeline, shard_labels, plan.target.name));
  if (cancelled) return core::Cancelled("training was cancelled");
  report("boosting trees on shard " + std::to_string(shard.rank + 1) + " of " +
         std::to_string(shard.plan.shards.size()) + " (" + std::to_string(rows.size()) + " rows)");
  auto on_round = [&](int round) {
    if (round_callback) round_callback(round + 1, params.n_estimators);
    return !cancelled;
  };
  AMP_ASSIGN_OR_RETURN(ml::TrainedBooster trained, ml::TrainBoosterShard({x.data(), rows.size(), width}, shard_labels,
                                                                         shard_weights, params, on_round));
  auto model = ml::XgboostModel::Create(SignatureOf(plan, std::move(class_labels)), std::move(pipeline),
                                        std::move(trained.model_ubj), random_forest);
  if (!model.ok()) return core::Internal("the trained booster does not load: " + model.status().message());
  return std::shared_ptr<const ml::Model>(std::move(model).value());
}

}  // namespace

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

core::Result<std::shared_ptr<const ml::Model>> FitLinear(const data::Table& table,
                                                         const std::vector<int>& feature_columns,
                                                         const data::Column& target,
                                                         const std::vector<int64_t>& train_rows, const TrainPlan& plan,
                                                         const ml::FitOptions& options,
                                                         const std::atomic<bool>& cancelled, const Report& report,
                                                         std::vector<std::string>* notes) {
  std::vector<double> design;
  AMP_ASSIGN_OR_RETURN(ml::Pipeline pipeline,
                       FitStandardizedDesign(table, feature_columns, train_rows, options, report, &design));
  std::vector<double> y;
  y.reserve(train_rows.size());
  for (int64_t row_idx : train_rows) y.push_back(target.numbers[static_cast<size_t>(row_idx)]);
  if (cancelled) return core::Cancelled("training was cancelled");

  ml::LinearSolution solution;
  if (plan.elastic_net.alpha > 0.0) {
    report("fitting the elastic net by coordinate descent");
    AMP_ASSIGN_OR_RETURN(ml::ElasticNetSolution fitted,
                         ml::SolveElasticNet(design, static_cast<int64_t>(train_rows.size()), pipeline.EncodedWidth(),
                                             y, plan.elastic_net));
    if (!fitted.converged) {
      notes->push_back("coordinate descent did not converge in " + std::to_string(fitted.iterations) +
                       " sweeps (max_iter); the coefficients are the last sweep's");
    }
    solution = std::move(fitted.solution);
  } else {
    report("solving the least-squares problem");
    AMP_ASSIGN_OR_RETURN(solution, ml::SolveRidge(design, static_cast<int64_t>(train_rows.size()),
                                                  pipeline.EncodedWidth(), y, plan.l2,
                                                  static_cast<size_t>(std::max(plan.threads, 0))));
  }
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
    const ml::FitOptions& options, const std::atomic<bool>& cancelled, const Report& report) {
  std::vector<double> design;
  AMP_ASSIGN_OR_RETURN(ml::Pipeline pipeline,
                       FitStandardizedDesign(table, feature_columns, train_rows, options, report, &design));
  if (cancelled) return core::Cancelled("training was cancelled");

  report("fitting the logistic regression");
  ml::LogisticParams params = plan.logistic;
  if (params.threads == 0) params.threads = plan.threads;
  AMP_ASSIGN_OR_RETURN(ml::LogisticSolution solution,
                       ml::SolveLogistic(design, static_cast<int64_t>(train_rows.size()), pipeline.EncodedWidth(),
                                         train_labels, static_cast<int>(classes.labels.size()), params));
  design.clear();
  design.shrink_to_fit();
  AMP_ASSIGN_OR_RETURN(auto logistic, ml::LogisticModel::Create(SignatureOf(plan, classes.labels), std::move(pipeline),
                                                                std::move(solution)));
  return std::shared_ptr<const ml::Model>(std::move(logistic));
}

// A classifier's labels are `classes`' indices of the rows (train_labels holds those of train_rows, in order).
core::Result<std::shared_ptr<const ml::Model>> FitXgboost(
    const data::Table& table, const std::vector<int>& feature_columns, const data::Column& target,
    const TargetClasses& classes, const std::vector<int32_t>& train_labels, const std::vector<int64_t>& train_rows,
    const TrainPlan& plan, ml::FitOptions options, const std::atomic<bool>& cancelled, const Report& report,
    const RoundCallback& round_callback, std::vector<std::string>* notes, const ShardTraining* shard) {
  report("fitting the preprocessing pipeline");
  // Trees compare values, so numbers stay unscaled; the pipeline sees the whole training part.
  options.scaling = ml::NumberScaling::kNone;
  auto pipeline = ml::Pipeline::Fit(table, feature_columns, train_rows, options);
  if (!pipeline.ok()) return core::FailedPrecondition(pipeline.status().message());
  ml::BoosterParams params = plan.boosting;
  params.seed = plan.seed;
  const bool classifier = ml::IsClassification(plan.task);
  if (classifier) {
    params.objective = classes.labels.size() == 2 ? "binary:logistic" : "multi:softprob";
    params.num_class = static_cast<int>(classes.labels.size());
  }
  const bool random_forest = plan.algorithm == ml::kRandomForestRegressorAlgorithm ||
                             plan.algorithm == ml::kRandomForestClassifierAlgorithm;
  if (params.colsample_bynode == 0.0) {
    // scikit-learn's max_features="sqrt": floor(sqrt(columns)) of the encoded columns tried at each split.
    const int width = pipeline->EncodedWidth();
    const int tried = std::max(1, static_cast<int>(std::floor(std::sqrt(static_cast<double>(width)))));
    // A quarter column over, so XGBoost's share-times-columns gives `tried` whether it truncates or rounds.
    params.colsample_bynode = std::min(1.0, (static_cast<double>(tried) + 0.25) / static_cast<double>(width));
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
  if (shard != nullptr) {
    return FitXgboostShard(table, feature_columns, *shard, plan,
                           classifier ? classes.labels : std::vector<std::string>{}, std::move(pipeline).value(),
                           params, labels_of(train_rows), train_rows, random_forest, cancelled, report, round_callback);
  }
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
  const auto threads = static_cast<size_t>(std::max(options.threads, 0));
  pipeline->EncodeRowMajor(table, feature_columns, boost_rows, &boost_x, threads);
  pipeline->EncodeRowMajor(table, feature_columns, validation_rows, &validation_x, threads);
  const std::vector<float> boost_y = labels_of(boost_rows);
  const std::vector<float> validation_y = labels_of(validation_rows);
  AMP_RETURN_IF_ERROR(CheckFloatRange(boost_x, *pipeline, boost_y, plan.target.name));
  AMP_RETURN_IF_ERROR(CheckFloatRange(validation_x, *pipeline, validation_y, plan.target.name));
  if (cancelled) return core::Cancelled("training was cancelled");

  report(random_forest ? "growing the forest" : "boosting trees");
  const ml::DenseRows validation{validation_x.data(), validation_rows.size(), width};
  const int report_every = std::max(10, params.n_estimators / 20);  // progress is stored: a few times per job
  auto on_round = [&](int round) {
    if (round_callback) round_callback(round + 1, params.n_estimators);
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
                                        std::move(pipeline).value(), std::move(trained.model_ubj), random_forest,
                                        /*leaf_frequencies=*/random_forest && classifier);
  if (!model.ok()) return core::Internal("the trained booster does not load: " + model.status().message());
  return std::shared_ptr<const ml::Model>(std::move(model).value());
}

// k-means on the standardized, one-hot encoded features: every row is usable (there is no target); the holdout
// only measures how well the centres describe unseen rows.
core::Result<TrainingOutcome> TrainClustering(const data::Table& table, const std::vector<int>& feature_columns,
                                              const TrainPlan& plan, const std::atomic<bool>& cancelled,
                                              const Report& report) {
  TrainingOutcome outcome;
  HoldoutSplit split = SplitHoldout(table.row_count(), plan.holdout_fraction, plan.seed);
  const std::vector<int64_t>& train_rows = split.train_rows;
  outcome.train_rows = static_cast<int64_t>(train_rows.size());
  outcome.holdout_rows = static_cast<int64_t>(split.holdout_rows.size());
  if (train_rows.size() < static_cast<size_t>(plan.kmeans.k)) {
    return core::FailedPrecondition("k = " + std::to_string(plan.kmeans.k) + " clusters need at least as many " +
                                    "training rows; there are " + std::to_string(train_rows.size()));
  }
  std::vector<double> design;
  ml::FitOptions options;
  options.threads = plan.threads;
  AMP_ASSIGN_OR_RETURN(ml::Pipeline pipeline,
                       FitStandardizedDesign(table, feature_columns, train_rows, options, report, &design));
  if (cancelled) return core::Cancelled("training was cancelled");
  // The solver reads rows: transpose the column-major design.
  const auto rows = static_cast<int64_t>(train_rows.size());
  const int64_t cols = pipeline.EncodedWidth();
  std::vector<double> row_major(design.size());
  for (int64_t col = 0; col < cols; ++col) {
    for (int64_t row = 0; row < rows; ++row) {
      row_major[static_cast<size_t>(row * cols + col)] = design[static_cast<size_t>(col * rows + row)];
    }
  }
  design.clear();
  design.shrink_to_fit();
  report("clustering (k-means)");
  ml::KMeansParams params = plan.kmeans;
  params.seed = plan.seed;
  auto solution = ml::FitKMeans(row_major, rows, cols, params);
  if (!solution.ok()) return core::FailedPrecondition(solution.status().message());
  ml::ModelSignature signature = SignatureOf(plan);
  AMP_ASSIGN_OR_RETURN(auto model, ml::KMeansModel::Create(std::move(signature), std::move(pipeline),
                                                           std::move(solution->centers),
                                                           std::move(solution->cluster_sizes)));
  outcome.model = model;
  outcome.metrics["inertia"] = solution->inertia;
  outcome.metrics["mean_squared_distance"] = solution->inertia / static_cast<double>(rows);
  outcome.metrics["iterations"] = static_cast<double>(solution->iterations);
  if (!split.holdout_rows.empty()) {
    report("scoring the holdout");
    std::vector<ml::FeatureValue> inputs = RowsAsFeatureValues(table, feature_columns, split.holdout_rows);
    const size_t k = model->ClusterCount();
    std::vector<double> distances(split.holdout_rows.size() * k);
    AMP_RETURN_IF_ERROR(model->PredictDistances(inputs, distances, nullptr));
    double sum = 0.0;
    for (size_t row_idx = 0; row_idx < split.holdout_rows.size(); ++row_idx) {
      const double nearest = *std::min_element(distances.begin() + static_cast<std::ptrdiff_t>(row_idx * k),
                                               distances.begin() + static_cast<std::ptrdiff_t>((row_idx + 1) * k));
      sum += nearest * nearest;
    }
    outcome.metrics["holdout_mean_squared_distance"] = sum / static_cast<double>(split.holdout_rows.size());
  }
  return outcome;
}

}  // namespace amp::training
