#include "ml/pipeline.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "core/text.h"
#include "data/date_time.h"

namespace amp::ml {
namespace {

// numpy's median: the mean of the two middle values for an even count. Reorders `values`.
double Median(std::vector<double>& values) {
  size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  double sum = lower + upper;
  return std::isfinite(sum) ? sum / 2.0 : lower / 2.0 + upper / 2.0;  // the sum of two huge values can overflow
}

core::Result<FeatureTransform> FitNumber(const data::Column& column, std::span<const int64_t> rows,
                                         NumberScaling scaling, bool missing_indicator) {
  FeatureTransform transform;
  transform.feature = {column.name, column.type};
  std::vector<double> present;
  present.reserve(rows.size());
  double present_sum = 0.0;
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (int64_t row_idx : rows) {
    double value = column.numbers[static_cast<size_t>(row_idx)];
    if (std::isnan(value)) continue;
    present.push_back(value);
    present_sum += value;
    low = std::min(low, value);
    high = std::max(high, value);
  }
  transform.impute_value = present.empty() ? 0.0 : Median(present);
  if (missing_indicator) {
    transform.missing_indicator = true;
    transform.missing_share = static_cast<double>(rows.size() - present.size()) / static_cast<double>(rows.size());
  }
  if (scaling == NumberScaling::kNone) return transform;  // center 0, scale 1
  // Mean and population standard deviation after imputation, as StandardScaler sees them: two passes (the sum, then
  // the squared deviations from the mean) over the present values, the imputed ones added in closed form. When the
  // sum overflows, Welford's running update, which keeps the mean finite for huge values.
  const auto count = static_cast<int64_t>(rows.size());
  const auto missing = static_cast<double>(count - static_cast<int64_t>(present.size()));
  double mean = (present_sum + missing * transform.impute_value) / static_cast<double>(count);
  double m2 = 0.0;
  if (low == high) {  // one value (imputed as itself): exactly that mean and no spread, whatever the sum's rounding
    mean = low;
  } else if (std::isfinite(mean)) {
    for (double value : present) m2 += (value - mean) * (value - mean);
    m2 += missing * (transform.impute_value - mean) * (transform.impute_value - mean);
  } else {
    mean = 0.0;
    int64_t seen = 0;
    for (int64_t row_idx : rows) {
      double value = column.numbers[static_cast<size_t>(row_idx)];
      if (std::isnan(value)) value = transform.impute_value;
      ++seen;
      double delta = value - mean;
      mean += delta / static_cast<double>(seen);
      m2 += delta * (value - mean);
    }
  }
  double stddev = count > 0 ? std::sqrt(m2 / static_cast<double>(count)) : 0.0;
  transform.center = mean;
  transform.scale = stddev > 0.0 ? stddev : 1.0;
  // Values near the double range overflow the mean or the variance; an infinite center or scale could neither be
  // fitted on nor written to the model artifact (JSON has no infinity).
  if (!std::isfinite(transform.center) || !std::isfinite(transform.scale)) {
    return core::InvalidArgument("numeric feature '" + column.name +
                                 "' has values too large to standardize (its mean or variance overflows)");
  }
  return transform;
}

core::Result<FeatureTransform> FitCategory(const data::Column& column, std::span<const int64_t> rows, int max_levels) {
  FeatureTransform transform;
  transform.feature = {column.name, column.type};
  std::vector<int64_t> counts(column.categories.size(), 0);
  for (int64_t row_idx : rows) {
    int32_t code = column.codes[static_cast<size_t>(row_idx)];
    if (code >= 0) ++counts[static_cast<size_t>(code)];
  }
  std::map<std::string, int64_t> seen;  // sorted, as OneHotEncoder orders its categories
  for (size_t code = 0; code < counts.size(); ++code) {
    if (counts[code] > 0) seen.emplace(column.categories[code], counts[code]);
  }
  if (seen.empty()) {
    return core::InvalidArgument("categorical feature '" + column.name + "' has no values in the training rows");
  }
  std::vector<int64_t> level_counts;
  for (const auto& [category, count] : seen) level_counts.push_back(count);
  const std::vector<bool> keep =
      ChooseOneHotLevels(level_counts, static_cast<int64_t>(rows.size()), std::max(1, max_levels));
  int64_t best_count = -1;
  int64_t present_count = 0;
  int64_t other_count = 0;
  size_t level_idx = 0;
  for (const auto& [category, count] : seen) {
    present_count += count;
    if (!keep[level_idx++]) {
      other_count += count;
      continue;
    }
    // Ties go to the smallest category, as SimpleImputer(strategy="most_frequent") does.
    if (count > best_count) {
      best_count = count;
      transform.impute_category = static_cast<int32_t>(transform.categories.size());
    }
    transform.categories.push_back(category);
    transform.category_means.push_back(static_cast<double>(count));
  }
  // Missing values are imputed as the most frequent category before encoding, so they count towards its mean.
  transform.category_means[static_cast<size_t>(transform.impute_category)] +=
      static_cast<double>(static_cast<int64_t>(rows.size()) - present_count);
  for (double& mean : transform.category_means) mean /= static_cast<double>(rows.size());
  if (transform.categories.size() < seen.size()) {
    transform.other_bucket = true;
    transform.other_mean = static_cast<double>(other_count) / static_cast<double>(rows.size());
  }
  return transform;
}

// Mean and population standard deviation of `values`, as StandardScaler sees them.
void MeanAndStd(const std::vector<double>& values, double* mean, double* stddev) {
  double running_mean = 0.0;
  double m2 = 0.0;
  int64_t count = 0;
  for (double value : values) {
    ++count;
    double delta = value - running_mean;
    running_mean += delta / static_cast<double>(count);
    m2 += delta * (value - running_mean);
  }
  *mean = running_mean;
  *stddev = count > 0 ? std::sqrt(m2 / static_cast<double>(count)) : 0.0;
}

double DatePartValue(const data::DateTimeParts& parts, size_t part_idx) {
  switch (part_idx) {
    case 0:
      return parts.year;
    case 1:
      return parts.month;
    case 2:
      return parts.day;
    case 3:
      return parts.weekday;
    default:
      return parts.hour;
  }
}

core::Result<FeatureTransform> FitDate(const data::Column& column, std::span<const int64_t> rows, NumberScaling scaling,
                                       bool missing_indicator) {
  FeatureTransform transform;
  transform.feature = {column.name, column.type};
  std::vector<std::optional<data::DateTimeParts>> parsed(column.categories.size());
  for (size_t code = 0; code < column.categories.size(); ++code)
    parsed[code] = data::ParseDateTime(column.categories[code]);
  std::vector<const data::DateTimeParts*> row_parts;
  row_parts.reserve(rows.size());
  bool any_time = false;
  int64_t missing = 0;
  for (int64_t row_idx : rows) {
    int32_t code = column.codes[static_cast<size_t>(row_idx)];
    const data::DateTimeParts* parts =
        code >= 0 && parsed[static_cast<size_t>(code)].has_value() ? &*parsed[static_cast<size_t>(code)] : nullptr;
    if (parts == nullptr) ++missing;
    any_time = any_time || (parts != nullptr && parts->has_time);
    row_parts.push_back(parts);
  }
  if (missing == static_cast<int64_t>(rows.size())) {
    return core::InvalidArgument("date feature '" + column.name + "' has no date in the training rows");
  }
  const size_t part_count = any_time ? 5 : 4;
  for (size_t part_idx = 0; part_idx < part_count; ++part_idx) {
    DatePart part;
    part.part = DatePartNames()[part_idx];
    std::vector<double> present;
    for (const data::DateTimeParts* parts : row_parts) {
      if (parts != nullptr) present.push_back(DatePartValue(*parts, part_idx));
    }
    part.impute_value = Median(present);
    std::vector<double> imputed;
    imputed.reserve(row_parts.size());
    for (const data::DateTimeParts* parts : row_parts) {
      imputed.push_back(parts != nullptr ? DatePartValue(*parts, part_idx) : part.impute_value);
    }
    double mean = 0.0;
    double stddev = 0.0;
    MeanAndStd(imputed, &mean, &stddev);
    if (scaling == NumberScaling::kStandardize) {
      part.center = mean;
      part.scale = stddev > 0.0 ? stddev : 1.0;
    }
    part.mean = (mean - part.center) / part.scale;
    transform.date_parts.push_back(std::move(part));
  }
  if (missing_indicator) {
    transform.missing_indicator = true;
    transform.missing_share = static_cast<double>(missing) / static_cast<double>(rows.size());
  }
  return transform;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

const std::vector<std::string>& DatePartNames() {
  static const std::vector<std::string> kNames = {"year", "month", "day", "weekday", "hour"};
  return kNames;
}

int FeatureTransform::EncodedWidth() const {
  int width = IsDate()                           ? static_cast<int>(date_parts.size())
              : data::IsNumberLike(feature.type) ? 1
                                                 : static_cast<int>(categories.size()) + (other_bucket ? 1 : 0);
  return width + (missing_indicator ? 1 : 0);
}

std::vector<bool> ChooseOneHotLevels(const std::vector<int64_t>& counts, int64_t row_count, int max_levels) {
  std::vector<size_t> order(counts.size());
  for (size_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return counts[a] > counts[b]; });
  std::vector<bool> keep(counts.size(), false);
  const double rare_below = kRareLevelShare * static_cast<double>(row_count);
  for (size_t rank = 0; rank < order.size() && rank < static_cast<size_t>(std::max(1, max_levels)); ++rank) {
    const int64_t count = counts[order[rank]];
    const bool rare = count < kRareLevelRows && static_cast<double>(count) < rare_below;
    if (rank == 0 || !rare) keep[order[rank]] = true;
  }
  return keep;
}

std::string MissingValueWarning(size_t row_idx, std::string_view feature) {
  return "row " + std::to_string(row_idx) + ": feature '" + std::string(feature) +
         "' is missing; imputed as in training";
}

std::string UnseenCategoryWarning(size_t row_idx, std::string_view feature, std::string_view category) {
  return "row " + std::to_string(row_idx) + ": feature '" + std::string(feature) +
         "' has a category unseen in training ('" + core::ShortenForMessage(category, 64) + "'); encoded as all zeros";
}

namespace {

std::string UnseenToOtherWarning(size_t row_idx, std::string_view feature, std::string_view category) {
  return "row " + std::to_string(row_idx) + ": feature '" + std::string(feature) +
         "' has a category that is rare or unseen in training ('" + core::ShortenForMessage(category, 64) +
         "'); encoded as other";
}

std::string NotADateWarning(size_t row_idx, std::string_view feature, std::string_view text) {
  return "row " + std::to_string(row_idx) + ": feature '" + std::string(feature) + "' is not a date ('" +
         core::ShortenForMessage(text, 64) + "'); imputed as in training";
}

}  // namespace

Pipeline::Pipeline(std::vector<FeatureTransform> transforms) : transforms_(std::move(transforms)) {
  for (const FeatureTransform& transform : transforms_) {
    encoded_width_ += transform.EncodedWidth();
    feature_offsets_.push_back(encoded_width_);
  }
}

core::Result<Pipeline> Pipeline::Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                     std::span<const int64_t> rows, NumberScaling scaling) {
  FitOptions options;
  options.scaling = scaling;
  return Fit(table, feature_columns, rows, options);
}

core::Result<Pipeline> Pipeline::Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                     std::span<const int64_t> rows, const FitOptions& options) {
  if (rows.empty()) return core::InvalidArgument("no rows to fit the preprocessing on");
  if (!options.features.empty() && options.features.size() != feature_columns.size()) {
    return core::InvalidArgument("one set of feature options per feature column is needed");
  }
  // Columns are independent: fitted on up to hardware_concurrency threads (each column by one thread, so the
  // result does not depend on the count), the first error in column order reported.
  std::vector<core::Result<FeatureTransform>> fitted(feature_columns.size(), core::Internal("not fitted"));
  auto fit_column = [&](size_t pos) {
    const data::Column& column = table.column(static_cast<size_t>(feature_columns[pos]));
    const FeatureOptions feature_options = options.features.empty() ? FeatureOptions{} : options.features[pos];
    if (feature_options.date) {
      if (data::IsNumberLike(column.type)) {
        fitted[pos] = core::InvalidArgument("feature '" + column.name + "' is " +
                                            std::string(data::ColumnTypeName(column.type)) + ", not text with dates");
      } else {
        fitted[pos] = FitDate(column, rows, options.scaling, feature_options.missing_indicator);
      }
    } else if (data::IsNumberLike(column.type)) {
      fitted[pos] = FitNumber(column, rows, options.scaling, feature_options.missing_indicator);
    } else {
      fitted[pos] = FitCategory(column, rows, options.max_levels);
    }
  };
  const size_t workers = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), feature_columns.size());
  if (workers <= 1 || rows.size() < 10000) {
    for (size_t pos = 0; pos < fitted.size(); ++pos) fit_column(pos);
  } else {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t pos = next++; pos < fitted.size(); pos = next++) fit_column(pos);
    };
    std::vector<std::thread> pool;
    for (size_t worker = 1; worker < workers; ++worker) pool.emplace_back(work);
    work();
    for (std::thread& thread : pool) thread.join();
  }
  std::vector<FeatureTransform> transforms;
  for (auto& transform : fitted) {
    if (!transform.ok()) return transform.status();
    transforms.push_back(std::move(transform).value());
  }
  return Pipeline(std::move(transforms));
}

