// Task detection: which task a training request means (regression, binary or multiclass classification), decided
// from the profile of its target column and the task the request asks for, if any. A pure function, called by
// PlanTraining before a job is queued; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "data/table_summary.h"
#include "ml/model.h"

namespace amp::training {

// The most classes a classifier is trained for, and the most distinct whole numbers that make an integer target a
// classification by default (more is a count or an amount: regression).
inline constexpr int64_t kMaxClasses = 100;
inline constexpr int64_t kMaxAutoIntegerClasses = 10;

// `requested` is "" (detect), "regression", "classification" (binary or multiclass by the number of classes),
// "binary_classification" or "multiclass_classification". Detection: a categorical or boolean target is a
// classification; an integer target with 2 to kMaxAutoIntegerClasses distinct values too; any other number-like
// target is a regression. A classification has two classes exactly (binary) or more (multiclass).
// FailedPrecondition naming the problem for: an unknown task name, a regression target that is text (categorical or
// boolean), a classification target with fewer than 2 distinct values ("one class") or more than kMaxClasses, a
// binary classification of a target without exactly 2 values.
core::Result<ml::Task> DetectTask(const data::ColumnSummary& target, std::string_view requested);

}  // namespace amp::training
