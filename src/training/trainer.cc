#include "training/trainer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "ml/kmeans/kmeans_model.h"
#include "ml/kmeans/kmeans_solver.h"
#include "ml/linear/elastic_net_solver.h"
#include "ml/linear/linear_model.h"
#include "ml/linear/ridge_solver.h"
#include "ml/logistic/logistic_model.h"
#include "ml/logistic/logistic_solver.h"
#include "ml/pipeline.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"
#include "monitoring/training_profile.h"
#include "training/classification_metrics.h"
#include "training/evaluation_curves.h"
#include "training/cross_validation.h"
#include "training/data_checks.h"
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
                                                 const std::vector<int64_t>& train_rows, ml::FitOptions options,
                                                 const Report& report, std::vector<double>* design) {
  report("fitting the preprocessing pipeline");
  options.scaling = ml::NumberScaling::kStandardize;
  auto pipeline = ml::Pipeline::Fit(table, feature_columns, train_rows, options);
  if (!pipeline.ok()) return core::FailedPrecondition(pipeline.status().message());
  pipeline->Encode(table, feature_columns, train_rows, design);
  return pipeline;
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
                                                  pipeline.EncodedWidth(), y, plan.l2));
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
  pipeline.EncodeRowMajor(table, feature_columns, rows, &x);
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
  pipeline->EncodeRowMajor(table, feature_columns, boost_rows, &boost_x);
  pipeline->EncodeRowMajor(table, feature_columns, validation_rows, &validation_x);
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
  AMP_ASSIGN_OR_RETURN(ml::Pipeline pipeline,
                       FitStandardizedDesign(table, feature_columns, train_rows, ml::FitOptions{}, report, &design));
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

// The pipeline options the plan's roles and the training part call for: date parts for date features, and a
// missing-value indicator for number-like and date features whose missingness MissingnessIsInformative (on the
// training rows). Records the indicators in `cleaning`.
ml::FitOptions PrepareFeatures(const data::Table& table, const std::vector<int>& feature_columns,
                               const data::Column& target, const TrainPlan& plan,
                               const std::vector<int64_t>& train_rows, const std::vector<int32_t>& train_labels,
                               const TargetClasses& classes, data::CleaningReport* cleaning) {
  ml::FitOptions options;
  std::vector<double> train_target;
  if (!ml::IsClassification(plan.task)) {
    for (int64_t row_idx : train_rows) train_target.push_back(target.numbers[static_cast<size_t>(row_idx)]);
  }
  std::vector<bool> missing_flags;
  for (size_t feature_idx = 0; feature_idx < feature_columns.size(); ++feature_idx) {
    const data::Column& column = table.column(static_cast<size_t>(feature_columns[feature_idx]));
    ml::FeatureOptions feature;
    const data::ColumnRole role =
        feature_idx < plan.feature_roles.size() ? plan.feature_roles[feature_idx] : data::ColumnRole::kNumeric;
    feature.date = role == data::ColumnRole::kDateTime && !data::IsNumberLike(column.type);
    if (feature.date || data::IsNumberLike(column.type)) {
      missing_flags.clear();
      for (int64_t row_idx : train_rows) missing_flags.push_back(column.IsMissing(row_idx));
      // std::vector<bool> is packed, so the flags are copied into bools the span can view.
      std::unique_ptr<bool[]> flags(new bool[missing_flags.size()]);
      for (size_t idx = 0; idx < missing_flags.size(); ++idx) flags[idx] = missing_flags[idx];
      std::span<const bool> missing(flags.get(), missing_flags.size());
      feature.missing_indicator =
          ml::IsClassification(plan.task)
              ? MissingnessIsInformative(missing, train_labels, static_cast<int>(classes.labels.size()))
              : MissingnessIsInformative(missing, train_target);
      if (feature.missing_indicator) cleaning->missing_indicators.push_back(column.name);
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
      if (std::find(keep.begin(), keep.end(), false) != keep.end()) cleaning->other_buckets.push_back(column.name);
    }
    options.features.push_back(feature);
  }
  return options;
}

// The dataset-level findings over the usable rows: duplicates, leaks, outliers, and the plan's column roles.
void ReportFindings(const data::Table& table, const std::vector<int>& feature_columns, const data::Column& target,
                    const TrainPlan& plan, const std::vector<int64_t>& usable_rows, const TargetClasses& classes,
                    data::CleaningReport* cleaning) {
  cleaning->has_target = true;
  cleaning->target = plan.target.name;
  cleaning->rows = table.row_count();
  cleaning->columns = plan.columns;
  cleaning->duplicate_rows = CountDuplicateRows(table);
  for (int column_idx : feature_columns) {
    const data::Column& column = table.column(static_cast<size_t>(column_idx));
    if (auto leak = FindLeak(column, target, plan.task, usable_rows, classes.row_classes)) {
      cleaning->leaks.push_back(*leak);
    }
    if (auto outliers = FindOutliers(column, usable_rows)) cleaning->outliers.push_back(*outliers);
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
  ml::FitOptions options;          // how the pipeline encodes each feature (date parts, missing indicators)
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
      *curves_json =
          EvaluationCurvesToJson(ClassificationCurves(labels, probabilities, prepared.classes.labels));
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