template <typename T>
void Pipeline::EncodeFeatureInto(size_t feature_idx, const FeatureValue& value, size_t row_idx, T* out,
                                 PredictionNotes* notes) const {
  const FeatureTransform& transform = transforms_[feature_idx];
  const auto width = static_cast<size_t>(transform.EncodedWidth());
  std::fill(out, out + width, T{0});
  bool missing = value.kind == FeatureValue::Kind::kMissing;
  if (missing && notes != nullptr) {
    notes->Warn([&] { return MissingValueWarning(row_idx, transform.feature.name); });
  }
  if (transform.IsDate()) {
    std::optional<data::DateTimeParts> parts;
    if (value.kind == FeatureValue::Kind::kText) {
      parts = data::ParseDateTime(value.text);
      if (!parts.has_value() && notes != nullptr) {
        notes->Warn([&] { return NotADateWarning(row_idx, transform.feature.name, value.text); });
      }
    }
    missing = !parts.has_value();
    for (size_t part_idx = 0; part_idx < transform.date_parts.size(); ++part_idx) {
      const DatePart& part = transform.date_parts[part_idx];
      const double raw = missing ? part.impute_value : DatePartValue(*parts, part_idx);
      out[part_idx] = static_cast<T>((raw - part.center) / part.scale);
    }
  } else if (data::IsNumberLike(transform.feature.type)) {
    const double raw = missing ? transform.impute_value : value.number;
    out[0] = static_cast<T>((raw - transform.center) / transform.scale);
  } else {
    if (missing) {
      out[transform.impute_category] = T{1};
      return;
    }
    auto it = std::lower_bound(
        transform.categories.begin(), transform.categories.end(), value.text,
        [](const std::string& category, std::string_view key) { return std::string_view(category) < key; });
    if (it != transform.categories.end() && *it == value.text) {
      out[it - transform.categories.begin()] = T{1};
    } else if (transform.other_bucket) {
      // The pipeline keeps no names of the rare training levels, so one note covers rare and unseen categories.
      out[transform.categories.size()] = T{1};
      if (notes != nullptr) {
        notes->Warn([&] { return UnseenToOtherWarning(row_idx, transform.feature.name, value.text); });
      }
    } else if (notes != nullptr) {
      notes->Warn([&] { return UnseenCategoryWarning(row_idx, transform.feature.name, value.text); });
    }
    return;
  }
  if (transform.missing_indicator && missing) out[width - 1] = T{1};
}

