#include "api/record_json.h"

#include "data/cleaning_report.h"

namespace amp::api {

void WriteDataset(JsonWriter& writer, const storage::DatasetRecord& dataset) {
  writer.StartObject();
  writer.Key("id");
  WriteString(writer, dataset.id);
  writer.Key("name");
  WriteString(writer, dataset.name);
  writer.Key("created_at");
  WriteTime(writer, dataset.created_at_micros);
  writer.Key("row_count");
  writer.Int64(dataset.summary.row_count);
  writer.Key("column_count");
  writer.Uint64(dataset.summary.columns.size());
  writer.Key("size_bytes");
  writer.Int64(dataset.size_bytes);
  writer.Key("sha256");
  WriteString(writer, dataset.sha256);
  writer.Key("columns");
  writer.StartArray();
  for (const data::ColumnSummary& column : dataset.summary.columns) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, column.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(column.type));
    writer.Key("missing_count");
    writer.Int64(column.missing_count);
    writer.Key("distinct_count");
    writer.Int64(column.distinct_count);
    if (column.distinct_capped) {
      writer.Key("distinct_count_is_lower_bound");
      writer.Bool(true);
    }
    const std::pair<const char*, const std::optional<double>*> stats[] = {
        {"min", &column.min}, {"max", &column.max}, {"mean", &column.mean}, {"stddev", &column.stddev}};
    for (const auto& [key, value] : stats) {
      if (!value->has_value()) continue;
      writer.Key(key);
      WriteNumber(writer, **value);
    }
    if (!column.pii.empty()) {
      writer.Key("pii");
      WriteString(writer, column.pii);
    }
    if (!column.top_values.empty()) {
      writer.Key("top_values");
      writer.StartArray();
      for (const data::ValueCount& top : column.top_values) {
        writer.StartObject();
        writer.Key("value");
        WriteString(writer, top.value);
        writer.Key("count");
        writer.Int64(top.count);
        writer.EndObject();
      }
      writer.EndArray();
    }
    if (!column.histogram.counts.empty()) {
      writer.Key("histogram");
      writer.StartObject();
      writer.Key("edges");
      writer.StartArray();
      for (double edge : column.histogram.edges) WriteNumber(writer, edge);
      writer.EndArray();
      writer.Key("counts");
      writer.StartArray();
      for (int64_t count : column.histogram.counts) writer.Int64(count);
      writer.EndArray();
      writer.EndObject();
    }
    writer.EndObject();
  }
  writer.EndArray();
  // What training would do with each column (roles, exclusions and why), from the profile alone.
  const std::string report = data::CleaningReportToJson(data::DatasetCleaningReport(dataset.summary));
  writer.Key("cleaning_report");
  writer.RawValue(report.data(), report.size(), rapidjson::kObjectType);
  writer.EndObject();
}

void WriteFeatures(JsonWriter& writer, const std::vector<storage::FeatureField>& features) {
  writer.StartArray();
  for (const storage::FeatureField& feature : features) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, feature.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(feature.type));
    writer.EndObject();
  }
  writer.EndArray();
}

void WriteLeaderboard(JsonWriter& writer, const std::vector<storage::LeaderboardEntry>& leaderboard) {
  writer.StartArray();
  for (const storage::LeaderboardEntry& entry : leaderboard) {
    writer.StartObject();
    writer.Key("rank");
    writer.Int(entry.rank);
    writer.Key("algorithm");
    WriteString(writer, entry.algorithm);
    writer.Key("params");
    WriteNumberMap(writer, entry.params);
    writer.Key("metric");
    WriteString(writer, entry.metric);
    writer.Key("cv_score");
    WriteNumber(writer, entry.cv_score);
    writer.Key("cv_std");
    WriteNumber(writer, entry.cv_std);
    writer.Key("fit_seconds");
    WriteNumber(writer, entry.fit_seconds);
    writer.Key("published");
    writer.Bool(entry.published);
    writer.EndObject();
  }
  writer.EndArray();
}

