#include "ml/linear/elastic_net_solver.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace amp::ml {
namespace {

double SoftThreshold(double value, double threshold) {
  if (value > threshold) return value - threshold;
  if (value < -threshold) return value + threshold;
  return 0.0;
}

}  // namespace

core::Result<ElasticNetSolution> SolveElasticNet(std::span<const double> x, int64_t rows, int64_t cols,
                                                 std::span<const double> y, const ElasticNetParams& params) {
  if (rows <= 0) return core::InvalidArgument("no rows to fit");
  if (cols < 0 || static_cast<int64_t>(x.size()) != rows * cols || static_cast<int64_t>(y.size()) != rows) {
    return core::InvalidArgument("design matrix and target sizes disagree");
  }
  if (!(params.alpha > 0.0) || !std::isfinite(params.alpha)) {
    return core::InvalidArgument("alpha must be a finite number > 0");
  }
  if (!(params.l1_ratio >= 0.0 && params.l1_ratio <= 1.0)) return core::InvalidArgument("l1_ratio must be in [0, 1]");
  if (params.max_iterations < 1) return core::InvalidArgument("max_iter must be at least 1");
  if (!(params.tolerance > 0.0) || !std::isfinite(params.tolerance)) {
    return core::InvalidArgument("tol must be a finite number > 0");
  }

  Eigen::Map<const Eigen::MatrixXd> x_map(x.data(), rows, cols);
  Eigen::Map<const Eigen::VectorXd> y_map(y.data(), rows);
  const Eigen::VectorXd x_mean = x_map.colwise().mean().transpose();
  const double y_mean = y_map.mean();
  const Eigen::VectorXd y_centred = y_map.array() - y_mean;

  // Gram form of the centred problem: G = Xc'Xc, q = Xc'yc, and ||yc||^2.
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(cols, cols);
  Eigen::VectorXd q = Eigen::VectorXd::Zero(cols);
  {
    // Blocks of rows keep the centred copy small for tall tables.
    constexpr int64_t kBlockRows = 65536;
    for (int64_t begin = 0; begin < rows; begin += kBlockRows) {
      const int64_t count = std::min(kBlockRows, rows - begin);
      Eigen::MatrixXd block = x_map.middleRows(begin, count).rowwise() - x_mean.transpose();
      gram.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
      q.noalias() += block.transpose() * y_centred.segment(begin, count);
    }
    gram = Eigen::MatrixXd(gram.selfadjointView<Eigen::Lower>());
  }
  const double y_norm2 = y_centred.squaredNorm();

  // sklearn scales the penalties by n for its (1/2)||r||^2 form.
  const double n = static_cast<double>(rows);
  const double l1 = params.alpha * params.l1_ratio * n;
  const double l2 = params.alpha * (1.0 - params.l1_ratio) * n;
  const double gap_tolerance = params.tolerance * y_norm2;

  ElasticNetSolution result;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(cols);
  // gw = G w, kept up to date so X'r = q - G w costs nothing per coordinate.
  Eigen::VectorXd gw = Eigen::VectorXd::Zero(cols);
  for (int iteration = 0; iteration < params.max_iterations; ++iteration) {
    result.iterations = iteration + 1;
    double w_max = 0.0;
    double d_w_max = 0.0;
    for (int64_t col = 0; col < cols; ++col) {
      const double norm = gram(col, col);
      if (norm == 0.0) continue;
      const double old = w(col);
      // X_j' (r + w_j X_j) = q_j - (G w)_j + G_jj w_j
      const double rho = q(col) - gw(col) + norm * old;
      const double updated = SoftThreshold(rho, l1) / (norm + l2);
      if (updated != old) {
        gw.noalias() += (updated - old) * gram.col(col);
        w(col) = updated;
      }
      d_w_max = std::max(d_w_max, std::fabs(updated - old));
      w_max = std::max(w_max, std::fabs(updated));
    }
    if (w_max == 0.0 || d_w_max / w_max < params.tolerance || iteration == params.max_iterations - 1) {
      // The duality gap of sklearn's enet_coordinate_descent, in Gram form.
      const Eigen::VectorXd xt_r = q - gw;
      const double wq = w.dot(q);
      const double r_norm2 = std::max(0.0, y_norm2 - 2.0 * wq + w.dot(gw));
      const double w_norm2 = w.squaredNorm();
      const Eigen::VectorXd xt_a = xt_r - l2 * w;
      const double dual_norm = cols > 0 ? xt_a.cwiseAbs().maxCoeff() : 0.0;
      double scale = 1.0;
      double gap = r_norm2;
      if (dual_norm > l1) {
        scale = l1 / dual_norm;
        gap = 0.5 * (r_norm2 + r_norm2 * scale * scale);
      }
      const double r_dot_y = y_norm2 - wq;
      gap += l1 * w.cwiseAbs().sum() - scale * r_dot_y + 0.5 * l2 * (1.0 + scale * scale) * w_norm2;
      if (gap < gap_tolerance) {
        result.converged = true;
        break;
      }
    }
  }

  LinearSolution& solution = result.solution;
  solution.weights.assign(static_cast<size_t>(cols), 0.0);
  for (int64_t col = 0; col < cols; ++col) solution.weights[static_cast<size_t>(col)] = w(col);
  solution.intercept = y_mean - x_mean.dot(w);
  if (!std::isfinite(solution.intercept) || !w.allFinite()) {
    return core::FailedPrecondition("the linear solution is not finite; are feature or target values too large?");
  }
  return result;
}

}  // namespace amp::ml
