// Lasso and elastic-net least squares with an unpenalized intercept, the objective of scikit-learn's
// ElasticNet(alpha, l1_ratio) (Lasso(alpha) at l1_ratio = 1): minimizes
//   1 / (2 n) ||y - b - Xw||^2 + alpha * l1_ratio * ||w||_1 + alpha * (1 - l1_ratio) / 2 * ||w||^2.
// Solved by cyclic coordinate descent on the centred data as sklearn's enet_coordinate_descent does (same update
// order, same stop: after a sweep whose largest coefficient change is below tol times the largest coefficient, the
// duality gap must be below tol * ||y - mean(y)||^2), but on the Gram matrix X'X (cols x cols, formed once), so a
// sweep costs cols^2 instead of rows x cols: the same fixed point, far cheaper when rows >> cols. Pure function;
// thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "ml/linear/ridge_solver.h"

namespace amp::ml {

struct ElasticNetParams {
  double alpha = 0.0;     // overall penalty strength; > 0 for this solver
  double l1_ratio = 0.5;  // share of the L1 part, in [0, 1]
  int max_iterations = 1000;  // coordinate sweeps
  double tolerance = 1e-4;
};

struct ElasticNetSolution {
  LinearSolution solution;
  int iterations = 0;
  bool converged = false;  // the duality gap fell below the tolerance within max_iterations
};

// `x` is column-major, rows x cols. InvalidArgument for alpha <= 0, l1_ratio outside [0, 1], max_iterations < 1,
// tolerance <= 0, mismatched sizes or no rows; FailedPrecondition if the solution is not finite.
core::Result<ElasticNetSolution> SolveElasticNet(std::span<const double> x, int64_t rows, int64_t cols,
                                                 std::span<const double> y, const ElasticNetParams& params);

}  // namespace amp::ml