void Pipeline::EncodeFeature(size_t feature_idx, const FeatureValue& value, size_t row_idx, double* out,
                             PredictionNotes* notes) const {
  EncodeFeatureInto(feature_idx, value, row_idx, out, notes);
}

std::vector<double> Pipeline::EncodedMeans(size_t feature_idx) const {
  const FeatureTransform& transform = transforms_[feature_idx];
  std::vector<double> means;
  if (transform.IsDate()) {
    for (const DatePart& part : transform.date_parts) means.push_back(part.mean);
  } else if (data::IsNumberLike(transform.feature.type)) {
    // Standardized, the encoded mean is 0. Unscaled (tree models, which no explanation reads this for) the mean is
    // not recorded and the median stands in.
    const bool unscaled = transform.center == 0.0 && transform.scale == 1.0;
    means.push_back(unscaled ? transform.impute_value : 0.0);
  } else {
    const size_t count = transform.categories.size();
    for (size_t idx = 0; idx < count; ++idx) {
      means.push_back(transform.category_means.empty() ? 1.0 / static_cast<double>(count)
                                                       : transform.category_means[idx]);
    }
    if (transform.other_bucket) means.push_back(transform.other_mean);
  }
  if (transform.missing_indicator) means.push_back(transform.missing_share);
  return means;
}

