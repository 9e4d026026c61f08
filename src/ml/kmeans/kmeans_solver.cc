#include "ml/kmeans/kmeans_solver.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>

namespace amp::ml {
namespace {

double SquaredDistance(const double* a, const double* b, int64_t cols) {
  double sum = 0.0;
  for (int64_t col = 0; col < cols; ++col) {
    const double diff = a[col] - b[col];
    sum += diff * diff;
  }
  return sum;
}

// A uniform double in [0, 1) from 53 random bits: the same on every platform, unlike std's distributions.
double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

core::Status CheckInput(std::span<const double> x, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return core::InvalidArgument("k-means needs rows and columns");
  if (static_cast<int64_t>(x.size()) != rows * cols) return core::InvalidArgument("data size disagrees with its shape");
  for (double value : x) {
    if (!std::isfinite(value)) return core::InvalidArgument("k-means needs finite values");
  }
  return core::Status::Ok();
}

// Assigns every row to its nearest centre (the first of equals); returns the inertia.
double Assign(std::span<const double> x, int64_t rows, int64_t cols, const std::vector<double>& centers, int k,
              std::vector<int32_t>* labels, std::vector<double>* distances) {
  double inertia = 0.0;
  for (int64_t row = 0; row < rows; ++row) {
    const double* point = x.data() + row * cols;
    double best = std::numeric_limits<double>::infinity();
    int32_t best_cluster = 0;
    for (int cluster = 0; cluster < k; ++cluster) {
      const double distance = SquaredDistance(point, centers.data() + static_cast<int64_t>(cluster) * cols, cols);
      if (distance < best) {
        best = distance;
        best_cluster = cluster;
      }
    }
    (*labels)[static_cast<size_t>(row)] = best_cluster;
    (*distances)[static_cast<size_t>(row)] = best;
    inertia += best;
  }
  return inertia;
}

// The means of the rows of each cluster into `centers`; an empty cluster takes the row farthest from its centre
// (scikit-learn's _relocate_empty_clusters), which leaves its old cluster.
void UpdateCenters(std::span<const double> x, int64_t rows, int64_t cols, int k, const std::vector<int32_t>& labels,
                   const std::vector<double>& distances, std::vector<double>* centers,
                   std::vector<int64_t>* sizes) {
  std::vector<double> sums(static_cast<size_t>(k * cols), 0.0);
  sizes->assign(static_cast<size_t>(k), 0);
  for (int64_t row = 0; row < rows; ++row) {
    const auto cluster = static_cast<size_t>(labels[static_cast<size_t>(row)]);
    ++(*sizes)[cluster];
    const double* point = x.data() + row * cols;
    double* sum = sums.data() + cluster * static_cast<size_t>(cols);
    for (int64_t col = 0; col < cols; ++col) sum[col] += point[col];
  }
  std::vector<int> empty;
  for (int cluster = 0; cluster < k; ++cluster) {
    if ((*sizes)[static_cast<size_t>(cluster)] == 0) empty.push_back(cluster);
  }
  if (!empty.empty()) {
    std::vector<int64_t> order(static_cast<size_t>(rows));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return distances[static_cast<size_t>(a)] > distances[static_cast<size_t>(b)];
    });
    for (size_t pos = 0; pos < empty.size() && pos < order.size(); ++pos) {
      const int64_t row = order[pos];
      const auto old_cluster = static_cast<size_t>(labels[static_cast<size_t>(row)]);
      const auto new_cluster = static_cast<size_t>(empty[pos]);
      const double* point = x.data() + row * cols;
      for (int64_t col = 0; col < cols; ++col) {
        sums[old_cluster * static_cast<size_t>(cols) + static_cast<size_t>(col)] -= point[col];
        sums[new_cluster * static_cast<size_t>(cols) + static_cast<size_t>(col)] = point[col];
      }
      --(*sizes)[old_cluster];
      (*sizes)[new_cluster] = 1;
    }
  }
  for (int cluster = 0; cluster < k; ++cluster) {
    const auto size = static_cast<double>((*sizes)[static_cast<size_t>(cluster)]);
    if (size == 0.0) continue;  // more empty clusters than rows to move: keep the old centre
    for (int64_t col = 0; col < cols; ++col) {
      const size_t at = static_cast<size_t>(cluster) * static_cast<size_t>(cols) + static_cast<size_t>(col);
      (*centers)[at] = sums[at] / size;
    }
  }
}

}  // namespace

