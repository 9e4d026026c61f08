#include "monitoring/monitoring_service.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>

#include "core/log.h"

namespace amp::monitoring {
namespace {

std::string SettingsKey(std::string_view model_id) {
  return "monitoring/" + std::string(model_id) + "/settings.json";
}

struct DoubleField {
  const char* name;
  double Thresholds::*field;
};
constexpr DoubleField kDoubleFields[] = {
    {"psi_warning", &Thresholds::psi_warning},
    {"psi_alert", &Thresholds::psi_alert},
    {"ks_warning", &Thresholds::ks_warning},
    {"ks_alert", &Thresholds::ks_alert},
    {"out_of_range_warning", &Thresholds::out_of_range_warning},
    {"out_of_range_alert", &Thresholds::out_of_range_alert},
    {"unseen_warning", &Thresholds::unseen_warning},
    {"unseen_alert", &Thresholds::unseen_alert},
    {"missing_warning", &Thresholds::missing_warning},
    {"missing_alert", &Thresholds::missing_alert},
    {"far_outside_stddevs", &Thresholds::far_outside_stddevs},
};

}  // namespace

std::string EncodeThresholds(const Thresholds& thresholds) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const DoubleField& field : kDoubleFields) {
    writer.Key(field.name);
    writer.Double(thresholds.*field.field);
  }
  writer.Key("min_rows");
  writer.Int64(thresholds.min_rows);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

core::Result<Thresholds> DecodeThresholds(std::string_view json, Thresholds base) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    return core::InvalidArgument("monitoring settings must be a JSON object");
  }
  for (const DoubleField& field : kDoubleFields) {
    auto member = document.FindMember(field.name);
    if (member == document.MemberEnd()) continue;
    if (!member->value.IsNumber()) return core::InvalidArgument(std::string(field.name) + " must be a number");
    base.*field.field = member->value.GetDouble();
  }
  auto min_rows = document.FindMember("min_rows");
  if (min_rows != document.MemberEnd()) {
    if (!min_rows->value.IsInt64()) return core::InvalidArgument("min_rows must be a whole number");
    base.min_rows = min_rows->value.GetInt64();
  }
  return base;
}

MonitoringService::MonitoringService(registry::ModelRegistry& registry, storage::ArtifactStore& artifacts,
                                     const core::Clock& clock, MonitoringOptions options, AlertNotifier* notifier)
    : registry_(registry),
      artifacts_(artifacts),
      clock_(clock),
      options_(options),
      notifier_(notifier),
      memory_(options.remembered_predictions) {}

MonitoringService::~MonitoringService() {
  Stop();
}

void MonitoringService::EnableRequestLog(RequestLog* log, PersonalColumns personal_columns) {
  request_log_ = log;
  personal_columns_ = std::move(personal_columns);
}

std::shared_ptr<VersionMonitor> MonitoringService::Attach(const storage::ModelRecord& model,
                                                          const storage::VersionRecord& version,
                                                          const ml::ModelSignature& signature) {
  if (auto existing = Find(model.id, version.version)) return existing;
  std::optional<TrainingProfile> profile;
  auto stored = registry_.ReadProfile(version);
  if (stored.ok()) {
    auto decoded = DecodeTrainingProfile(*stored);
    if (decoded.ok()) {
      profile = std::move(decoded).value();
    } else {
      core::LogWarning("model '" + model.name + "' version " + std::to_string(version.version) +
                       ": unreadable training profile: " + decoded.status().ToString());
    }
  }
  auto monitor = std::make_shared<VersionMonitor>(model.id, model.name, version.version, signature, std::move(profile),
                                                  clock_, options_.window, &memory_);
  if (request_log_ != nullptr && request_log_->enabled()) {
    auto source = std::make_shared<RequestLogSource>();
    source->model_id = model.id;
    source->model_name = model.name;
    source->version = version.version;
    source->classes = signature.classes;
    for (const auto& feature : signature.features) source->features.push_back(feature.name);
    source->redacted.assign(source->features.size(), false);
    auto personal = personal_columns_ ? personal_columns_(version.dataset_id)
                                      : core::Result<std::vector<std::string>>(core::NotFound("no dataset lookup"));
    if (personal.ok()) {
      for (size_t idx = 0; idx < source->features.size(); ++idx) {
        source->redacted[idx] =
            std::find(personal->begin(), personal->end(), source->features[idx]) != personal->end();
      }
    } else {
      core::LogWarning("model '" + model.name + "' version " + std::to_string(version.version) +
                       ": training dataset unreadable (" + personal.status().ToString() +
                       "); the request log redacts every feature");
      source->redacted.assign(source->features.size(), true);
    }
    monitor->SetRequestLog(request_log_, std::move(source));
  }
  monitor->SetFarOutsideStddevs(GetThresholds(model.id).far_outside_stddevs);
  std::lock_guard lock(mu_);
  auto [it, inserted] = monitors_.emplace(std::pair{model.id, version.version}, monitor);
  return it->second;  // a concurrent Attach may have won
}

