// L2-penalized logistic regression with unpenalized intercepts, the objective of scikit-learn's
// LogisticRegression(penalty="l2", C): minimizes C * sum_i s_i * loss_i + ||W||^2 / 2, where loss_i is the log loss
// of row i (binary: one coefficient vector for the second class; multinomial: one per class, softmax) and s_i its
// sample weight (1, or n / (classes * rows of its class) for balanced class weights, as sklearn's "balanced").
// Solved by Newton's method with a backtracking line search (Eigen LDLT on the Hessian), which converges to machine
// precision in about ten steps where L-BFGS stops at a tolerance. A step costs rows x ((cols + 1) x outputs)^2 for
// the Hessian, so very wide one-hot designs with many classes would favour L-BFGS. Copies `x` once (with a column
// of ones). Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace amp::ml {

struct LogisticParams {
  double c = 1.0;            // inverse penalty strength, as sklearn's C; must be > 0 and finite
  bool balanced = false;     // weight rows by n / (classes * rows of their class)
  int max_iterations = 100;  // Newton steps
};

struct LogisticSolution {
  // outputs() rows of `cols` weights (row-major) and one intercept per output. Binary problems have one output (the
  // log-odds of class 1), multinomial ones one per class, with intercepts summing to zero (the softmax is invariant
  // to a common shift; sklearn's L-BFGS, started at zero, keeps that sum at zero too).
  std::vector<double> weights;
  std::vector<double> intercepts;
  int iterations = 0;
  bool converged = false;

  size_t outputs() const { return intercepts.size(); }
};

// `x` is column-major, rows x cols; `labels` holds one class index in [0, class_count) per row. InvalidArgument for
// mismatched sizes, no rows, fewer than 2 classes, a label out of range or a bad parameter; FailedPrecondition if a
// class has no row or the solution is not finite.
core::Result<LogisticSolution> SolveLogistic(std::span<const double> x, int64_t rows, int64_t cols,
                                             std::span<const int32_t> labels, int class_count,
                                             const LogisticParams& params);

}  // namespace amp::ml
