#include "ml/logistic/logistic_solver.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

namespace amp::ml {
namespace {

// The problem in Eigen form: Xt = [X, 1] (rows x (cols + 1)), one parameter column per output: weights then the
// intercept.
struct Problem {
  Eigen::MatrixXd xt;
  Eigen::VectorXd row_weights;  // C * s_i
  std::span<const int32_t> labels;
  int outputs = 1;
  bool multinomial = false;
  int64_t cols = 0;
};

// log(1 + exp(z)) without overflow.
double Softplus(double z) {
  return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
}

// The objective at `theta`; leaves the scores Xt * theta in `scores` (rows x outputs) for Probabilities.
double Objective(const Problem& problem, const Eigen::MatrixXd& theta, Eigen::MatrixXd* scores) {
  scores->noalias() = problem.xt * theta;
  const Eigen::MatrixXd& z = *scores;
  double loss = 0.0;
  for (Eigen::Index row = 0; row < z.rows(); ++row) {
    const int32_t label = problem.labels[static_cast<size_t>(row)];
    double row_loss = 0.0;
    if (!problem.multinomial) {
      row_loss = Softplus(z(row, 0)) - (label == 1 ? z(row, 0) : 0.0);
    } else {
      const double max = z.row(row).maxCoeff();
      row_loss = max + std::log((z.row(row).array() - max).exp().sum()) - z(row, label);
    }
    loss += problem.row_weights[row] * row_loss;
  }
  const double penalty = 0.5 * theta.topRows(problem.cols).squaredNorm();
  const double shift = problem.multinomial ? 0.5 * std::pow(theta.row(problem.cols).sum(), 2) : 0.0;
  return loss + penalty + shift;
}

// The probability of each output's class from the scores: one column per output.
Eigen::MatrixXd Probabilities(const Problem& problem, const Eigen::MatrixXd& scores) {
  Eigen::MatrixXd z = scores;
  if (!problem.multinomial) return (1.0 / (1.0 + (-z.array()).exp())).matrix();
  for (Eigen::Index row = 0; row < z.rows(); ++row) {
    const double max = z.row(row).maxCoeff();
    z.row(row) = (z.row(row).array() - max).exp();
    z.row(row) /= z.row(row).sum();
  }
  return z;
}

}  // namespace

core::Result<LogisticSolution> SolveLogistic(std::span<const double> x, int64_t rows, int64_t cols,
                                             std::span<const int32_t> labels, int class_count,
                                             const LogisticParams& params) {
  if (rows <= 0 || cols < 0 || x.size() != static_cast<size_t>(rows * cols) ||
      labels.size() != static_cast<size_t>(rows)) {
    return core::InvalidArgument("logistic regression needs rows and one label per row");
  }
  if (class_count < 2) return core::InvalidArgument("logistic regression needs at least 2 classes");
  if (!(params.c > 0.0) || !std::isfinite(params.c)) return core::InvalidArgument("C must be a finite number > 0");
  if (params.max_iterations < 1) return core::InvalidArgument("max_iterations must be at least 1");
  std::vector<int64_t> class_rows(static_cast<size_t>(class_count), 0);
  for (int32_t label : labels) {
    if (label < 0 || label >= class_count) return core::InvalidArgument("a label is out of range");
    ++class_rows[static_cast<size_t>(label)];
  }
  for (int class_idx = 0; class_idx < class_count; ++class_idx) {
    if (class_rows[static_cast<size_t>(class_idx)] == 0) {
      return core::FailedPrecondition("class " + std::to_string(class_idx) + " has no training rows");
    }
  }

  Problem problem;
  problem.labels = labels;
  problem.multinomial = class_count > 2;
  problem.outputs = problem.multinomial ? class_count : 1;
  problem.cols = cols;
  problem.xt.resize(rows, cols + 1);
  problem.xt.leftCols(cols) = Eigen::Map<const Eigen::MatrixXd>(x.data(), rows, cols);
  problem.xt.col(cols).setOnes();
  problem.row_weights.resize(rows);
  for (int64_t row = 0; row < rows; ++row) {
    const auto count = static_cast<double>(class_rows[static_cast<size_t>(labels[static_cast<size_t>(row)])]);
    const double sample_weight =
        params.balanced ? static_cast<double>(rows) / (static_cast<double>(class_count) * count) : 1.0;
    problem.row_weights[row] = params.c * sample_weight;
  }

  const Eigen::Index width = cols + 1;
  const Eigen::Index unknowns = width * problem.outputs;
  Eigen::MatrixXd theta = Eigen::MatrixXd::Zero(width, problem.outputs);
  Eigen::MatrixXd targets = Eigen::MatrixXd::Zero(rows, problem.outputs);
  for (int64_t row = 0; row < rows; ++row) {
    const int32_t label = labels[static_cast<size_t>(row)];
    if (problem.multinomial) {
      targets(row, label) = 1.0;
    } else {
      targets(row, 0) = label == 1 ? 1.0 : 0.0;
    }
  }

  // Scratch reused by every iteration: a rows x (cols + 1) matrix is the largest allocation of a step.
  Eigen::ArrayXd curvature(rows);
  Eigen::MatrixXd weighted(rows, width);
  Eigen::MatrixXd block(width, width);
  LogisticSolution solution;
  Eigen::MatrixXd scores(rows, problem.outputs);
  Eigen::MatrixXd trial_scores(rows, problem.outputs);
  double objective = Objective(problem, theta, &scores);
  for (int iteration = 0; iteration < params.max_iterations; ++iteration) {
    solution.iterations = iteration + 1;
    const Eigen::MatrixXd probabilities = Probabilities(problem, scores);
    Eigen::MatrixXd residuals = (probabilities - targets).array().colwise() * problem.row_weights.array();
    Eigen::MatrixXd gradient = problem.xt.transpose() * residuals;
    gradient.topRows(cols) += theta.topRows(cols);
    if (problem.multinomial) gradient.row(cols).array() += theta.row(cols).sum();

    Eigen::MatrixXd hessian = Eigen::MatrixXd::Zero(unknowns, unknowns);
    for (int g = 0; g < problem.outputs; ++g) {
      for (int h = g; h < problem.outputs; ++h) {
        // d p_g / d z_h = p_g (1[g == h] - p_h), which for the one binary output is the sigmoid's p (1 - p).
        const double same = g == h ? 1.0 : 0.0;
        curvature = probabilities.col(g).array() * (same - probabilities.col(h).array()) * problem.row_weights.array();
        if (g == h) {
          // Xt' diag(c) Xt with c >= 0 is the Gram matrix of sqrt(c) Xt: a symmetric rank update, half the work.
          curvature = curvature.sqrt();  // once per row, not once per element of the product below
          weighted = problem.xt.array().colwise() * curvature;
          block.setZero();
          block.selfadjointView<Eigen::Lower>().rankUpdate(weighted.transpose());
          block.triangularView<Eigen::StrictlyUpper>() = block.transpose();
        } else {
          weighted = problem.xt.array().colwise() * curvature;
          block.noalias() = problem.xt.transpose() * weighted;
        }
        hessian.block(g * width, h * width, width, width) = block;
        if (g != h) hessian.block(h * width, g * width, width, width) = block.transpose();
      }
      hessian.block(g * width, g * width, cols, cols).diagonal().array() += 1.0;
      if (problem.multinomial) {
        for (int h = 0; h < problem.outputs; ++h) hessian(g * width + cols, h * width + cols) += 1.0;
      }
    }
    const Eigen::VectorXd grad = Eigen::Map<const Eigen::VectorXd>(gradient.data(), unknowns);
    Eigen::LDLT<Eigen::MatrixXd> ldlt(hessian);
    Eigen::VectorXd step = ldlt.info() == Eigen::Success ? ldlt.solve(-grad).eval() : (-grad).eval();
    double slope = grad.dot(step);
    if (!(slope < 0.0)) {  // not a descent direction (rounding at the optimum): fall back to the gradient
      step = -grad;
      slope = grad.dot(step);
    }
    if (slope == 0.0) {
      solution.converged = true;
      break;
    }
    const Eigen::Map<const Eigen::MatrixXd> step_matrix(step.data(), width, problem.outputs);
    // -slope is the Newton decrement squared: twice what the full step would gain. Once that is below what the
    // objective's rounding can show, a line search can no longer judge the step, but the quadratic model is then
    // exact to far better than that: take the full step and stop.
    if (-slope <= 1e-13 * std::max(1.0, std::fabs(objective))) {
      theta += step_matrix;
      solution.converged = true;
      break;
    }
    double scale = 1.0;
    double next_objective = Objective(problem, theta + step_matrix, &trial_scores);
    while (!(next_objective <= objective + 1e-4 * scale * slope) && scale > 1e-12) {
      scale *= 0.5;
      next_objective = Objective(problem, theta + scale * step_matrix, &trial_scores);
    }
    if (!(next_objective <= objective)) {  // no progress is possible in floating point
      solution.converged = true;
      break;
    }
    theta += scale * step_matrix;
    objective = next_objective;
    scores.swap(trial_scores);
  }
  if (!theta.allFinite()) return core::FailedPrecondition("logistic regression did not converge to a finite solution");

  solution.weights.resize(static_cast<size_t>(cols * problem.outputs));
  for (int output = 0; output < problem.outputs; ++output) {
    for (int64_t col = 0; col < cols; ++col) {
      solution.weights[static_cast<size_t>(output * cols + col)] = theta(col, output);
    }
    solution.intercepts.push_back(theta(cols, output));
  }
  return solution;
}

}  // namespace amp::ml
