// L2-penalized logistic regression with unpenalized intercepts, the objective of scikit-learn's
// LogisticRegression(penalty="l2", C): minimizes C * sum_i s_i * loss_i + ||W||^2 / 2, where loss_i is the log loss
// of row i (binary: one coefficient vector for the second class; multinomial: one per class, softmax) and s_i its
// sample weight (1, or n / (classes * rows of its class) for balanced class weights, as sklearn's "balanced").
// Solved by Newton's method with a backtracking line search (Eigen LDLT on the Hessian), which reaches the optimum
// in about ten steps and stops when a step is below `tolerance` (then within about its square of the optimum, far
// tighter than L-BFGS at the same tolerance). Each step is one pass over the rows in blocks of 4096 that stay in
// cache: the objective, gradient and Hessian (a symmetric rank update per block) of the line search's trial point
// together, so an accepted full step costs no second pass. A pass costs rows x ((cols + 1) x outputs)^2 for the
// Hessian, so very wide one-hot designs with many classes would favour L-BFGS. The rows are cut into at most 8 fixed
// chunks run on `threads` threads and summed in chunk order: deterministic for any thread count. Reads `x` in place.
// Pure function; thread-safe.
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
  // Stop when the Newton step's largest component (a coefficient of the standardized design) is at most this; that
  // last step is taken, and Newton's quadratic convergence leaves the result within about tolerance^2 of the optimum.
  double tolerance = 1e-4;
  // Threads for the passes over the rows (0: the hardware's); the result is the same bits for any count.
  int threads = 0;
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
