#include "monitoring/version_monitor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "monitoring/prediction_memory.h"
#include "monitoring/request_log.h"

namespace amp::monitoring {
namespace {

constexpr size_t kCacheLineCounters = 8;   // 64 bytes of int64
constexpr int64_t kResetting = INT64_MIN;  // a bucket's epoch while one writer zeroes it

size_t ThreadShard(int shards) {
  static std::atomic<uint32_t> next_thread{0};
  thread_local const uint32_t thread_number = next_thread.fetch_add(1, std::memory_order_relaxed);
  return thread_number % static_cast<uint32_t>(shards);
}

void Add(std::atomic<int64_t>& counter, int64_t amount = 1) {
  counter.fetch_add(amount, std::memory_order_relaxed);
}

std::string FarOutsideWarning(std::string_view feature, double value, const NumberProfile& numbers) {
  char text[256];
  std::snprintf(text, sizeof(text), "input '%.*s' = %.6g is far outside its training range [%.6g, %.6g]",
                static_cast<int>(std::min<size_t>(feature.size(), 100)), feature.data(), value, numbers.min,
                numbers.max);
  return text;
}

}  // namespace

VersionMonitor::VersionMonitor(std::string model_id, std::string model_name, int64_t version,
                               const ml::ModelSignature& signature, std::optional<TrainingProfile> profile,
                               const core::Clock& clock, WindowOptions options, PredictionMemory* memory)
    : model_id_(std::move(model_id)),
      model_name_(std::move(model_name)),
      version_(version),
      classes_(signature.classes),
      profile_(profile && profile->features.size() == signature.features.size() ? std::move(profile) : std::nullopt),
      clock_(clock),
      options_(options),
      memory_(memory) {
  size_t offset = 1;
  if (profile_) {
    auto add_slice = [&](const FeatureProfile& feature) {
      Slice slice;
      slice.offset = offset;
      slice.numeric = feature.numeric;
      slice.training = &feature;
      std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> index;
      if (feature.numeric) {
        slice.bins = feature.numbers.edges.size() + 1;
        offset += slice.bins + 3;  // missing, below, above
      } else {
        slice.bins = feature.categories.categories.size() + 1;
        for (size_t category_idx = 0; category_idx < feature.categories.categories.size(); ++category_idx) {
          index.emplace(feature.categories.categories[category_idx], static_cast<uint32_t>(category_idx));
        }
        offset += slice.bins + 1;  // missing
      }
      slices_.push_back(slice);
      category_index_.push_back(std::move(index));
    };
    for (const FeatureProfile& feature : profile_->features) add_slice(feature);
    add_slice(profile_->prediction);
  }
  counters_per_bucket_ = (offset + kCacheLineCounters - 1) / kCacheLineCounters * kCacheLineCounters;
  const size_t per_shard_bytes = counters_per_bucket_ * sizeof(int64_t) * static_cast<size_t>(options_.buckets);
  // Stay near 1 MB per version: fewer shards for wide models.
  while (options_.shards > 1 && per_shard_bytes * static_cast<size_t>(options_.shards) > (768u << 10)) {
    --options_.shards;
  }
  const size_t buckets = static_cast<size_t>(options_.shards) * static_cast<size_t>(options_.buckets);
  counters_ = std::make_unique<std::atomic<int64_t>[]>(buckets * counters_per_bucket_);
  for (size_t idx = 0; idx < buckets * counters_per_bucket_; ++idx) counters_[idx].store(0);
  epochs_ = std::make_unique<std::atomic<int64_t>[]>(buckets);
  for (size_t idx = 0; idx < buckets; ++idx) epochs_[idx].store(-1);
  feedback_.resize(static_cast<size_t>(options_.buckets));
}

std::atomic<int64_t>* VersionMonitor::CurrentBucket(int64_t epoch) {
  const size_t shard = ThreadShard(options_.shards);
  const size_t bucket_idx =
      shard * static_cast<size_t>(options_.buckets) + static_cast<size_t>(epoch % options_.buckets);
  std::atomic<int64_t>* counters = &counters_[bucket_idx * counters_per_bucket_];
  std::atomic<int64_t>& held_epoch = epochs_[bucket_idx];
  int64_t held = held_epoch.load(std::memory_order_acquire);
  // The first writer into a stale bucket claims it, zeroes it and then publishes the new epoch; writers that come
  // meanwhile wait for those few stores, so a new bucket loses no rows. A writer whose clock read lags a rotation
  // (held > epoch) counts into the newer bucket.
  while (held < epoch) {
    if (held == kResetting) {
      held = held_epoch.load(std::memory_order_acquire);
      continue;
    }
    if (held_epoch.compare_exchange_weak(held, kResetting, std::memory_order_acq_rel)) {
      for (size_t idx = 0; idx < counters_per_bucket_; ++idx) counters[idx].store(0, std::memory_order_relaxed);
      held_epoch.store(epoch, std::memory_order_release);
      break;
    }
  }
  return counters;
}

void VersionMonitor::CountFeature(std::atomic<int64_t>* bucket, size_t feature_idx, const ml::FeatureValue& value,
                                  ml::PredictionNotes* notes) {
  const Slice& slice = slices_[feature_idx];
  const FeatureProfile& training = *slice.training;
  if (slice.numeric) {
    if (value.kind != ml::FeatureValue::Kind::kNumber || !std::isfinite(value.number)) {
      Add(bucket[slice.offset + slice.bins]);  // missing (text in a number column cannot get here)
      return;
    }
    const NumberProfile& numbers = training.numbers;
    Add(bucket[slice.offset + NumberBin(numbers.edges, value.number)]);
    if (value.number < numbers.min) {
      Add(bucket[slice.offset + slice.bins + 1]);
    } else if (value.number > numbers.max) {
      Add(bucket[slice.offset + slice.bins + 2]);
    } else {
      return;
    }
    const double far_outside = far_outside_stddevs_.load(std::memory_order_relaxed);
    if (notes != nullptr && far_outside > 0 && IsFarOutside(numbers, value.number, far_outside)) {
      notes->Warn([&] { return FarOutsideWarning(training.name, value.number, numbers); });
    }
    return;
  }
  if (value.kind != ml::FeatureValue::Kind::kText) {
    Add(bucket[slice.offset + slice.bins]);  // missing
    return;
  }
  const auto& index = category_index_[feature_idx];
  auto found = index.find(value.text);
  Add(bucket[slice.offset + (found == index.end() ? slice.bins - 1 : found->second)]);
}

void VersionMonitor::Observe(std::span<const ml::FeatureValue> rows, size_t row_count,
                             std::span<const double> predictions, std::span<const double> probabilities,
                             size_t class_count, std::string_view request_id, ml::PredictionNotes* notes) {
  const int64_t now = clock_.NowMicros();
  std::atomic<int64_t>* bucket = CurrentBucket(EpochOf(now));
  Add(bucket[0], static_cast<int64_t>(row_count));
  if (profile_) {
    const size_t width = profile_->features.size();
    if (rows.size() >= row_count * width) {
      for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
        for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
          CountFeature(bucket, feature_idx, rows[row_idx * width + feature_idx], notes);
        }
      }
    }
    const Slice& slice = slices_.back();
    for (size_t row_idx = 0; row_idx < row_count && row_idx < predictions.size(); ++row_idx) {
      if (slice.numeric) {
        CountFeature(bucket, width, ml::FeatureValue::Number(predictions[row_idx]), nullptr);
      } else {
        auto class_idx = static_cast<size_t>(predictions[row_idx]);
        Add(bucket[slice.offset + std::min(class_idx, slice.bins - 1)]);
      }
    }
  }
  if (request_log_ != nullptr) {
    const size_t width = request_log_source_->features.size();
    for (size_t row_idx = 0; row_idx < row_count && row_idx < predictions.size(); ++row_idx) {
      if (!request_log_->Sample() || rows.size() < (row_idx + 1) * width) continue;
      request_log_->Append(*request_log_source_, rows.subspan(row_idx * width, width), row_idx, predictions[row_idx],
                           request_id);
    }
  }
  if (memory_ != nullptr && !request_id.empty()) {
    for (size_t row_idx = 0; row_idx < row_count && row_idx < predictions.size(); ++row_idx) {
      const size_t score_idx = row_idx * class_count + 1;
      const double score = class_count == 2 && score_idx < probabilities.size() ? probabilities[score_idx] : 0.0;
      RememberedPrediction remembered{this, predictions[row_idx], score, now};
      memory_->Remember(request_id, static_cast<uint32_t>(row_idx), remembered);
    }
  }
}

