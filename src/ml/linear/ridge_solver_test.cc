#include "ml/linear/ridge_solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace amp::ml {
namespace {

using ::testing::IsEmpty;

// A column-major random design matrix.
std::vector<double> RandomMatrix(int64_t rows, int64_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(static_cast<size_t>(rows * cols));
  for (size_t col = 0; col < static_cast<size_t>(cols); ++col) {
    // Different scales and offsets per column, so centring matters.
    const double scale = 1.0 + static_cast<double>(col);
    const double offset = 10.0 * static_cast<double>(col) - 5.0;
    for (size_t row = 0; row < static_cast<size_t>(rows); ++row) {
      x[col * static_cast<size_t>(rows) + row] = offset + scale * normal(rng);
    }
  }
  return x;
}

std::vector<double> LinearTarget(const std::vector<double>& x, int64_t rows, const std::vector<double>& weights,
                                 double intercept) {
  std::vector<double> y(static_cast<size_t>(rows), intercept);
  for (size_t col = 0; col < weights.size(); ++col) {
    for (size_t row = 0; row < static_cast<size_t>(rows); ++row) {
      y[row] += weights[col] * x[col * static_cast<size_t>(rows) + row];
    }
  }
  return y;
}

void ExpectRelativelyNear(double got, double want, double tolerance, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), tolerance * std::max(1.0, std::fabs(want)))
      << what << ": got " << got << ", want " << want;
}

TEST(RidgeSolverTest, RecoversExactWeightsOnNoiselessData) {
  const int64_t rows = 60;
  const std::vector<double> want_weights = {1.5, -2.0, 0.25, 1e-3};
  const double want_intercept = 3.0;
  const std::vector<double> x = RandomMatrix(rows, 4, 1);
  const std::vector<double> y = LinearTarget(x, rows, want_weights, want_intercept);

  core::Result<LinearSolution> solution = SolveRidge(x, rows, 4, y, 0.0);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  ASSERT_EQ(solution->weights.size(), 4u);
  for (size_t col = 0; col < 4; ++col) {
    ExpectRelativelyNear(solution->weights[col], want_weights[col], 1e-10, "weight " + std::to_string(col));
  }
  ExpectRelativelyNear(solution->intercept, want_intercept, 1e-10, "intercept");
}

TEST(RidgeSolverTest, ExactFitWithAsManyRowsAsNeeded) {
  // Two points determine a line exactly.
  const std::vector<double> x = {1.0, 3.0};
  const std::vector<double> y = {5.0, 11.0};  // y = 3x + 2
  core::Result<LinearSolution> solution = SolveRidge(x, 2, 1, y, 0.0);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  EXPECT_NEAR(solution->weights[0], 3.0, 1e-12);
  EXPECT_NEAR(solution->intercept, 2.0, 1e-12);
}

// (Xc^T Xc + l2 I)^-1 Xc^T yc on centred data, and the intercept that goes with it, straight from the formula.
LinearSolution ClosedFormRidge(const std::vector<double>& x, int64_t rows, int64_t cols, const std::vector<double>& y,
                               double l2) {
  Eigen::Map<const Eigen::MatrixXd> x_map(x.data(), rows, cols);
  Eigen::Map<const Eigen::VectorXd> y_map(y.data(), rows);
  const Eigen::RowVectorXd x_mean = x_map.colwise().mean();
  const double y_mean = y_map.mean();
  const Eigen::MatrixXd centred = x_map.rowwise() - x_mean;
  const Eigen::VectorXd target = y_map.array() - y_mean;
  const Eigen::MatrixXd gram = centred.transpose() * centred + l2 * Eigen::MatrixXd::Identity(cols, cols);
  const Eigen::VectorXd weights = gram.ldlt().solve(centred.transpose() * target);
  LinearSolution solution;
  solution.weights.assign(weights.data(), weights.data() + cols);
  solution.intercept = y_mean - x_mean.dot(weights);
  return solution;
}