bool Pipeline::HasExtendedTransforms() const {
  return std::any_of(transforms_.begin(), transforms_.end(),
                     [](const FeatureTransform& transform) { return transform.IsExtended(); });
}

template <typename T>
void Pipeline::EncodeInto(const data::Table& table, const std::vector<int>& feature_columns,
                          std::span<const int64_t> rows, size_t row_step, size_t column_step, T* out) const {
  const size_t row_count = rows.size();
  size_t out_column = 0;
  std::vector<T> scratch;
  for (size_t feature_idx = 0; feature_idx < transforms_.size(); ++feature_idx) {
    const FeatureTransform& transform = transforms_[feature_idx];
    const data::Column& column = table.column(static_cast<size_t>(feature_columns[feature_idx]));
    if (transform.IsExtended()) {
      // One value at a time through the serving path, so training sees exactly what serving computes.
      const auto width = static_cast<size_t>(transform.EncodedWidth());
      scratch.assign(width, T{0});
      for (size_t pos = 0; pos < row_count; ++pos) {
        const auto row_idx = static_cast<size_t>(rows[pos]);
        FeatureValue value;
        if (!column.IsMissing(rows[pos])) {
          value = data::IsNumberLike(column.type)
                      ? FeatureValue::Number(column.numbers[row_idx])
                      : FeatureValue::Text(column.categories[static_cast<size_t>(column.codes[row_idx])]);
        }
        EncodeFeatureInto(feature_idx, value, pos, scratch.data(), nullptr);
        for (size_t col = 0; col < width; ++col) out[(out_column + col) * column_step + pos * row_step] = scratch[col];
      }
      out_column += width;
      continue;
    }
    if (data::IsNumberLike(transform.feature.type)) {
      T* dest = out + out_column * column_step;
      for (size_t pos = 0; pos < row_count; ++pos) {
        double value = column.numbers[static_cast<size_t>(rows[pos])];
        if (std::isnan(value)) value = transform.impute_value;
        dest[pos * row_step] = static_cast<T>((value - transform.center) / transform.scale);
      }
      ++out_column;
      continue;
    }
    // Map this table's category codes to the pipeline's one-hot positions (-1: unseen in training).
    std::vector<int32_t> position(column.categories.size(), -1);
    for (size_t code = 0; code < column.categories.size(); ++code) {
      auto it = std::lower_bound(transform.categories.begin(), transform.categories.end(), column.categories[code]);
      if (it != transform.categories.end() && *it == column.categories[code]) {
        position[code] = static_cast<int32_t>(it - transform.categories.begin());
      }
    }
    for (size_t pos = 0; pos < row_count; ++pos) {
      int32_t code = column.codes[static_cast<size_t>(rows[pos])];
      int32_t hot = code < 0 ? transform.impute_category : position[static_cast<size_t>(code)];
      if (hot >= 0) out[(out_column + static_cast<size_t>(hot)) * column_step + pos * row_step] = T{1};
    }
    out_column += transform.categories.size();
  }
}

