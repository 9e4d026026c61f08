// Fixtures for the Trainer's tests (trainer*_test.cc): a synthetic regression table with a known relationship, the
// plan that trains on it, and one prediction through Model::Predict.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string_view>
#include <vector>

#include "data/table.h"
#include "ml/model.h"
#include "ml/model_codec.h"
#include "training/trainer.h"
#include "training/train_plan.h"

namespace amp::training {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// y = 3 * x1 - 2 * x2 + 5 + effect(cat) + tiny noise, with effect a = 0, b = 4, c = -2.5. The first
// `missing_targets` rows have no target.
inline data::Table SyntheticTable(int64_t rows, int64_t missing_targets, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-10.0, 10.0);
  std::normal_distribution<double> normal(0.0, 5.0);
  std::normal_distribution<double> noise(0.0, 1e-3);
  const std::vector<double> effects = {0.0, 4.0, -2.5};
  data::Column y{"y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x2{"x2", data::ColumnType::kInteger, {}, {}, {}};
  data::Column cat{"cat", data::ColumnType::kCategorical, {}, {}, {"b", "a", "c"}};
  const std::vector<size_t> effect_of_code = {1, 0, 2};  // dictionary order b, a, c
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double v1 = uniform(rng);
    const double v2 = std::round(normal(rng));
    const auto code = static_cast<int32_t>(rng() % 3);
    x1.numbers.push_back(v1);
    x2.numbers.push_back(v2);
    cat.codes.push_back(code);
    const double target = 3.0 * v1 - 2.0 * v2 + 5.0 + effects[effect_of_code[static_cast<size_t>(code)]] + noise(rng);
    y.numbers.push_back(row_idx < missing_targets ? kNaN : target);
  }
  return data::Table(rows, {y, x1, x2, cat});
}

inline TrainPlan SyntheticPlan() {
  TrainPlan plan;
  plan.algorithm = "linear_regression";
  plan.target = {"y", data::ColumnType::kNumeric};
  plan.features = {
      {"x1", data::ColumnType::kNumeric}, {"x2", data::ColumnType::kInteger}, {"cat", data::ColumnType::kCategorical}};
  return plan;
}

inline double PredictOne(const ml::Model& model, double x1, double x2, std::string_view cat) {
  const std::vector<ml::FeatureValue> row = {ml::FeatureValue::Number(x1), ml::FeatureValue::Number(x2),
                                             ml::FeatureValue::Text(cat)};
  std::vector<double> out(1);
  EXPECT_TRUE(model.Predict(row, out, nullptr).ok());
  return out[0];
}

// Trains `plan` on `table` twice and with seed 43: the same seed gives the same model bytes, metrics and notes,
// another seed (another holdout split, other sampling) another model.
inline void ExpectSeededAndDeterministic(const data::Table& table, const TrainPlan& plan) {
  std::atomic<bool> cancelled{false};
  core::Result<TrainingOutcome> first = TrainModel(table, plan, cancelled);
  core::Result<TrainingOutcome> second = TrainModel(table, plan, cancelled);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ml::SerializeModel(*first->model), ml::SerializeModel(*second->model));
  EXPECT_EQ(first->metrics, second->metrics);
  EXPECT_EQ(first->notes, second->notes);
  TrainPlan reseeded = plan;
  reseeded.seed = 43;
  core::Result<TrainingOutcome> third = TrainModel(table, reseeded, cancelled);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_NE(ml::SerializeModel(*third->model), ml::SerializeModel(*first->model));
}

}  // namespace amp::training
