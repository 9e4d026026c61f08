// Ridge least squares with an unpenalized intercept: minimizes ||y - b - Xw||^2 + l2 * ||w||^2, the objective of
// scikit-learn's Ridge (and LinearRegression at l2 = 0). Solved by centring, a tall-skinny QR of [X y] (fixed row
// blocks factored on up to `threads` threads, their R factors stacked: the same objective on a small matrix), then a
// rank-revealing orthogonal decomposition of that (Eigen): the minimum-norm solution when l2 = 0 and X is rank
// deficient, as numpy's lstsq gives. Deterministic for any thread count. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace amp::ml {

struct LinearSolution {
  std::vector<double> weights;
  double intercept = 0.0;
};

// `x` is column-major, rows x cols. InvalidArgument for l2 < 0, mismatched sizes or no rows; FailedPrecondition if
// the solution is not finite (e.g. values so large that the arithmetic overflows). `threads` 0: the hardware's.
core::Result<LinearSolution> SolveRidge(std::span<const double> x, int64_t rows, int64_t cols,
                                        std::span<const double> y, double l2, size_t threads = 0);

}  // namespace amp::ml