void VersionMonitor::SetRequestLog(RequestLog* log, std::shared_ptr<const RequestLogSource> source) {
  request_log_ = source != nullptr ? log : nullptr;
  request_log_source_ = std::move(source);
}

void VersionMonitor::RecordOutcome(double prediction, double positive_score, double actual) {
  const int64_t epoch = EpochNow();
  std::lock_guard lock(feedback_mu_);
  FeedbackBucket& bucket = feedback_[static_cast<size_t>(epoch % options_.buckets)];
  if (bucket.epoch != epoch) bucket = FeedbackBucket{epoch};
  ++bucket.rows;
  if (classes_.empty()) {
    double error = prediction - actual;
    bucket.squared_error += error * error;
    bucket.absolute_error += std::abs(error);
    return;
  }
  if (prediction == actual) ++bucket.correct;
  if (classes_.size() == 2) {
    auto bin = static_cast<size_t>(std::clamp(positive_score, 0.0, 1.0) * static_cast<double>(kAucBins));
    bin = std::min(bin, kAucBins - 1);
    ++(actual == 1 ? bucket.positive : bucket.negative)[bin];
  }
}

FeedbackMetrics VersionMonitor::Metrics(const FeedbackBucket& bucket, bool classifier, bool binary) {
  FeedbackMetrics metrics;
  metrics.rows = bucket.rows;
  if (bucket.rows == 0) return metrics;
  const auto rows = static_cast<double>(bucket.rows);
  if (!classifier) {
    metrics.rmse = std::sqrt(bucket.squared_error / rows);
    metrics.mae = bucket.absolute_error / rows;
    return metrics;
  }
  metrics.accuracy = static_cast<double>(bucket.correct) / rows;
  if (binary) {
    // AUC = P(score of a positive > score of a negative), ties (same bin) counting one half.
    double positives = 0;
    double negatives = 0;
    for (size_t bin = 0; bin < kAucBins; ++bin) {
      positives += static_cast<double>(bucket.positive[bin]);
      negatives += static_cast<double>(bucket.negative[bin]);
    }
    if (positives > 0 && negatives > 0) {
      double wins = 0;
      double negatives_below = 0;
      for (size_t bin = 0; bin < kAucBins; ++bin) {
        const auto positive = static_cast<double>(bucket.positive[bin]);
        const auto negative = static_cast<double>(bucket.negative[bin]);
        wins += positive * (negatives_below + negative / 2);
        negatives_below += negative;
      }
      metrics.roc_auc = wins / (positives * negatives);
    }
  }
  return metrics;
}