void Pipeline::Encode(const data::Table& table, const std::vector<int>& feature_columns, std::span<const int64_t> rows,
                      std::vector<double>* out) const {
  out->assign(rows.size() * static_cast<size_t>(encoded_width_), 0.0);
  EncodeInto(table, feature_columns, rows, 1, rows.size(), out->data());
}

void Pipeline::EncodeRowMajor(const data::Table& table, const std::vector<int>& feature_columns,
                              std::span<const int64_t> rows, std::vector<float>* out) const {
  out->assign(rows.size() * static_cast<size_t>(encoded_width_), 0.0f);
  EncodeInto(table, feature_columns, rows, static_cast<size_t>(encoded_width_), 1, out->data());
}

void Pipeline::EncodeRow(std::span<const FeatureValue> row, size_t row_idx, std::span<float> out,
                         PredictionNotes* notes) const {
  for (size_t feature_idx = 0; feature_idx < transforms_.size(); ++feature_idx) {
    const FeatureTransform& transform = transforms_[feature_idx];
    const FeatureValue& value = row[feature_idx];
    float* dest = out.data() + feature_offsets_[feature_idx];
    if (transform.IsExtended()) {
      EncodeFeatureInto(feature_idx, value, row_idx, dest, notes);
      continue;
    }
    if (value.kind == FeatureValue::Kind::kMissing && notes != nullptr) {
      notes->Warn([&] { return MissingValueWarning(row_idx, transform.feature.name); });
    }
    if (data::IsNumberLike(transform.feature.type)) {
      const double raw = value.kind == FeatureValue::Kind::kMissing ? transform.impute_value : value.number;
      *dest = static_cast<float>((raw - transform.center) / transform.scale);
      continue;
    }
    std::fill(dest, dest + transform.categories.size(), 0.0f);
    if (value.kind == FeatureValue::Kind::kMissing) {
      dest[transform.impute_category] = 1.0f;
      continue;
    }
    auto it = std::lower_bound(
        transform.categories.begin(), transform.categories.end(), value.text,
        [](const std::string& category, std::string_view key) { return std::string_view(category) < key; });
    if (it != transform.categories.end() && *it == value.text) {
      dest[it - transform.categories.begin()] = 1.0f;
    } else if (notes != nullptr) {
      notes->Warn([&] { return UnseenCategoryWarning(row_idx, transform.feature.name, value.text); });
    }
  }
}