core::Result<std::vector<double>> KMeansPlusPlus(std::span<const double> x, int64_t rows, int64_t cols, int k,
                                                 uint64_t seed) {
  AMP_RETURN_IF_ERROR(CheckInput(x, rows, cols));
  if (k < 1 || k > rows) return core::InvalidArgument("k must be in [1, rows]");
  std::mt19937_64 rng(seed);
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::vector<double> centers(static_cast<size_t>(k * cols));
  auto set_center = [&](int cluster, int64_t row) {
    std::copy(x.data() + row * cols, x.data() + (row + 1) * cols, centers.begin() + cluster * cols);
  };
  const auto first = static_cast<int64_t>(Uniform(rng) * static_cast<double>(rows));
  set_center(0, std::min(first, rows - 1));
  std::vector<double> closest(static_cast<size_t>(rows));
  double potential = 0.0;
  for (int64_t row = 0; row < rows; ++row) {
    closest[static_cast<size_t>(row)] = SquaredDistance(x.data() + row * cols, centers.data(), cols);
    potential += closest[static_cast<size_t>(row)];
  }
  std::vector<double> cumulative(static_cast<size_t>(rows));
  std::vector<double> candidate_closest(static_cast<size_t>(rows));
  std::vector<double> best_closest(static_cast<size_t>(rows));
  for (int cluster = 1; cluster < k; ++cluster) {
    std::partial_sum(closest.begin(), closest.end(), cumulative.begin());
    double best_potential = std::numeric_limits<double>::infinity();
    int64_t best_row = 0;
    for (int trial = 0; trial < trials; ++trial) {
      const double target = Uniform(rng) * potential;
      // numpy's searchsorted (side "left"): the first row whose cumulative sum is >= target.
      auto it = std::lower_bound(cumulative.begin(), cumulative.end(), target);
      int64_t candidate = std::min<int64_t>(it - cumulative.begin(), rows - 1);
      double candidate_potential = 0.0;
      for (int64_t row = 0; row < rows; ++row) {
        const double distance = SquaredDistance(x.data() + row * cols, x.data() + candidate * cols, cols);
        candidate_closest[static_cast<size_t>(row)] = std::min(closest[static_cast<size_t>(row)], distance);
        candidate_potential += candidate_closest[static_cast<size_t>(row)];
      }
      if (candidate_potential < best_potential) {
        best_potential = candidate_potential;
        best_row = candidate;
        best_closest.swap(candidate_closest);
      }
    }
    set_center(cluster, best_row);
    potential = best_potential;
    closest.swap(best_closest);
  }
  return centers;
}

core::Result<KMeansSolution> RunLloyd(std::span<const double> x, int64_t rows, int64_t cols,
                                      std::span<const double> initial_centers, int max_iterations, double tolerance) {
  AMP_RETURN_IF_ERROR(CheckInput(x, rows, cols));
  if (initial_centers.empty() || initial_centers.size() % static_cast<size_t>(cols) != 0) {
    return core::InvalidArgument("initial centres do not match the columns");
  }
  if (max_iterations < 1) return core::InvalidArgument("max_iter must be at least 1");
  if (!(tolerance >= 0.0)) return core::InvalidArgument("tol must be >= 0");
  const int k = static_cast<int>(initial_centers.size() / static_cast<size_t>(cols));
  // scikit-learn's tolerance is relative to the data: tol x the mean of the columns' variances.
  double mean_variance = 0.0;
  for (int64_t col = 0; col < cols; ++col) {
    double mean = 0.0;
    for (int64_t row = 0; row < rows; ++row) mean += x[static_cast<size_t>(row * cols + col)];
    mean /= static_cast<double>(rows);
    double variance = 0.0;
    for (int64_t row = 0; row < rows; ++row) {
      const double diff = x[static_cast<size_t>(row * cols + col)] - mean;
      variance += diff * diff;
    }
    mean_variance += variance / static_cast<double>(rows);
  }
  const double shift_tolerance = tolerance * mean_variance / static_cast<double>(cols);

  KMeansSolution solution;
  solution.centers.assign(initial_centers.begin(), initial_centers.end());
  solution.labels.assign(static_cast<size_t>(rows), -1);
  std::vector<int32_t> previous(static_cast<size_t>(rows), -1);
  std::vector<double> distances(static_cast<size_t>(rows));
  std::vector<double> old_centers;
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    solution.iterations = iteration + 1;
    Assign(x, rows, cols, solution.centers, k, &solution.labels, &distances);
    old_centers = solution.centers;
    UpdateCenters(x, rows, cols, k, solution.labels, distances, &solution.centers, &solution.cluster_sizes);
    if (solution.labels == previous) break;  // strict convergence
    double shift = 0.0;
    for (size_t at = 0; at < old_centers.size(); ++at) {
      const double diff = solution.centers[at] - old_centers[at];
      shift += diff * diff;
    }
    if (shift <= shift_tolerance) break;
    previous = solution.labels;
  }
  // The labels and inertia of the final centres (scikit-learn reassigns after a stop on the shift tolerance too).
  solution.inertia = Assign(x, rows, cols, solution.centers, k, &solution.labels, &distances);
  solution.cluster_sizes.assign(static_cast<size_t>(k), 0);
  for (int32_t label : solution.labels) ++solution.cluster_sizes[static_cast<size_t>(label)];
  return solution;
}

core::Result<KMeansSolution> FitKMeans(std::span<const double> x, int64_t rows, int64_t cols,
                                       const KMeansParams& params) {
  AMP_RETURN_IF_ERROR(CheckInput(x, rows, cols));
  if (params.k < 1 || params.k > rows) {
    return core::InvalidArgument("k (" + std::to_string(params.k) + ") must be between 1 and the number of rows (" +
                                 std::to_string(rows) + ")");
  }
  if (params.n_init < 1) return core::InvalidArgument("n_init must be at least 1");
  std::mt19937_64 seeds(params.seed);
  std::optional<KMeansSolution> best;
  for (int run = 0; run < params.n_init; ++run) {
    AMP_ASSIGN_OR_RETURN(std::vector<double> centers, KMeansPlusPlus(x, rows, cols, params.k, seeds()));
    AMP_ASSIGN_OR_RETURN(KMeansSolution solution,
                         RunLloyd(x, rows, cols, centers, params.max_iterations, params.tolerance));
    if (!best || solution.inertia < best->inertia) best = std::move(solution);
  }
  return std::move(*best);
}

}  // namespace amp::ml