bool VersionMonitor::SumBucket(int64_t epoch, std::vector<int64_t>* out) const {
  out->assign(counters_per_bucket_, 0);
  bool found = false;
  for (int shard = 0; shard < options_.shards; ++shard) {
    const size_t bucket_idx = static_cast<size_t>(shard) * static_cast<size_t>(options_.buckets) +
                              static_cast<size_t>(epoch % options_.buckets);
    if (epochs_[bucket_idx].load(std::memory_order_acquire) != epoch) continue;
    found = true;
    const std::atomic<int64_t>* counters = &counters_[bucket_idx * counters_per_bucket_];
    for (size_t idx = 0; idx < counters_per_bucket_; ++idx) {
      (*out)[idx] += counters[idx].load(std::memory_order_relaxed);
    }
  }
  return found;
}

FeatureDrift VersionMonitor::CompareSlice(const FeatureProfile& training, const Slice& slice,
                                          const std::vector<int64_t>& sums) const {
  LiveCounts live;
  live.bins = std::span<const int64_t>(sums.data() + slice.offset, slice.bins);
  live.missing = sums[slice.offset + slice.bins];
  if (slice.numeric) {
    live.below = sums[slice.offset + slice.bins + 1];
    live.above = sums[slice.offset + slice.bins + 2];
  }
  return CompareFeature(training, live);
}