void WriteVersionFields(JsonWriter& writer, const storage::VersionRecord& version) {
  writer.Key("version");
  writer.Int64(version.version);
  writer.Key("created_at");
  WriteTime(writer, version.created_at_micros);
  writer.Key("algorithm");
  WriteString(writer, version.algorithm);
  writer.Key("task");
  WriteString(writer, version.task);
  writer.Key("target");
  WriteString(writer, version.target);
  writer.Key("features");
  WriteFeatures(writer, version.features);
  writer.Key("metrics");
  WriteNumberMap(writer, version.metrics);
  writer.Key("params");
  WriteNumberMap(writer, version.params);
  writer.Key("leaderboard");
  WriteLeaderboard(writer, version.leaderboard);
  writer.Key("feature_importance");
  writer.StartArray();
  for (const auto& [feature, importance] : version.feature_importance) {
    writer.StartObject();
    writer.Key("feature");
    WriteString(writer, feature);
    writer.Key("importance");
    WriteNumber(writer, importance);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("lineage");
  writer.StartObject();
  writer.Key("dataset_id");
  WriteString(writer, version.dataset_id);
  writer.Key("dataset_sha256");
  WriteString(writer, version.dataset_sha256);
  writer.Key("job_id");
  WriteString(writer, version.job_id);
  writer.Key("code_version");
  WriteString(writer, version.code_version);
  writer.EndObject();
  writer.Key("artifact");
  writer.StartObject();
  writer.Key("sha256");
  WriteString(writer, version.artifact_sha256);
  writer.Key("size_bytes");
  writer.Int64(version.artifact_size_bytes);
  writer.EndObject();
  if (!version.cleaning_report_json.empty()) {  // a JSON object written by data::CleaningReportToJson
    writer.Key("cleaning_report");
    writer.RawValue(version.cleaning_report_json.data(), version.cleaning_report_json.size(), rapidjson::kObjectType);
  }
}

void WriteVersion(JsonWriter& writer, const storage::VersionRecord& version) {
  writer.StartObject();
  writer.Key("model_id");
  WriteString(writer, version.model_id);
  WriteVersionFields(writer, version);
  writer.EndObject();
}

void WriteVersionDetail(JsonWriter& writer, const storage::VersionRecord& version) {
  writer.StartObject();
  writer.Key("model_id");
  WriteString(writer, version.model_id);
  WriteVersionFields(writer, version);
  writer.Key("evaluation_curves");
  if (version.evaluation_curves_json.empty()) {
    writer.Null();
  } else {  // a JSON object written by training::EvaluationCurvesToJson
    writer.RawValue(version.evaluation_curves_json.data(), version.evaluation_curves_json.size(),
                    rapidjson::kObjectType);
  }
  writer.EndObject();
}

void WriteJob(JsonWriter& writer, const storage::JobRecord& job, bool as_submission) {
  writer.StartObject();
  writer.Key("id");
  WriteString(writer, job.id);
  if (as_submission) {
    writer.Key("job_id");
    WriteString(writer, job.id);
  }
  writer.Key("state");
  WriteString(writer, storage::JobStateName(job.state));
  writer.Key("model_name");
  WriteString(writer, job.request.model_name);
  writer.Key("dataset_id");
  WriteString(writer, job.request.dataset_id);
  writer.Key("target");
  WriteString(writer, job.request.target);
  writer.Key("algorithm");
  WriteString(writer, job.request.algorithm);
  if (!job.request.task.empty()) {
    writer.Key("task");
    WriteString(writer, job.request.task);
  }
  writer.Key("features");
  writer.StartArray();
  for (const std::string& feature : job.request.features) WriteString(writer, feature);
  writer.EndArray();
  writer.Key("params");
  WriteNumberMap(writer, job.request.params);
  const storage::TrainRequest::Search& search = job.request.search;
  if (!search.method.empty() || search.folds != 0 || search.trials != 0 || search.repeats != 0) {
    writer.Key("search");
    writer.StartObject();
    if (!search.method.empty()) {
      writer.Key("method");
      WriteString(writer, search.method);
      writer.Key("space");
      writer.StartObject();
      for (const auto& [name, values] : search.space) {
        writer.Key(name);
        writer.StartArray();
        for (double value : values) WriteNumber(writer, value);
        writer.EndArray();
      }
      writer.EndObject();
    }
    if (search.trials != 0) {
      writer.Key("trials");
      writer.Int(search.trials);
    }
    if (search.folds != 0) {
      writer.Key("folds");
      writer.Int(search.folds);
    }
    if (search.repeats != 0) {
      writer.Key("repeats");
      writer.Int(search.repeats);
    }
    writer.EndObject();
  }
  if (job.request.cpu_budget != 0) {
    writer.Key("cpu_budget");
    writer.Int(job.request.cpu_budget);
  }
  if (job.request.workers != 1) {
    writer.Key("workers");
    writer.Int(job.request.workers);
  }
  if (job.request.time_budget_seconds != 0) {
    writer.Key("time_budget_seconds");
    WriteNumber(writer, job.request.time_budget_seconds);
  }
  if (!job.resubmitted_from.empty()) {
    writer.Key("resubmitted_from");
    WriteString(writer, job.resubmitted_from);
  }
  // Run from the shared queue (by an `amp worker` or a replica that trains): who holds it, how often it was claimed,
  // a pending cancel.
  if (!job.worker_id.empty()) {
    writer.Key("worker");
    WriteString(writer, job.worker_id);
  }
  if (job.attempts > 0) {
    writer.Key("attempts");
    writer.Int64(job.attempts);
  }
  if (job.cancel_requested && !storage::IsTerminal(job.state)) {
    writer.Key("cancel_requested");
    writer.Bool(true);
  }
  if (job.request.allow_personal_data_all) {
    writer.Key("allow_personal_data");
    writer.Bool(true);
  } else if (!job.request.allow_personal_data.empty()) {
    writer.Key("allow_personal_data");
    writer.StartArray();
    for (const std::string& column : job.request.allow_personal_data) WriteString(writer, column);
    writer.EndArray();
  }
  writer.Key("progress");
  WriteString(writer, job.progress);
  const storage::JobProgress& detail = job.progress_detail;
  writer.Key("progress_detail");
  writer.StartObject();
  writer.Key("phase");
  WriteString(writer, detail.phase.empty() ? storage::JobStateName(job.state) : std::string_view(detail.phase));
  if (detail.trials_total > 0) {
    writer.Key("trials_done");
    writer.Int(detail.trials_done);
    writer.Key("trials_total");
    writer.Int(detail.trials_total);
  }
  if (detail.boosting_rounds > 0) {
    writer.Key("boosting_round");
    writer.Int(detail.boosting_round);
    writer.Key("boosting_rounds");
    writer.Int(detail.boosting_rounds);
  }
  if (detail.eta_seconds >= 0 && !storage::IsTerminal(job.state)) {
    writer.Key("eta_seconds");
    WriteNumber(writer, detail.eta_seconds);
  }
  writer.EndObject();
  if (!job.leaderboard.empty()) {
    writer.Key("leaderboard");
    WriteLeaderboard(writer, job.leaderboard);
  }
  writer.Key("created_at");
  WriteTime(writer, job.created_at_micros);
  writer.Key("started_at");
  WriteTime(writer, job.started_at_micros);
  writer.Key("finished_at");
  WriteTime(writer, job.finished_at_micros);
  if (job.started_at_micros > 0) {
    int64_t end = job.finished_at_micros > 0 ? job.finished_at_micros : 0;
    if (end > 0) {
      writer.Key("duration_seconds");
      writer.Double(static_cast<double>(end - job.started_at_micros) / 1e6);
    }
  }
  if (!job.error.empty()) {
    writer.Key("error");
    WriteString(writer, job.error);
  }
  if (!job.request.callback_url.empty()) {
    writer.Key("callback_url");
    WriteString(writer, job.request.callback_url);
  }
  if (job.state == storage::JobState::kSucceeded) {
    writer.Key("result");
    writer.StartObject();
    writer.Key("model_id");
    WriteString(writer, job.result_model_id);
    writer.Key("model_name");
    WriteString(writer, job.request.model_name);
    writer.Key("version");
    writer.Int64(job.result_version);
    writer.Key("metrics");
    WriteNumberMap(writer, job.result_metrics);
    writer.EndObject();
  }
  writer.EndObject();
}

}  // namespace amp::api
