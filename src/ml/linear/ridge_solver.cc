#include "ml/linear/ridge_solver.h"

#include <Eigen/Dense>
#include <cmath>

namespace amp::ml {

core::Result<LinearSolution> SolveRidge(std::span<const double> x, int64_t rows, int64_t cols,
                                        std::span<const double> y, double l2) {
  if (rows <= 0) return core::InvalidArgument("no rows to fit");
  if (cols < 0 || static_cast<int64_t>(x.size()) != rows * cols || static_cast<int64_t>(y.size()) != rows) {
    return core::InvalidArgument("design matrix and target sizes disagree");
  }
  if (!(l2 >= 0.0) || !std::isfinite(l2)) return core::InvalidArgument("l2 must be a finite number >= 0");

  Eigen::Map<const Eigen::MatrixXd> x_map(x.data(), rows, cols);
  Eigen::Map<const Eigen::VectorXd> y_map(y.data(), rows);
  const Eigen::RowVectorXd x_mean = x_map.colwise().mean();
  const double y_mean = y_map.mean();

  LinearSolution solution;
  solution.weights.assign(static_cast<size_t>(cols), 0.0);
  if (cols > 0) {
    Eigen::VectorXd weights;
    if (l2 == 0.0) {
      Eigen::MatrixXd centred = x_map.rowwise() - x_mean;
      Eigen::VectorXd target = y_map.array() - y_mean;
      weights = centred.completeOrthogonalDecomposition().solve(target);
    } else {
      // Augmented least squares [Xc; sqrt(l2) I] w = [yc; 0]: as accurate as QR, no normal equations.
      Eigen::MatrixXd augmented(rows + cols, cols);
      augmented.topRows(rows) = x_map.rowwise() - x_mean;
      augmented.bottomRows(cols) = Eigen::MatrixXd::Identity(cols, cols) * std::sqrt(l2);
      Eigen::VectorXd target = Eigen::VectorXd::Zero(rows + cols);
      target.head(rows) = y_map.array() - y_mean;
      weights = augmented.colPivHouseholderQr().solve(target);
    }
    for (int64_t col = 0; col < cols; ++col) solution.weights[static_cast<size_t>(col)] = weights(col);
    solution.intercept = y_mean - x_mean.dot(weights);
  } else {
    solution.intercept = y_mean;
  }
  if (!std::isfinite(solution.intercept)) {
    return core::FailedPrecondition("the linear solution is not finite; are feature or target values too large?");
  }
  for (double weight : solution.weights) {
    if (!std::isfinite(weight)) {
      return core::FailedPrecondition("the linear solution is not finite; are feature or target values too large?");
    }
  }
  return solution;
}

}  // namespace amp::ml
