#include "ml/linear/ridge_solver.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "core/parallel_for.h"

namespace amp::ml {
namespace {

// Tall-skinny QR (Demmel, Grigori, Hoemmen and Langou, "Communication-optimal parallel and sequential QR and LU
// factorizations", 2012): the centred [X y] is cut into kChunks row blocks, each factored by Householder QR on its
// own thread, and their R factors stacked. The stack S satisfies ||[Xc yc] v|| = ||S v|| for every v (the blocks'
// Q factors are orthogonal), so the least-squares problem in w keeps its exact objective on a matrix of
// kChunks * (cols + 1) rows. The chunk count is fixed, so the result does not depend on the thread count.
constexpr int64_t kChunks = 8;
// Below this many rows per chunk and column, one chunk: the threads would cost more than they save.
constexpr int64_t kMinRowsPerChunkColumn = 64;

Eigen::MatrixXd StackedR(std::span<const double> x, int64_t rows, int64_t cols, std::span<const double> y,
                         const Eigen::RowVectorXd& x_mean, double y_mean, size_t threads) {
  const int64_t width = cols + 1;
  const int64_t chunks = rows >= kChunks * kMinRowsPerChunkColumn * width ? kChunks : 1;
  std::vector<Eigen::MatrixXd> factors(static_cast<size_t>(chunks));
  core::ParallelFor(static_cast<size_t>(chunks), threads, [&](size_t chunk) {
    const int64_t first = rows * static_cast<int64_t>(chunk) / chunks;
    const int64_t count = rows * static_cast<int64_t>(chunk + 1) / chunks - first;
    Eigen::MatrixXd block(count, width);
    for (int64_t col = 0; col < cols; ++col) {
      const double* source = x.data() + col * rows + first;
      const double mean = x_mean(col);
      for (int64_t row = 0; row < count; ++row) block(row, col) = source[row] - mean;
    }
    for (int64_t row = 0; row < count; ++row) block(row, cols) = y[static_cast<size_t>(first + row)] - y_mean;
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(std::move(block));
    const int64_t kept = std::min(count, width);
    factors[chunk] = qr.matrixQR().topRows(kept).triangularView<Eigen::Upper>();
  });
  int64_t stacked_rows = 0;
  for (const Eigen::MatrixXd& factor : factors) stacked_rows += factor.rows();
  Eigen::MatrixXd stacked(stacked_rows, width);
  int64_t at = 0;
  for (const Eigen::MatrixXd& factor : factors) {
    stacked.middleRows(at, factor.rows()) = factor;
    at += factor.rows();
  }
  return stacked;
}

}  // namespace

core::Result<LinearSolution> SolveRidge(std::span<const double> x, int64_t rows, int64_t cols,
                                        std::span<const double> y, double l2, size_t threads) {
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
    const Eigen::MatrixXd stacked = StackedR(x, rows, cols, y, x_mean, y_mean, threads);
    Eigen::VectorXd weights;
    if (l2 == 0.0) {
      // Rank-revealing: the minimum-norm solution when the design is rank deficient, as numpy's lstsq.
      weights = stacked.leftCols(cols).completeOrthogonalDecomposition().solve(stacked.col(cols));
    } else {
      // Augmented least squares [R; sqrt(l2) I] w = [Q'y; 0]: as accurate as QR, no normal equations.
      Eigen::MatrixXd augmented(stacked.rows() + cols, cols);
      augmented.topRows(stacked.rows()) = stacked.leftCols(cols);
      augmented.bottomRows(cols) = Eigen::MatrixXd::Identity(cols, cols) * std::sqrt(l2);
      Eigen::VectorXd target = Eigen::VectorXd::Zero(stacked.rows() + cols);
      target.head(stacked.rows()) = stacked.col(cols);
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