TEST(RidgeSolverTest, PenalizedSolutionMatchesClosedForm) {
  const int64_t rows = 80;
  const int64_t cols = 5;
  const std::vector<double> x = RandomMatrix(rows, cols, 2);
  std::vector<double> y = LinearTarget(x, rows, {2.0, -1.0, 0.5, 0.0, 4.0}, -7.0);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 0.5);
  for (double& value : y) value += noise(rng);

  for (double l2 : {1e-6, 0.1, 1.0, 10.0, 1000.0, 1e6}) {
    SCOPED_TRACE("l2 = " + std::to_string(l2));
    core::Result<LinearSolution> solution = SolveRidge(x, rows, cols, y, l2);
    ASSERT_TRUE(solution.ok()) << solution.status().ToString();
    const LinearSolution want = ClosedFormRidge(x, rows, cols, y, l2);
    ASSERT_EQ(solution->weights.size(), want.weights.size());
    for (size_t col = 0; col < want.weights.size(); ++col) {
      ExpectRelativelyNear(solution->weights[col], want.weights[col], 1e-9, "weight " + std::to_string(col));
    }
    ExpectRelativelyNear(solution->intercept, want.intercept, 1e-9, "intercept");
  }
}

TEST(RidgeSolverTest, PenaltyShrinksTowardsZeroButNotTheIntercept) {
  const int64_t rows = 40;
  const std::vector<double> x = RandomMatrix(rows, 2, 4);
  const std::vector<double> y = LinearTarget(x, rows, {3.0, -3.0}, 100.0);
  double previous_norm = std::numeric_limits<double>::infinity();
  double y_mean = 0.0;
  for (double value : y) y_mean += value / rows;
  for (double l2 : {0.0, 1.0, 100.0, 1e12}) {
    core::Result<LinearSolution> solution = SolveRidge(x, rows, 2, y, l2);
    ASSERT_TRUE(solution.ok()) << solution.status().ToString();
    const double norm = std::hypot(solution->weights[0], solution->weights[1]);
    EXPECT_LT(norm, previous_norm) << "l2 = " << l2;
    previous_norm = norm;
    if (l2 == 1e12) {
      EXPECT_LT(norm, 1e-6);
      EXPECT_NEAR(solution->intercept, y_mean, 1e-6);  // the intercept is not penalized
    }
  }
}

TEST(RidgeSolverTest, DuplicatedColumnGetsTheMinimumNormSplit) {
  // Columns 0 and 1 are identical: any w0 + w1 = 4 fits; the minimum-norm solution splits it equally.
  const int64_t rows = 30;
  std::vector<double> base = RandomMatrix(rows, 2, 5);
  std::vector<double> x(base.begin(), base.begin() + rows);  // column a
  x.insert(x.end(), base.begin(), base.begin() + rows);      // column a again
  x.insert(x.end(), base.begin() + rows, base.end());        // column b
  const std::vector<double> y = LinearTarget(x, rows, {1.0, 3.0, -2.0}, 0.5);

  core::Result<LinearSolution> solution = SolveRidge(x, rows, 3, y, 0.0);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  EXPECT_NEAR(solution->weights[0], 2.0, 1e-9);
  EXPECT_NEAR(solution->weights[1], 2.0, 1e-9);
  EXPECT_NEAR(solution->weights[2], -2.0, 1e-9);
  EXPECT_NEAR(solution->intercept, 0.5, 1e-9);
}