MonitorReport VersionMonitor::Evaluate(const Thresholds& thresholds) const {
  MonitorReport report;
  report.window_seconds = options_.bucket_seconds * options_.buckets;
  const int64_t now_epoch = EpochNow();
  std::vector<int64_t> total(counters_per_bucket_, 0);
  std::vector<int64_t> bucket;
  FeedbackBucket feedback_total;
  std::vector<FeedbackBucket> feedback;
  {
    std::lock_guard lock(feedback_mu_);
    feedback = feedback_;
  }
  const bool binary = classes_.size() == 2;
  for (int64_t epoch = now_epoch - options_.buckets + 1; epoch <= now_epoch; ++epoch) {
    if (epoch < 0) continue;
    SeriesPoint point;
    point.start_micros = epoch * options_.bucket_seconds * 1'000'000;
    if (SumBucket(epoch, &bucket)) {
      for (size_t idx = 0; idx < counters_per_bucket_; ++idx) total[idx] += bucket[idx];
      point.rows = bucket[0];
      if (profile_) {
        for (size_t slice_idx = 0; slice_idx < slices_.size(); ++slice_idx) {
          const Slice& slice = slices_[slice_idx];
          const bool is_prediction = slice_idx + 1 == slices_.size();
          const FeatureProfile& training = is_prediction ? profile_->prediction : profile_->features[slice_idx];
          FeatureDrift drift = CompareSlice(training, slice, bucket);
          if (is_prediction) {
            point.prediction_psi = drift.psi;
            continue;
          }
          point.max_feature_psi = std::max(point.max_feature_psi, drift.psi);
          point.missing += bucket[slice.offset + slice.bins];
          if (slice.numeric) {
            point.out_of_range += bucket[slice.offset + slice.bins + 1] + bucket[slice.offset + slice.bins + 2];
          } else {
            point.unseen += bucket[slice.offset + slice.bins - 1];
          }
        }
      }
    }
    const FeedbackBucket& outcomes = feedback[static_cast<size_t>(epoch % options_.buckets)];
    if (outcomes.epoch == epoch) {
      point.feedback = Metrics(outcomes, !classes_.empty(), binary);
      feedback_total.rows += outcomes.rows;
      feedback_total.squared_error += outcomes.squared_error;
      feedback_total.absolute_error += outcomes.absolute_error;
      feedback_total.correct += outcomes.correct;
      for (size_t bin = 0; bin < kAucBins; ++bin) {
        feedback_total.positive[bin] += outcomes.positive[bin];
        feedback_total.negative[bin] += outcomes.negative[bin];
      }
    }
    report.series.push_back(point);
  }
  report.rows = total[0];
  report.feedback = Metrics(feedback_total, !classes_.empty(), binary);
  if (profile_) {
    for (size_t slice_idx = 0; slice_idx + 1 < slices_.size(); ++slice_idx) {
      FeatureDrift drift = CompareSlice(profile_->features[slice_idx], slices_[slice_idx], total);
      JudgeFeature(thresholds, &drift);
      report.features.push_back(std::move(drift));
    }
    report.prediction = CompareSlice(profile_->prediction, slices_.back(), total);
    report.prediction.name = "prediction";
    JudgeFeature(thresholds, &report.prediction);
    report.judgement = JudgeModel(report.features, report.prediction, report.rows, thresholds);
  }
  return report;
}

int64_t VersionMonitor::MemoryBytes() const {
  int64_t bytes = sizeof(*this);
  bytes += static_cast<int64_t>(static_cast<size_t>(options_.shards) * static_cast<size_t>(options_.buckets) *
                                (counters_per_bucket_ + 1) * sizeof(int64_t));
  bytes += static_cast<int64_t>(feedback_.size() * sizeof(FeedbackBucket));
  if (profile_) {
    for (const FeatureProfile& feature : profile_->features) {
      bytes += static_cast<int64_t>(sizeof(feature) + feature.numbers.edges.size() * 16 +
                                    feature.categories.categories.size() * 64);
    }
  }
  bytes += static_cast<int64_t>(slices_.size() * sizeof(Slice));
  for (const auto& index : category_index_) bytes += static_cast<int64_t>(index.size() * 64);
  return bytes;
}

}  // namespace amp::monitoring
