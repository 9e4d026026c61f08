// TargetClasses: a classification target's class labels and each row's class index, from a loaded target column.
// Labels are the distinct non-missing values as text: categories as loaded (trimmed), booleans as "false"/"true",
// other numbers in their shortest exact form ("3", "2.5"); ordered by value (numbers numerically, text by bytes) so
// the order is stable whatever the row order. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/table.h"

namespace amp::training {

struct TargetClasses {
  std::vector<std::string> labels;
  std::vector<int32_t> row_classes;  // one per row asked for, an index into labels
};

// The classes of `target` over `rows` (which must not be missing in it).
TargetClasses EncodeTargetClasses(const data::Column& target, std::span<const int64_t> rows);

}  // namespace amp::training