// Tables this large are factored in row blocks on several threads: the answer must still be the closed form's, the
// minimum-norm split for a duplicated column, and the exact weights on noiseless data.
TEST(RidgeSolverTest, LargeTablesSolvedInBlocksMatchTheClosedForm) {
  const int64_t rows = 50'003;  // row blocks of unequal size
  const int64_t cols = 6;
  std::vector<double> x = RandomMatrix(rows, cols, 21);
  std::vector<double> y = LinearTarget(x, rows, {2.0, -1.0, 0.5, 0.0, 4.0, -3.0}, 11.0);
  std::mt19937_64 rng(22);
  std::normal_distribution<double> noise(0.0, 2.0);
  for (double& value : y) value += noise(rng);
  for (double l2 : {0.0, 1.0, 1000.0}) {
    SCOPED_TRACE("l2 = " + std::to_string(l2));
    core::Result<LinearSolution> solution = SolveRidge(x, rows, cols, y, l2);
    ASSERT_TRUE(solution.ok()) << solution.status().ToString();
    const LinearSolution want = ClosedFormRidge(x, rows, cols, y, l2);
    for (size_t col = 0; col < want.weights.size(); ++col) {
      ExpectRelativelyNear(solution->weights[col], want.weights[col], 1e-9, "weight " + std::to_string(col));
    }
    ExpectRelativelyNear(solution->intercept, want.intercept, 1e-9, "intercept");
    // The same bits on one thread: the row blocks are fixed, not one per thread.
    core::Result<LinearSolution> one_thread = SolveRidge(x, rows, cols, y, l2, 1);
    ASSERT_TRUE(one_thread.ok()) << one_thread.status().ToString();
    EXPECT_EQ(one_thread->weights, solution->weights);
    EXPECT_EQ(one_thread->intercept, solution->intercept);
  }
  // Column 1 repeats column 0 and the target has no noise: w0 + w1 = 4 splits equally.
  std::copy(x.begin(), x.begin() + rows, x.begin() + rows);
  y = LinearTarget(x, rows, {1.0, 3.0, 0.5, 0.0, 4.0, -3.0}, 11.0);
  core::Result<LinearSolution> split = SolveRidge(x, rows, cols, y, 0.0);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_NEAR(split->weights[0], 2.0, 1e-8);
  EXPECT_NEAR(split->weights[1], 2.0, 1e-8);
  EXPECT_NEAR(split->weights[2], 0.5, 1e-8);
  EXPECT_NEAR(split->weights[5], -3.0, 1e-8);
  EXPECT_NEAR(split->intercept, 11.0, 1e-7);
}

TEST(RidgeSolverTest, ConstantColumnGetsZeroWeight) {
  // After centring a constant column is all zeros; the minimum-norm solution gives it no weight.
  const int64_t rows = 20;
  std::vector<double> x = RandomMatrix(rows, 1, 6);
  x.insert(x.end(), static_cast<size_t>(rows), 42.0);
  const std::vector<double> y = LinearTarget(x, rows, {2.5, 0.0}, 1.0);
  core::Result<LinearSolution> solution = SolveRidge(x, rows, 2, y, 0.0);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  EXPECT_NEAR(solution->weights[0], 2.5, 1e-10);
  EXPECT_EQ(solution->weights[1], 0.0);
  EXPECT_NEAR(solution->intercept, 1.0, 1e-9);
}

TEST(RidgeSolverTest, MoreColumnsThanRowsGivesThePseudoInverseSolution) {
  const int64_t rows = 4;
  const int64_t cols = 7;
  const std::vector<double> x = RandomMatrix(rows, cols, 7);
  const std::vector<double> y = {1.0, -2.0, 0.5, 3.0};
  core::Result<LinearSolution> solution = SolveRidge(x, rows, cols, y, 0.0);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();

  // numpy's lstsq on the centred data: pinv(Xc) yc, computed here by SVD.
  Eigen::Map<const Eigen::MatrixXd> x_map(x.data(), rows, cols);
  Eigen::Map<const Eigen::VectorXd> y_map(y.data(), rows);
  const Eigen::RowVectorXd x_mean = x_map.colwise().mean();
  const Eigen::MatrixXd centred = x_map.rowwise() - x_mean;
  const Eigen::VectorXd target = y_map.array() - y_map.mean();
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinU | Eigen::ComputeThinV);
  svd.setThreshold(1e-10);
  const Eigen::VectorXd want = svd.solve(target);
  for (int64_t col = 0; col < cols; ++col) {
    EXPECT_NEAR(solution->weights[static_cast<size_t>(col)], want(col), 1e-9) << "weight " << col;
  }
  EXPECT_NEAR(solution->intercept, y_map.mean() - x_mean.dot(want), 1e-9);
  // And it interpolates the training points.
  for (int64_t row = 0; row < rows; ++row) {
    double predicted = solution->intercept;
    for (int64_t col = 0; col < cols; ++col) {
      predicted += solution->weights[static_cast<size_t>(col)] * x[static_cast<size_t>(col * rows + row)];
    }
    EXPECT_NEAR(predicted, y[static_cast<size_t>(row)], 1e-9) << "row " << row;
  }
}

