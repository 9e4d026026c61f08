// k-means clustering of dense rows: seeded k-means++ initialisation (scikit-learn's greedy variant, 2 + ln(k) local
// trials per centre) and Lloyd iterations, the best of n_init seeded runs by inertia (the sum of squared distances
// of rows to their centre). Lloyd's stop is scikit-learn's: labels unchanged since the previous step (strict
// convergence), or the summed squared centre shift at most tol x the mean per-column variance; an empty cluster is
// moved to the row farthest from its centre. From the same initial centres, the same centres and labels as
// sklearn.cluster.KMeans(init=centres, n_init=1, algorithm="lloyd") (tests/parity/kmeans_fit.py checks).
// Deterministic for the same inputs and seed. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace amp::ml {

struct KMeansParams {
  int k = 8;
  int n_init = 10;
  int max_iterations = 300;
  double tolerance = 1e-4;
  uint64_t seed = 0;
};

struct KMeansSolution {
  std::vector<double> centers;  // k x cols, row-major
  std::vector<int32_t> labels;  // one cluster index per row
  std::vector<int64_t> cluster_sizes;
  double inertia = 0.0;
  int iterations = 0;  // Lloyd steps of the kept run
};

// `x` is row-major, rows x cols. InvalidArgument for mismatched sizes, k < 1, k > rows, n_init or max_iterations
// < 1, a negative tolerance or non-finite values.
core::Result<KMeansSolution> FitKMeans(std::span<const double> x, int64_t rows, int64_t cols,
                                       const KMeansParams& params);

// The k-means++ centres (k x cols, row-major) that FitKMeans's run with `seed` starts from. Same errors.
core::Result<std::vector<double>> KMeansPlusPlus(std::span<const double> x, int64_t rows, int64_t cols, int k,
                                                 uint64_t seed);

// Lloyd iterations from `initial_centers` (k x cols). Same errors, and InvalidArgument if the centres' size is not a
// multiple of cols.
core::Result<KMeansSolution> RunLloyd(std::span<const double> x, int64_t rows, int64_t cols,
                                      std::span<const double> initial_centers, int max_iterations, double tolerance);

}  // namespace amp::ml
