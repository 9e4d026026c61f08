#include "ml/pipeline.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <vector>

#include "core/huge_pages.h"
#include "core/parallel_for.h"
#include "core/text.h"
#include "data/date_time.h"
#include "ml/date_part_value.h"

namespace amp::ml {

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
                          std::span<const int64_t> rows, size_t row_step, size_t column_step, size_t threads,
                          T* out) const {
  constexpr size_t kBlockRows = 32768;
  const size_t blocks = (rows.size() + kBlockRows - 1) / kBlockRows;
  core::ParallelFor(blocks, blocks < 2 ? 1 : threads, [&](size_t block) {
    const size_t first = block * kBlockRows;
    EncodeBlock(table, feature_columns, rows.subspan(first, std::min(kBlockRows, rows.size() - first)), row_step,
                column_step, out + first * row_step);
  });
}

template <typename T>
void Pipeline::EncodeBlock(const data::Table& table, const std::vector<int>& feature_columns,
                           std::span<const int64_t> rows, size_t row_step, size_t column_step, T* out) const {
  const size_t row_count = rows.size();
  if (row_count == 0) return;  // nothing to write, and `out` may be null (an empty vector's data())
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
                      std::vector<double>* out, size_t threads) const {
  core::AssignZeros(out, rows.size() * static_cast<size_t>(encoded_width_));
  EncodeInto(table, feature_columns, rows, 1, rows.size(), threads, out->data());
}

void Pipeline::EncodeRowMajor(const data::Table& table, const std::vector<int>& feature_columns,
                              std::span<const int64_t> rows, std::vector<float>* out, size_t threads) const {
  core::AssignZeros(out, rows.size() * static_cast<size_t>(encoded_width_));
  EncodeInto(table, feature_columns, rows, static_cast<size_t>(encoded_width_), 1, threads, out->data());
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
