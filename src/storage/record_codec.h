// Text encodings of the list- and map-valued fields of records, for stores that keep them in one text column
// (JSON). Internal to storage/. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/table_summary.h"
#include "storage/records.h"

namespace amp::storage {

std::string EncodeNumberMap(const std::map<std::string, double>& values);
core::Result<std::map<std::string, double>> DecodeNumberMap(std::string_view text);

// [{"feature": name, "importance": x}, ...] in the given order.
std::string EncodeFeatureImportance(const std::vector<std::pair<std::string, double>>& importance);
core::Result<std::vector<std::pair<std::string, double>>> DecodeFeatureImportance(std::string_view text);

std::string EncodeStringList(const std::vector<std::string>& values);
core::Result<std::vector<std::string>> DecodeStringList(std::string_view text);

std::string EncodeFeatures(const std::vector<FeatureField>& features);
core::Result<std::vector<FeatureField>> DecodeFeatures(std::string_view text);

std::string EncodeColumnSummaries(const std::vector<data::ColumnSummary>& columns);
core::Result<std::vector<data::ColumnSummary>> DecodeColumnSummaries(std::string_view text);

std::string EncodeLeaderboard(const std::vector<LeaderboardEntry>& entries);
core::Result<std::vector<LeaderboardEntry>> DecodeLeaderboard(std::string_view text);

// A train request's search, cpu_budget and time_budget_seconds, and the job's resubmitted_from.
std::string EncodeJobOptions(const JobRecord& job);
core::Status DecodeJobOptions(std::string_view text, JobRecord* job);

std::string EncodeJobProgress(const JobProgress& progress);
core::Result<JobProgress> DecodeJobProgress(std::string_view text);

}  // namespace amp::storage