core::Status Pipeline::CheckSignature(const ModelSignature& signature) const {
  if (signature.features.size() != transforms_.size()) {
    return core::InvalidArgument("signature and pipeline disagree on the number of features");
  }
  // Serving checks inputs against the signature and models read them by the pipeline's types; a disagreement would
  // silently score text as 0.0.
  for (size_t feature_idx = 0; feature_idx < signature.features.size(); ++feature_idx) {
    const FeatureTransform& transform = transforms_[feature_idx];
    if (signature.features[feature_idx] != transform.feature) {
      return core::InvalidArgument("signature and pipeline disagree on feature " + std::to_string(feature_idx));
    }
    if (transform.IsDate()) {
      if (data::IsNumberLike(transform.feature.type) || !transform.categories.empty() || transform.other_bucket) {
        return core::InvalidArgument("date feature '" + transform.feature.name + "' must be text without categories");
      }
      continue;
    }
    if (!data::IsNumberLike(transform.feature.type) && transform.missing_indicator) {
      return core::InvalidArgument("categorical feature '" + transform.feature.name +
                                   "' cannot have a missing indicator");
    }
    if (!data::IsNumberLike(transform.feature.type) &&
        (transform.impute_category < 0 ||
         static_cast<size_t>(transform.impute_category) >= transform.categories.size())) {
      return core::InvalidArgument("categorical feature '" + transform.feature.name +
                                   "' has no category to impute missing values with");
    }
    if (!transform.category_means.empty() && transform.category_means.size() != transform.categories.size()) {
      return core::InvalidArgument("categorical feature '" + transform.feature.name +
                                   "' has a different number of category means than categories");
    }
    if (std::adjacent_find(transform.categories.begin(), transform.categories.end(), std::greater_equal<>()) !=
        transform.categories.end()) {
      return core::InvalidArgument("categorical feature '" + transform.feature.name +
                                   "' has categories that are not sorted and distinct");
    }
  }
  return core::Status::Ok();
}

std::vector<std::string> Pipeline::EncodedNames() const {
  std::vector<std::string> names;
  for (const FeatureTransform& transform : transforms_) {
    if (transform.IsDate()) {
      for (const DatePart& part : transform.date_parts) names.push_back(transform.feature.name + "." + part.part);
    } else if (data::IsNumberLike(transform.feature.type)) {
      names.push_back(transform.feature.name);
    } else {
      for (const std::string& category : transform.categories) names.push_back(transform.feature.name + "=" + category);
      if (transform.other_bucket) names.push_back(transform.feature.name + "=(other)");
    }
    if (transform.missing_indicator) names.push_back(transform.feature.name + ".missing");
  }
  return names;
}

