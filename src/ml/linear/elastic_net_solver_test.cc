#include "ml/linear/elastic_net_solver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace amp::ml {
namespace {

// Column-major x (rows x 3) with y = 2 x0 - x1 + 0 x2 + 3 + noise.
void MakeData(int64_t rows, std::vector<double>* x, std::vector<double>* y) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  x->assign(static_cast<size_t>(rows * 3), 0.0);
  y->assign(static_cast<size_t>(rows), 0.0);
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t col = 0; col < 3; ++col) (*x)[static_cast<size_t>(col * rows + row)] = normal(rng);
    (*y)[static_cast<size_t>(row)] = 2.0 * (*x)[static_cast<size_t>(row)] - (*x)[static_cast<size_t>(rows + row)] +
                                     3.0 + 0.1 * normal(rng);
  }
}

TEST(ElasticNetSolverTest, TinyPenaltyApproachesLeastSquares) {
  std::vector<double> x, y;
  MakeData(400, &x, &y);
  ElasticNetParams params;
  params.alpha = 1e-8;
  params.l1_ratio = 1.0;
  params.tolerance = 1e-12;
  core::Result<ElasticNetSolution> enet = SolveElasticNet(x, 400, 3, y, params);
  ASSERT_TRUE(enet.ok()) << enet.status().ToString();
  core::Result<LinearSolution> ols = SolveRidge(x, 400, 3, y, 0.0);
  ASSERT_TRUE(ols.ok());
  EXPECT_TRUE(enet->converged);
  for (size_t col = 0; col < 3; ++col) EXPECT_NEAR(enet->solution.weights[col], ols->weights[col], 1e-6);
  EXPECT_NEAR(enet->solution.intercept, ols->intercept, 1e-6);
}

TEST(ElasticNetSolverTest, LassoZeroesTheIrrelevantColumnAndAHugePenaltyZeroesAll) {
  std::vector<double> x, y;
  MakeData(400, &x, &y);
  ElasticNetParams params;
  params.alpha = 0.1;
  params.l1_ratio = 1.0;
  core::Result<ElasticNetSolution> lasso = SolveElasticNet(x, 400, 3, y, params);
  ASSERT_TRUE(lasso.ok());
  EXPECT_EQ(lasso->solution.weights[2], 0.0);
  EXPECT_GT(lasso->solution.weights[0], 1.5);
  params.alpha = 1e6;
  lasso = SolveElasticNet(x, 400, 3, y, params);
  ASSERT_TRUE(lasso.ok());
  for (double weight : lasso->solution.weights) EXPECT_EQ(weight, 0.0);
  // All weights zero: the intercept is the mean of y.
  double mean = 0.0;
  for (double value : y) mean += value / 400.0;
  EXPECT_NEAR(lasso->solution.intercept, mean, 1e-12);
}

TEST(ElasticNetSolverTest, RefusesBadParameters) {
  std::vector<double> x, y;
  MakeData(10, &x, &y);
  ElasticNetParams params;
  EXPECT_EQ(SolveElasticNet(x, 10, 3, y, params).status().code(), core::StatusCode::kInvalidArgument);  // alpha 0
  params.alpha = 1.0;
  params.l1_ratio = 1.5;
  EXPECT_EQ(SolveElasticNet(x, 10, 3, y, params).status().code(), core::StatusCode::kInvalidArgument);
  params.l1_ratio = 0.5;
  EXPECT_EQ(SolveElasticNet(x, 10, 2, y, params).status().code(), core::StatusCode::kInvalidArgument);  // sizes
  EXPECT_TRUE(SolveElasticNet(x, 10, 3, y, params).ok());
}

}  // namespace
}  // namespace amp::ml
