#include "training/target_classes.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace amp::training {
namespace {

std::string NumberLabel(double value, data::ColumnType type) {
  if (type == data::ColumnType::kBoolean) return value != 0.0 ? "true" : "false";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);  // shortest exact form: 3 -> "3"
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

}  // namespace

TargetClasses EncodeTargetClasses(const data::Column& target, std::span<const int64_t> rows) {
  TargetClasses classes;
  classes.row_classes.reserve(rows.size());
  if (data::IsNumberLike(target.type)) {
    std::map<double, int32_t> index;
    for (int64_t row_idx : rows) index.try_emplace(target.numbers[static_cast<size_t>(row_idx)], 0);
    for (auto& [value, class_idx] : index) {
      class_idx = static_cast<int32_t>(classes.labels.size());
      classes.labels.push_back(NumberLabel(value, target.type));
    }
    for (int64_t row_idx : rows) classes.row_classes.push_back(index.at(target.numbers[static_cast<size_t>(row_idx)]));
    return classes;
  }
  // Categories are stored in first-seen order; classes follow their sorted text.
  std::vector<char> seen(target.categories.size(), 0);
  for (int64_t row_idx : rows) seen[static_cast<size_t>(target.codes[static_cast<size_t>(row_idx)])] = 1;
  std::map<std::string, int32_t> index;
  for (size_t code = 0; code < seen.size(); ++code) {
    if (seen[code] != 0) index.emplace(target.categories[code], 0);
  }
  for (auto& [label, class_idx] : index) {
    class_idx = static_cast<int32_t>(classes.labels.size());
    classes.labels.push_back(label);
  }
  std::vector<int32_t> by_code(target.categories.size(), -1);
  for (size_t code = 0; code < target.categories.size(); ++code) {
    auto it = index.find(target.categories[code]);
    if (it != index.end()) by_code[code] = it->second;
  }
  for (int64_t row_idx : rows) {
    classes.row_classes.push_back(by_code[static_cast<size_t>(target.codes[static_cast<size_t>(row_idx)])]);
  }
  return classes;
}

}  // namespace amp::training