TEST(RidgeSolverTest, ZeroColumnsGivesTheMeanAsIntercept) {
  const std::vector<double> y = {1.0, 2.0, 6.0};
  for (double l2 : {0.0, 5.0}) {
    core::Result<LinearSolution> solution = SolveRidge(std::vector<double>{}, 3, 0, y, l2);
    ASSERT_TRUE(solution.ok()) << solution.status().ToString();
    EXPECT_THAT(solution->weights, IsEmpty());
    EXPECT_DOUBLE_EQ(solution->intercept, 3.0);
  }
}

TEST(RidgeSolverTest, SingleRow) {
  // One row: centred data is all zeros, so the weights are zero and the intercept is the target.
  const std::vector<double> x = {5.0, -1.0};
  const std::vector<double> y = {9.0};
  core::Result<LinearSolution> solution = SolveRidge(x, 1, 2, y, 0.0);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  EXPECT_EQ(solution->weights[0], 0.0);
  EXPECT_EQ(solution->weights[1], 0.0);
  EXPECT_EQ(solution->intercept, 9.0);
}

TEST(RidgeSolverTest, Errors) {
  const std::vector<double> x6(6, 1.0);
  const std::vector<double> y3 = {1.0, 2.0, 3.0};
  const std::vector<double> y2 = {1.0, 2.0};
  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Case {
    std::string name;
    const std::vector<double>* x;
    int64_t rows;
    int64_t cols;
    const std::vector<double>* y;
    double l2;
  };
  const std::vector<Case> cases = {
      {"negative l2", &x6, 3, 2, &y3, -1.0},
      {"tiny negative l2", &x6, 3, 2, &y3, -1e-300},
      {"NaN l2", &x6, 3, 2, &y3, std::numeric_limits<double>::quiet_NaN()},
      {"infinite l2", &x6, 3, 2, &y3, kInf},
      {"x too small for rows x cols", &x6, 3, 3, &y3, 0.0},
      {"x too large for rows x cols", &x6, 3, 1, &y3, 0.0},
      {"y shorter than rows", &x6, 3, 2, &y2, 0.0},
      {"y longer than rows", &x6, 2, 3, &y3, 0.0},
      {"zero rows", &x6, 0, 2, &y3, 0.0},
      {"negative rows", &x6, -3, -2, &y3, 0.0},
      {"negative cols", &x6, 3, -2, &y3, 0.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<LinearSolution> solution = SolveRidge(*c.x, c.rows, c.cols, *c.y, c.l2);
    ASSERT_FALSE(solution.ok());
    EXPECT_EQ(solution.status().code(), core::StatusCode::kInvalidArgument);
  }
  core::Result<LinearSolution> no_rows = SolveRidge(std::vector<double>{}, 0, 0, std::vector<double>{}, 0.0);
  ASSERT_FALSE(no_rows.ok());
  EXPECT_EQ(no_rows.status().code(), core::StatusCode::kInvalidArgument);
}

TEST(RidgeSolverTest, OverflowIsFailedPrecondition) {
  // The target's mean overflows: the solution cannot be finite.
  const std::vector<double> x = {1.0, 2.0};
  const std::vector<double> y = {1.7e308, 1.7e308};
  core::Result<LinearSolution> solution = SolveRidge(x, 2, 1, y, 0.0);
  ASSERT_FALSE(solution.ok());
  EXPECT_EQ(solution.status().code(), core::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace amp::ml