std::shared_ptr<VersionMonitor> MonitoringService::Find(std::string_view model_id, int64_t version) const {
  std::lock_guard lock(mu_);
  auto found = monitors_.find(std::pair{std::string(model_id), version});
  return found == monitors_.end() ? nullptr : found->second;
}

std::vector<std::shared_ptr<VersionMonitor>> MonitoringService::List() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<VersionMonitor>> monitors;
  for (const auto& [key, monitor] : monitors_) monitors.push_back(monitor);
  return monitors;
}

Thresholds MonitoringService::GetThresholds(std::string_view model_id) {
  {
    std::lock_guard lock(mu_);
    auto found = thresholds_.find(model_id);
    if (found != thresholds_.end()) return found->second;
  }
  Thresholds thresholds;
  auto stored = artifacts_.Get(SettingsKey(model_id));
  if (stored.ok()) {
    auto decoded = DecodeThresholds(*stored);
    if (decoded.ok() && ValidateThresholds(*decoded).ok()) thresholds = *decoded;
  }
  std::lock_guard lock(mu_);
  return thresholds_.emplace(std::string(model_id), thresholds).first->second;
}

core::Status MonitoringService::SetThresholds(std::string_view model_id, const Thresholds& thresholds) {
  AMP_RETURN_IF_ERROR(ValidateThresholds(thresholds));
  AMP_RETURN_IF_ERROR(
      artifacts_.Put(SettingsKey(model_id), EncodeThresholds(thresholds)).WithContext("storing monitoring settings"));
  std::vector<std::shared_ptr<VersionMonitor>> affected;
  {
    std::lock_guard lock(mu_);
    thresholds_[std::string(model_id)] = thresholds;
    for (const auto& [key, monitor] : monitors_) {
      if (key.first == model_id) affected.push_back(monitor);
    }
  }
  for (const auto& monitor : affected) monitor->SetFarOutsideStddevs(thresholds.far_outside_stddevs);
  return core::Status::Ok();
}

MonitorReport MonitoringService::Evaluate(VersionMonitor& monitor) {
  MonitorReport report = monitor.Evaluate(GetThresholds(monitor.model_id()));
  const MonitorState now = report.judgement.state;
  std::lock_guard lock(mu_);
  MonitorState& recorded = states_[std::pair{monitor.model_id(), monitor.version()}];
  const MonitorState before = recorded;
  recorded = now;
  if ((before == MonitorState::kAlert) != (now == MonitorState::kAlert)) {
    AlertEvent event{monitor.model_id(),      monitor.model_name(), monitor.version(), before, now,
                     report.judgement.causes, clock_.NowMicros()};
    core::LogInfo("model '" + monitor.model_name() + "' version " + std::to_string(monitor.version()) +
                  " monitoring: " + std::string(MonitorStateName(before)) + " -> " +
                  std::string(MonitorStateName(now)));
    if (notifier_ != nullptr) {
      pending_.push_back(std::move(event));
      wake_.notify_all();
    }
  }
  return report;
}

void MonitoringService::EvaluateAll() {
  for (const auto& monitor : List()) Evaluate(*monitor);
}

void MonitoringService::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void MonitoringService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MonitoringService::Run() {
  auto next_evaluation = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    while (!pending_.empty()) {
      AlertEvent event = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      notifier_->Notify(event);
      lock.lock();
    }
    if (stopping_) break;
    if (std::chrono::steady_clock::now() >= next_evaluation) {
      lock.unlock();
      EvaluateAll();
      lock.lock();
      next_evaluation = std::chrono::steady_clock::now() + std::chrono::seconds(options_.evaluate_every_seconds);
      continue;
    }
    wake_.wait_until(lock, next_evaluation, [this] { return stopping_ || !pending_.empty(); });
  }
}

}  // namespace amp::monitoring
