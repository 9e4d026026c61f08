// VersionMonitor: the live side of monitoring for one model version. Counts every scored row into a sliding window
// (a ring of time buckets) of per-feature bins laid out like the version's training profile, plus the predictions,
// and keeps the feedback (true outcomes) over the same buckets. Evaluate() turns the window into drift statistics
// and a state (drift.h). The request path (Observe) takes no lock and allocates nothing: relaxed atomic adds into
// one of a few shards (picked per thread), so threads rarely share a cache line. A bucket is reset by the first
// writer that finds it stale (the others wait the few stores it takes); only a row being counted into the old
// bucket at that moment may be zeroed or land in the new one. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "monitoring/drift.h"
#include "monitoring/training_profile.h"

namespace amp::monitoring {

class PredictionMemory;
class RequestLog;
struct RequestLogSource;

struct WindowOptions {
  int64_t bucket_seconds = 60;
  int buckets = 30;  // the window: buckets x bucket_seconds (30 minutes by default)
  int shards = 4;    // counter copies; lowered for wide models so a version stays under ~1 MB
};

// Live accuracy from feedback over the window, next to the holdout metrics of training.
struct FeedbackMetrics {
  int64_t rows = 0;
  // Regression.
  double rmse = 0;
  double mae = 0;
  // Classification.
  double accuracy = 0;
  std::optional<double> roc_auc;  // binary classifiers; from 100 score bins per class (ties within a bin count 1/2)
};

struct SeriesPoint {
  int64_t start_micros = 0;
  int64_t rows = 0;
  int64_t missing = 0;         // missing feature values
  int64_t out_of_range = 0;    // number values outside the training range
  int64_t unseen = 0;          // category values beyond the kept training categories
  double prediction_psi = 0;   // the bucket's predictions against training's
  double max_feature_psi = 0;  // the most drifted feature in the bucket
  FeedbackMetrics feedback;
};

struct MonitorReport {
  int64_t rows = 0;  // rows scored in the window
  std::vector<FeatureDrift> features;
  FeatureDrift prediction;
  ModelJudgement judgement;
  FeedbackMetrics feedback;
  std::vector<SeriesPoint> series;  // oldest first, one per bucket of the window
  int64_t window_seconds = 0;
};

class VersionMonitor {
 public:
  // `profile` may be absent (a version published before profiles existed): then only rows, predictions of
  // nothing and feedback are tracked, and the state stays insufficient_data.
  VersionMonitor(std::string model_id, std::string model_name, int64_t version, const ml::ModelSignature& signature,
                 std::optional<TrainingProfile> profile, const core::Clock& clock, WindowOptions options,
                 PredictionMemory* memory);
  VersionMonitor(const VersionMonitor&) = delete;
  VersionMonitor& operator=(const VersionMonitor&) = delete;

  // Counts `row_count` rows (row-major, in the signature's order) and their predictions (a classifier's class
  // indexes; `probabilities` a classifier's, row-major rows x `class_count`, else empty). A number far outside its
  // training range adds a warning to `notes`. With a request id, each row's prediction is remembered for feedback.
  void Observe(std::span<const ml::FeatureValue> rows, size_t row_count, std::span<const double> predictions,
               std::span<const double> probabilities, size_t class_count, std::string_view request_id,
               ml::PredictionNotes* notes);

  // Sends a sample of the observed rows to `log` (request_log.h), described by `source`. Call before the monitor is
  // shared; without it (the default) Observe pays one branch for the log.
  void SetRequestLog(RequestLog* log, std::shared_ptr<const RequestLogSource> source);

  // Feedback: the true outcome of one prediction (a classifier's class index). Counted in the current bucket.
  void RecordOutcome(double prediction, double positive_score, double actual);

  MonitorReport Evaluate(const Thresholds& thresholds) const;
  // The model's Thresholds::far_outside_stddevs (0 turns the per-request warning off).
  void SetFarOutsideStddevs(double stddevs) { far_outside_stddevs_.store(stddevs, std::memory_order_relaxed); }

  const std::string& model_id() const { return model_id_; }
  const std::string& model_name() const { return model_name_; }
  int64_t version() const { return version_; }
  bool has_profile() const { return profile_.has_value(); }
  const std::optional<TrainingProfile>& profile() const { return profile_; }
  bool is_classifier() const { return !classes_.empty(); }
  const std::vector<std::string>& classes() const { return classes_; }
  int64_t MemoryBytes() const;

 private:
  struct Slice {  // where one feature's (or the prediction's) counters sit in a bucket
    size_t offset = 0;
    size_t bins = 0;  // numbers: training bins; categories: kept categories + other
    bool numeric = true;
    const FeatureProfile* training = nullptr;  // in profile_
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  static constexpr size_t kAucBins = 100;
  struct FeedbackBucket {
    int64_t epoch = -1;
    int64_t rows = 0;
    double squared_error = 0;
    double absolute_error = 0;
    int64_t correct = 0;
    std::array<int64_t, kAucBins> positive{};
    std::array<int64_t, kAucBins> negative{};
  };

  int64_t EpochOf(int64_t micros) const { return micros / (options_.bucket_seconds * 1'000'000); }
  int64_t EpochNow() const { return EpochOf(clock_.NowMicros()); }
  // The counters of the current bucket of the calling thread's shard, reset first if stale.
  std::atomic<int64_t>* CurrentBucket(int64_t epoch);
  void CountFeature(std::atomic<int64_t>* bucket, size_t feature_idx, const ml::FeatureValue& value,
                    ml::PredictionNotes* notes);
  // Sums a bucket over the shards into `out` (size counters_per_bucket_); false if no shard has it current.
  bool SumBucket(int64_t epoch, std::vector<int64_t>* out) const;
  FeatureDrift CompareSlice(const FeatureProfile& training, const Slice& slice, const std::vector<int64_t>& sums) const;
  static FeedbackMetrics Metrics(const FeedbackBucket& bucket, bool classifier, bool binary);

  const std::string model_id_;
  const std::string model_name_;
  const int64_t version_;
  const std::vector<std::string> classes_;
  const std::optional<TrainingProfile> profile_;
  const core::Clock& clock_;
  WindowOptions options_;  // shards may be lowered in the constructor, then fixed
  PredictionMemory* const memory_;
  RequestLog* request_log_ = nullptr;  // set only when the log is on
  std::shared_ptr<const RequestLogSource> request_log_source_;
  std::vector<Slice> slices_;  // one per feature, then the prediction
  std::vector<std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>> category_index_;
  size_t counters_per_bucket_ = 0;                    // [0]: rows; then the slices; padded to a cache line
  std::unique_ptr<std::atomic<int64_t>[]> counters_;  // shards x buckets x counters_per_bucket_
  std::unique_ptr<std::atomic<int64_t>[]> epochs_;    // shards x buckets; the epoch each bucket holds, -1 none

  std::atomic<double> far_outside_stddevs_{Thresholds{}.far_outside_stddevs};

  mutable std::mutex feedback_mu_;
  std::vector<FeedbackBucket> feedback_;  // guarded by feedback_mu_; one per bucket
};

}  // namespace amp::monitoring