std::string Pipeline::ToJson() const {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("transforms");
  writer.StartArray();
  for (const FeatureTransform& transform : transforms_) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, transform.feature.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(transform.feature.type));
    if (transform.missing_indicator) {
      writer.Key("missing_indicator");
      writer.Bool(true);
      writer.Key("missing_share");
      writer.Double(transform.missing_share);
    }
    if (transform.IsDate()) {
      writer.Key("date_parts");
      writer.StartArray();
      for (const DatePart& part : transform.date_parts) {
        writer.StartObject();
        writer.Key("part");
        WriteString(writer, part.part);
        writer.Key("impute");
        writer.Double(part.impute_value);
        writer.Key("center");
        writer.Double(part.center);
        writer.Key("scale");
        writer.Double(part.scale);
        writer.Key("mean");
        writer.Double(part.mean);
        writer.EndObject();
      }
      writer.EndArray();
    } else if (data::IsNumberLike(transform.feature.type)) {
      writer.Key("impute");
      if (std::isnan(transform.impute_value)) {
        writer.Null();  // missing stays missing (imported XGBoost models: the trees' default branches)
      } else {
        writer.Double(transform.impute_value);
      }
      writer.Key("center");
      writer.Double(transform.center);
      writer.Key("scale");
      writer.Double(transform.scale);
    } else {
      writer.Key("categories");
      writer.StartArray();
      for (const std::string& category : transform.categories) WriteString(writer, category);
      writer.EndArray();
      writer.Key("impute_category");
      writer.Int(transform.impute_category);
      if (!transform.category_means.empty()) {
        writer.Key("category_means");
        writer.StartArray();
        for (double mean : transform.category_means) writer.Double(mean);
        writer.EndArray();
      }
      if (transform.other_bucket) {
        writer.Key("other_bucket");
        writer.Bool(true);
        writer.Key("other_mean");
        writer.Double(transform.other_mean);
      }
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return buffer.GetString();
}

