// BoosterMatrix::QuantileFromDense, the matrix TrainBooster trains on, against FromDense's plain DMatrix.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ml/xgboost/booster.h"

namespace amp::ml {
namespace {

// Trains `rounds` rounds of depth-3 regression trees on `matrix` and returns the model's UBJSON bytes.
std::string TrainOn(const BoosterMatrix& matrix, int rounds) {
  const BoosterMatrix* cache[] = {&matrix};
  core::Result<Booster> booster = Booster::Create(cache);
  EXPECT_TRUE(booster.ok()) << booster.status().ToString();
  if (!booster.ok()) return "";
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"tree_method", "hist"}, {"max_depth", "3"}, {"nthread", "1"}, {"seed", "7"}}) {
    EXPECT_TRUE(booster->SetParam(name, value).ok());
  }
  for (int round = 0; round < rounds; ++round) EXPECT_TRUE(booster->UpdateOneIter(round, matrix).ok());
  core::Result<std::string> saved = booster->Save("ubj");
  EXPECT_TRUE(saved.ok());
  return saved.ok() ? *saved : "";
}

// 500 rows x 4 columns of values on a grid of 50 (fewer distinct values than bins, so every cut is exact), some NaN.
std::vector<float> GridRows(std::vector<float>* labels) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> grid(0, 49);
  std::vector<float> rows;
  for (int row = 0; row < 500; ++row) {
    float sum = 0.0f;
    for (int column = 0; column < 4; ++column) {
      const float value = static_cast<float>(grid(rng)) / 10.0f;
      const bool missing = (row * 4 + column) % 37 == 0;
      rows.push_back(missing ? std::numeric_limits<float>::quiet_NaN() : value);
      sum += missing ? 0.0f : value * static_cast<float>(column + 1);
    }
    labels->push_back(sum);
  }
  return rows;
}

TEST(BoosterMatrixTest, QuantileMatrixTrainsTheModelThePlainMatrixDoes) {
  std::vector<float> labels;
  const std::vector<float> rows = GridRows(&labels);
  const DenseRows dense{rows.data(), labels.size(), 4};
  core::Result<BoosterMatrix> plain = BoosterMatrix::FromDense(dense, 1);
  core::Result<BoosterMatrix> quantile = BoosterMatrix::QuantileFromDense(dense, labels, {}, 2, nullptr);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_TRUE(quantile.ok()) << quantile.status().ToString();
  ASSERT_TRUE(plain->SetLabels(labels).ok());
  const std::string from_plain = TrainOn(*plain, 5);
  ASSERT_FALSE(from_plain.empty());
  EXPECT_EQ(TrainOn(*quantile, 5), from_plain);

  // An evaluation matrix sketched against the training one's bins.
  core::Result<BoosterMatrix> evaluation = BoosterMatrix::QuantileFromDense(
      {rows.data(), 100, 4}, std::span<const float>(labels).first(100), {}, 1, &*quantile);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
}

TEST(BoosterMatrixTest, QuantileMatrixSketchesWithTheSampleWeights) {
  // 3000 distinct values per column, more than the 256 bins: the cuts are weighted quantiles, so a matrix sketched
  // before its weights were known would cut elsewhere and grow other trees.
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> rows, labels, weights;
  for (int row = 0; row < 3000; ++row) {
    const float a = uniform(rng), b = uniform(rng);
    rows.push_back(a);
    rows.push_back(b);
    labels.push_back(a * a + (b > 0.7f ? 1.0f : 0.0f));
    weights.push_back(a < 0.2f ? 20.0f : 1.0f);
  }
  const DenseRows dense{rows.data(), labels.size(), 2};
  core::Result<BoosterMatrix> plain = BoosterMatrix::FromDense(dense, 1);
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(plain->SetLabels(labels).ok());
  ASSERT_TRUE(plain->SetWeights(weights).ok());
  core::Result<BoosterMatrix> weighted = BoosterMatrix::QuantileFromDense(dense, labels, weights, 1, nullptr);
  core::Result<BoosterMatrix> unweighted = BoosterMatrix::QuantileFromDense(dense, labels, {}, 1, nullptr);
  ASSERT_TRUE(weighted.ok() && unweighted.ok());
  ASSERT_TRUE(unweighted->SetWeights(weights).ok());  // the same weights in training, set after the sketch
  const std::string from_plain = TrainOn(*plain, 3);
  EXPECT_EQ(TrainOn(*weighted, 3), from_plain);
  EXPECT_NE(TrainOn(*unweighted, 3), from_plain);
}

TEST(BoosterMatrixTest, QuantileMatrixRefusesInfinityWithXgboostsReason) {
  std::vector<float> rows = {1.0f, 2.0f, std::numeric_limits<float>::infinity(), 4.0f};
  const std::vector<float> labels = {0.0f, 1.0f};
  core::Result<BoosterMatrix> matrix = BoosterMatrix::QuantileFromDense({rows.data(), 2, 2}, labels, {}, 1, nullptr);
  ASSERT_FALSE(matrix.ok());
  EXPECT_NE(matrix.status().message().find("XGQuantileDMatrixCreateFromCallback"), std::string::npos)
      << matrix.status().ToString();
}

}  // namespace
}  // namespace amp::ml
