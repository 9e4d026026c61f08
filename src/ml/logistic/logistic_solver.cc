#include "ml/logistic/logistic_solver.h"

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace amp::ml {
namespace {

// Rows per block: a block of [X, 1] (4096 x (cols + 1) doubles) and its scores stay in the core's cache while the
// block's loss, gradient and Hessian are accumulated, so each evaluation reads X from memory once.
constexpr int64_t kBlockRows = 4096;
// The rows are cut into at most this many contiguous chunks, each summed block by block in row order into its own
// accumulator, and the chunks are added in chunk order: the result does not depend on how many threads ran them.
constexpr int64_t kMaxChunks = 8;
// On tables of at least kSampleMinBlocks blocks, while Newton is still far from the optimum (the last step moved a
// coefficient by more than kSampleStep), the Hessian is formed on every kHessianStride-th block only and scaled up:
// the step stays a descent direction (the gradient is exact, the sampled Hessian positive definite, the line search
// checks the objective), and the last steps, near the optimum, use the full Hessian, so the answer is Newton's.
constexpr int64_t kSampleMinBlocks = 64;
constexpr int64_t kHessianStride = 8;
constexpr double kSampleStep = 0.1;

// The problem: X column-major (rows x cols), plus one intercept per output; one parameter column per output
// (weights then the intercept).
struct Problem {
  std::span<const double> x;
  int64_t rows = 0;
  int64_t cols = 0;
  Eigen::VectorXd row_weights;  // C * s_i
  std::span<const int32_t> labels;
  int outputs = 1;
  bool multinomial = false;
  int threads = 1;
};

// The data part of the objective (C * sum s_i loss_i) and, with `derivatives`, its gradient (width x outputs) and
// Hessian (unknowns x unknowns, full) at theta.
struct Evaluation {
  double loss = 0.0;
  int64_t hessian_rows = 0;  // rows the Hessian was summed over
  Eigen::MatrixXd gradient;
  Eigen::MatrixXd hessian;
};

// Adds rows [begin, end) to `out`, one block of kBlockRows at a time.
void AccumulateRows(const Problem& problem, const Eigen::MatrixXd& theta, bool derivatives, int64_t hessian_stride,
                    int64_t begin, int64_t end, Evaluation* out) {
  const Eigen::Index width = problem.cols + 1;
  const int outputs = problem.outputs;
  Eigen::MatrixXd block(kBlockRows, width);
  Eigen::MatrixXd scores(kBlockRows, outputs);
  Eigen::MatrixXd residuals(kBlockRows, outputs);
  Eigen::MatrixXd weighted(kBlockRows, width);
  Eigen::MatrixXd part(width, width);
  Eigen::ArrayXd curvature(kBlockRows);
  for (int64_t first = begin; first < end; first += kBlockRows) {
    const Eigen::Index len = std::min(kBlockRows, end - first);
    auto xb = block.topRows(len);
    for (int64_t col = 0; col < problem.cols; ++col) {
      xb.col(col) = Eigen::Map<const Eigen::VectorXd>(problem.x.data() + col * problem.rows + first, len);
    }
    xb.col(problem.cols).setOnes();
    auto z = scores.topRows(len);
    z.noalias() = xb * theta;
    const auto weights = problem.row_weights.segment(first, len);
    // Loss and, in place of the scores, the probabilities.
    for (Eigen::Index row = 0; row < len; ++row) {
      const int32_t label = problem.labels[static_cast<size_t>(first + row)];
      double row_loss = 0.0;
      if (!problem.multinomial) {
        // One exp for both: softplus(s) = max(s, 0) + log1p(e) and the sigmoid from e = exp(-|s|), no overflow.
        const double score = z(row, 0);
        const double e = std::exp(-std::fabs(score));
        row_loss = std::max(score, 0.0) + std::log1p(e) - (label == 1 ? score : 0.0);
        z(row, 0) = score >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      } else {
        const double max = z.row(row).maxCoeff();
        const double label_score = z(row, label);
        z.row(row) = (z.row(row).array() - max).exp();
        const double sum = z.row(row).sum();
        row_loss = max + std::log(sum) - label_score;
        z.row(row) /= sum;
      }
      out->loss += weights[row] * row_loss;
    }
    if (!derivatives) continue;
    auto r = residuals.topRows(len);
    r = z;
    for (Eigen::Index row = 0; row < len; ++row) {
      const int32_t label = problem.labels[static_cast<size_t>(first + row)];
      if (problem.multinomial) {
        r(row, label) -= 1.0;
      } else if (label == 1) {
        r(row, 0) -= 1.0;
      }
    }
    r.array().colwise() *= weights.array();
    out->gradient.noalias() += xb.transpose() * r;
    if ((first / kBlockRows) % hessian_stride != 0) continue;
    out->hessian_rows += len;
    auto wb = weighted.topRows(len);
    auto c = curvature.head(len);
    for (int g = 0; g < outputs; ++g) {
      for (int h = g; h < outputs; ++h) {
        // d p_g / d z_h = p_g (1[g == h] - p_h), which for the one binary output is the sigmoid's p (1 - p).
        const double same = g == h ? 1.0 : 0.0;
        c = z.col(g).array() * (same - z.col(h).array()) * weights.array();
        if (g == h) {
          // Xb' diag(c) Xb with c >= 0 is the Gram matrix of sqrt(c) Xb: a symmetric rank update, half the work.
          wb = xb.array().colwise() * c.sqrt();
          part.setZero();
          part.selfadjointView<Eigen::Lower>().rankUpdate(wb.transpose());
          part.triangularView<Eigen::StrictlyUpper>() = part.transpose();
        } else {
          wb = xb.array().colwise() * c;
          part.noalias() = xb.transpose() * wb;
        }
        out->hessian.block(g * width, h * width, width, width) += part;
        if (g != h) out->hessian.block(h * width, g * width, width, width) += part.transpose();
      }
    }
  }
}

// The data part of the objective at theta, over all rows: contiguous chunks (a fixed cut of the rows, kMaxChunks at
// most) on up to problem.threads threads, added in chunk order, so the sums are the same bits for any thread count.
Evaluation Evaluate(const Problem& problem, const Eigen::MatrixXd& theta, bool derivatives, int64_t hessian_stride) {
  const Eigen::Index width = problem.cols + 1;
  const Eigen::Index unknowns = width * problem.outputs;
  const int64_t blocks = (problem.rows + kBlockRows - 1) / kBlockRows;
  const int64_t chunks = std::min(kMaxChunks, blocks);
  std::vector<Evaluation> parts(static_cast<size_t>(chunks));
  for (Evaluation& part : parts) {
    if (!derivatives) continue;
    part.gradient = Eigen::MatrixXd::Zero(width, problem.outputs);
    part.hessian = Eigen::MatrixXd::Zero(unknowns, unknowns);
  }
  auto run_chunk = [&](int64_t chunk) {
    const int64_t first_block = blocks * chunk / chunks;
    const int64_t last_block = blocks * (chunk + 1) / chunks;
    AccumulateRows(problem, theta, derivatives, hessian_stride, first_block * kBlockRows,
                   std::min(problem.rows, last_block * kBlockRows), &parts[static_cast<size_t>(chunk)]);
  };
  const int workers = static_cast<int>(std::min<int64_t>(std::max(problem.threads, 1), chunks));
  if (workers <= 1) {
    for (int64_t chunk = 0; chunk < chunks; ++chunk) run_chunk(chunk);
  } else {
    std::atomic<int64_t> next{0};
    auto work = [&] {
      for (int64_t chunk = next++; chunk < chunks; chunk = next++) run_chunk(chunk);
    };
    std::vector<std::thread> pool;
    for (int worker = 1; worker < workers; ++worker) pool.emplace_back(work);
    work();
    for (std::thread& thread : pool) thread.join();
  }
  Evaluation total = std::move(parts[0]);
  for (size_t chunk = 1; chunk < parts.size(); ++chunk) {
    total.loss += parts[chunk].loss;
    if (!derivatives) continue;
    total.gradient += parts[chunk].gradient;
    total.hessian += parts[chunk].hessian;
    total.hessian_rows += parts[chunk].hessian_rows;
  }
  if (derivatives && total.hessian_rows < problem.rows) {
    total.hessian *= static_cast<double>(problem.rows) / static_cast<double>(total.hessian_rows);
  }
  return total;
}

// The penalty: ||W||^2 / 2, plus (sum of intercepts)^2 / 2 for the multinomial model.
double Penalty(const Problem& problem, const Eigen::MatrixXd& theta) {
  const double penalty = 0.5 * theta.topRows(problem.cols).squaredNorm();
  return problem.multinomial ? penalty + 0.5 * std::pow(theta.row(problem.cols).sum(), 2) : penalty;
}

// Adds the penalty's gradient and Hessian to `eval`.
void AddPenaltyDerivatives(const Problem& problem, const Eigen::MatrixXd& theta, Evaluation* eval) {
  const Eigen::Index cols = problem.cols;
  const Eigen::Index width = cols + 1;
  eval->gradient.topRows(cols) += theta.topRows(cols);
  if (problem.multinomial) eval->gradient.row(cols).array() += theta.row(cols).sum();
  for (int g = 0; g < problem.outputs; ++g) {
    eval->hessian.block(g * width, g * width, cols, cols).diagonal().array() += 1.0;
    if (problem.multinomial) {
      for (int h = 0; h < problem.outputs; ++h) eval->hessian(g * width + cols, h * width + cols) += 1.0;
    }
  }
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
  if (params.threads < 0) return core::InvalidArgument("threads must be >= 0");
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
  problem.x = x;
  problem.rows = rows;
  problem.cols = cols;
  problem.labels = labels;
  problem.multinomial = class_count > 2;
  problem.outputs = problem.multinomial ? class_count : 1;
  problem.threads = params.threads > 0 ? params.threads : static_cast<int>(std::thread::hardware_concurrency());
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
  LogisticSolution solution;
  // Each evaluation yields the objective, gradient and Hessian at once: the line search's trial point, when
  // accepted (nearly always the full Newton step), is the next step's starting point without another pass.
  const bool sample = (rows + kBlockRows - 1) / kBlockRows >= kSampleMinBlocks;
  Evaluation eval = Evaluate(problem, theta, true, sample ? kHessianStride : 1);
  double objective = eval.loss + Penalty(problem, theta);
  AddPenaltyDerivatives(problem, theta, &eval);
  for (int iteration = 0; iteration < params.max_iterations; ++iteration) {
    solution.iterations = iteration + 1;
    const Eigen::VectorXd grad = Eigen::Map<const Eigen::VectorXd>(eval.gradient.data(), unknowns);
    Eigen::LDLT<Eigen::MatrixXd> ldlt(eval.hessian);
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
    // Stop once the Newton step is small: its largest component at most params.tolerance (coefficients of the
    // standardized features), or -slope (the Newton decrement squared, twice what the step would gain) below what the
    // objective's rounding can show. The quadratic model is then exact to far better than the step: take the full
    // step and stop (Newton converges quadratically, so the result is within about tolerance^2 of the optimum).
    // Only with the full Hessian: a sampled one's small step is taken by the line search below, and the next step
    // then uses the full Hessian.
    const bool full_hessian = eval.hessian_rows == rows;
    const double step_size = step.cwiseAbs().maxCoeff();
    if (full_hessian && (step_size <= params.tolerance || -slope <= 1e-13 * std::max(1.0, std::fabs(objective)))) {
      theta += step_matrix;
      solution.converged = true;
      break;
    }
    const int64_t stride = sample && step_size > kSampleStep ? kHessianStride : 1;
    double scale = 1.0;
    Eigen::MatrixXd trial = theta + step_matrix;
    Evaluation next = Evaluate(problem, trial, true, stride);
    double next_objective = next.loss + Penalty(problem, trial);
    while (!(next_objective <= objective + 1e-4 * scale * slope) && scale > 1e-12) {
      scale *= 0.5;
      trial = theta + scale * step_matrix;
      next = Evaluate(problem, trial, false, 1);
      next_objective = next.loss + Penalty(problem, trial);
    }
    if (!(next_objective <= objective)) {
      if (!full_hessian) {  // retry from here with the full Hessian
        eval = Evaluate(problem, theta, true, 1);
        AddPenaltyDerivatives(problem, theta, &eval);
        continue;
      }
      solution.converged = true;  // no progress is possible in floating point
      break;
    }
    if (scale != 1.0) next = Evaluate(problem, trial, true, stride);  // backtracked: derivatives at the accepted point
    theta = trial;
    objective = next_objective;
    eval = std::move(next);
    AddPenaltyDerivatives(problem, theta, &eval);
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