core::Result<Pipeline> Pipeline::FromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  auto corrupt = [] { return core::DataLoss("malformed preprocessing pipeline in the model artifact"); };
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("transforms") || !doc["transforms"].IsArray()) {
    return corrupt();
  }
  std::vector<FeatureTransform> transforms;
  for (const auto& item : doc["transforms"].GetArray()) {
    if (!item.IsObject() || !item.HasMember("name") || !item["name"].IsString() || !item.HasMember("type") ||
        !item["type"].IsString()) {
      return corrupt();
    }
    FeatureTransform transform;
    transform.feature.name = item["name"].GetString();
    auto type = data::ParseColumnType(item["type"].GetString());
    if (!type.ok()) return corrupt();
    transform.feature.type = *type;
    if (item.HasMember("missing_indicator")) {
      if (!item["missing_indicator"].IsBool() || !item.HasMember("missing_share") ||
          !item["missing_share"].IsNumber() || (!data::IsNumberLike(*type) && !item.HasMember("date_parts"))) {
        return corrupt();
      }
      transform.missing_indicator = item["missing_indicator"].GetBool();
      transform.missing_share = item["missing_share"].GetDouble();
    }
    if (item.HasMember("date_parts")) {
      const auto& parts = item["date_parts"];
      if (data::IsNumberLike(*type) || !parts.IsArray() || parts.Empty() || parts.Size() > DatePartNames().size()) {
        return corrupt();
      }
      for (rapidjson::SizeType part_idx = 0; part_idx < parts.Size(); ++part_idx) {
        const auto& entry = parts[part_idx];
        if (!entry.IsObject() || !entry.HasMember("part") || !entry["part"].IsString() ||
            entry["part"].GetString() != DatePartNames()[part_idx]) {
          return corrupt();
        }
        DatePart part;
        part.part = entry["part"].GetString();
        for (const char* key : {"impute", "center", "scale", "mean"}) {
          if (!entry.HasMember(key) || !entry[key].IsNumber()) return corrupt();
        }
        part.impute_value = entry["impute"].GetDouble();
        part.center = entry["center"].GetDouble();
        part.scale = entry["scale"].GetDouble();
        part.mean = entry["mean"].GetDouble();
        if (part.scale == 0.0) return corrupt();
        transform.date_parts.push_back(std::move(part));
      }
      transforms.push_back(std::move(transform));
      continue;
    }
    if (data::IsNumberLike(*type)) {
      for (const char* key : {"impute", "center", "scale"}) {
        if (!item.HasMember(key) || !(item[key].IsNumber() || (item[key].IsNull() && key[0] == 'i'))) return corrupt();
      }
      transform.impute_value =
          item["impute"].IsNull() ? std::numeric_limits<double>::quiet_NaN() : item["impute"].GetDouble();
      transform.center = item["center"].GetDouble();
      transform.scale = item["scale"].GetDouble();
      if (transform.scale == 0.0) return corrupt();
    } else {
      if (!item.HasMember("categories") || !item["categories"].IsArray() || !item.HasMember("impute_category") ||
          !item["impute_category"].IsInt()) {
        return corrupt();
      }
      for (const auto& category : item["categories"].GetArray()) {
        if (!category.IsString()) return corrupt();
        transform.categories.emplace_back(category.GetString(), category.GetStringLength());
      }
      transform.impute_category = item["impute_category"].GetInt();
      if (transform.impute_category < 0 ||
          transform.impute_category >= static_cast<int32_t>(transform.categories.size()) ||
          std::adjacent_find(transform.categories.begin(), transform.categories.end(),
                             std::greater_equal<>()) != transform.categories.end()) {  // not strictly ascending
        return corrupt();
      }
      if (item.HasMember("category_means")) {  // absent in artifacts written before it was recorded
        const auto& means = item["category_means"];
        if (!means.IsArray() || means.Size() != transform.categories.size()) return corrupt();
        for (const auto& mean : means.GetArray()) {
          if (!mean.IsNumber() || !(mean.GetDouble() >= 0.0 && mean.GetDouble() <= 1.0)) return corrupt();
          transform.category_means.push_back(mean.GetDouble());
        }
      }
      if (item.HasMember("other_bucket")) {
        if (!item["other_bucket"].IsBool() || !item.HasMember("other_mean") || !item["other_mean"].IsNumber()) {
          return corrupt();
        }
        transform.other_bucket = item["other_bucket"].GetBool();
        transform.other_mean = item["other_mean"].GetDouble();
      }
    }
    transforms.push_back(std::move(transform));
  }
  return Pipeline(std::move(transforms));
}

std::vector<double> Pipeline::EncodedStdDevs() const {
  std::vector<double> deviations;
  deviations.reserve(static_cast<size_t>(encoded_width_));
  for (const FeatureTransform& transform : transforms_) {
    if (data::IsNumberLike(transform.feature.type)) {
      deviations.push_back(1.0);
      continue;
    }
    const size_t category_count = transform.categories.size();
    for (size_t category_idx = 0; category_idx < category_count; ++category_idx) {
      const double share = transform.category_means.empty() ? 1.0 / static_cast<double>(category_count)
                                                            : transform.category_means[category_idx];
      deviations.push_back(std::sqrt(std::max(0.0, share * (1.0 - share))));
    }
  }
  return deviations;
}

std::vector<std::pair<std::string, double>> ImportanceByFeature(const Pipeline& pipeline,
                                                                std::span<const double> per_column) {
  std::vector<std::pair<std::string, double>> importance;
  const std::vector<int>& offsets = pipeline.feature_offsets();
  for (size_t feature_idx = 0; feature_idx < pipeline.transforms().size(); ++feature_idx) {
    double sum = 0.0;
    for (int column = offsets[feature_idx]; column < offsets[feature_idx + 1]; ++column) {
      if (static_cast<size_t>(column) < per_column.size()) sum += per_column[static_cast<size_t>(column)];
    }
    importance.emplace_back(pipeline.transforms()[feature_idx].feature.name, sum);
  }
  std::stable_sort(importance.begin(), importance.end(),
                   [](const auto& left, const auto& right) { return left.second > right.second; });
  return importance;
}

}  // namespace amp::ml
