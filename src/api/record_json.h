// Renders registry and job records as the JSON objects the API returns. One rendering per record type, shared by
// every handler that shows that record.
#pragma once

#include "api/json_out.h"
#include "storage/records.h"

namespace amp::api {

void WriteDataset(JsonWriter& writer, const storage::DatasetRecord& dataset);
void WriteFeatures(JsonWriter& writer, const std::vector<storage::FeatureField>& features);
// The version's fields, without the enclosing object (so callers can add their own).
void WriteVersionFields(JsonWriter& writer, const storage::VersionRecord& version);
void WriteVersion(JsonWriter& writer, const storage::VersionRecord& version);
// WriteVersion plus "evaluation_curves" (null when not recorded): the single-version answer, so lists stay small.
void WriteVersionDetail(JsonWriter& writer, const storage::VersionRecord& version);
// A search's leaderboard: [{"rank", "algorithm", "params", "metric", "cv_score", "cv_std", "fit_seconds"}, ...].
void WriteLeaderboard(JsonWriter& writer, const std::vector<storage::LeaderboardEntry>& leaderboard);
// `as_submission` adds "job_id" (the answer to a train request names the job it created).
void WriteJob(JsonWriter& writer, const storage::JobRecord& job, bool as_submission = false);

}  // namespace amp::api
