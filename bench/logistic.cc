// Logistic regression training time on a synthetic table (default 1,000,000 x 20, binary), for the issue's bar "at
// least as fast as scikit-learn's LogisticRegression(lbfgs) in the same run": bench/logistic_vs_sklearn.sh runs
// this and then scikit-learn on the same data. The data is the same on both sides (a fixed formula of the row
// and column indices, not a random generator), standardized features, labels from a noisy linear rule.
// Usage: amp_logistic_bench [rows] [cols] [classes] [threads (0: the hardware's)]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ml/logistic/logistic_solver.h"

// The feature value of (row, col) and the label of a row; bench/logistic_vs_sklearn.sh computes the same in numpy.
double Feature(int64_t row, int64_t col) {
  return std::sin(0.001 * static_cast<double>(row) * static_cast<double>(col + 1) + static_cast<double>(col));
}

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int64_t cols = argc > 2 ? std::atoll(argv[2]) : 20;
  const int classes = argc > 3 ? std::atoi(argv[3]) : 2;
  std::vector<double> x(static_cast<size_t>(rows * cols));
  std::vector<int32_t> labels(static_cast<size_t>(rows));
  for (int64_t row = 0; row < rows; ++row) {
    double score = 0.0;
    for (int64_t col = 0; col < cols; ++col) {
      const double value = Feature(row, col);
      x[static_cast<size_t>(col * rows + row)] = value;  // column-major
      score += (col % 3 == 0 ? 1.0 : -0.5) * value;
    }
    score += 0.5 * Feature(row, cols + 7);  // noise the features do not explain
    const int label =
        classes == 2 ? (score > 0.0 ? 1 : 0) : static_cast<int>(std::fmod(std::fabs(score) * 3.0, classes));
    labels[static_cast<size_t>(row)] = label;
  }
  amp::ml::LogisticParams params;
  params.threads = argc > 4 ? std::atoi(argv[4]) : 0;
  const auto start = std::chrono::steady_clock::now();
  auto solution = amp::ml::SolveLogistic(x, rows, cols, labels, classes, params);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!solution.ok()) {
    std::fprintf(stderr, "%s\n", solution.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "AMP SolveLogistic: %lld x %lld, %d classes: %.3f s, %d Newton steps, converged %d, w0 %.6f, threads %d\n",
      static_cast<long long>(rows), static_cast<long long>(cols), classes, seconds, solution->iterations,
      solution->converged ? 1 : 0, solution->weights[0], params.threads);
  return 0;
}
