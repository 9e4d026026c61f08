#include "ml/ensemble/ensemble_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "ml/model_codec.h"

namespace amp::ml {
namespace {

std::string FormatNumber(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  return buffer.GetString();
}

}  // namespace

core::Result<std::shared_ptr<const EnsembleModel>> EnsembleModel::Create(ModelSignature signature,
                                                                         std::vector<Member> members) {
  if (members.empty()) return core::InvalidArgument("an ensemble needs at least one member");
  if (signature.task == Task::kClustering) return core::InvalidArgument("clustering models do not ensemble");
  double total = 0.0;
  for (size_t member_idx = 0; member_idx < members.size(); ++member_idx) {
    const Member& member = members[member_idx];
    const std::string which = "ensemble member " + std::to_string(member_idx + 1);
    if (member.model == nullptr) return core::InvalidArgument(which + " is missing");
    if (member.model->algorithm() == kEnsembleAlgorithm) {
      return core::InvalidArgument(which + " is an ensemble itself; ensembles do not nest");
    }
    if (!(member.model->signature() == signature)) {
      return core::InvalidArgument(which + " (" + std::string(member.model->algorithm()) +
                                   ") has another signature than the ensemble");
    }
    if (!std::isfinite(member.weight) || member.weight <= 0.0) {
      return core::InvalidArgument(which + " has weight " + FormatNumber(member.weight) + "; weights must be > 0");
    }
    total += member.weight;
  }
  if (std::abs(total - 1.0) > 1e-9) {
    return core::InvalidArgument("ensemble weights sum to " + FormatNumber(total) + ", not 1");
  }
  return std::shared_ptr<const EnsembleModel>(new EnsembleModel(std::move(signature), std::move(members)));
}

template <typename Call>
core::Status EnsembleModel::Blend(std::span<double> out, PredictionNotes* notes, const Call& call) const {
  std::fill(out.begin(), out.end(), 0.0);
  std::vector<double> member_out(out.size());
  for (size_t member_idx = 0; member_idx < members_.size(); ++member_idx) {
    const Member& member = members_[member_idx];
    AMP_RETURN_IF_ERROR(call(*member.model, std::span<double>(member_out), member_idx == 0 ? notes : nullptr));
    for (size_t idx = 0; idx < out.size(); ++idx) out[idx] += member.weight * member_out[idx];
  }
  return core::Status::Ok();
}

core::Status EnsembleModel::Predict(std::span<const FeatureValue> rows, std::span<double> out,
                                    PredictionNotes* notes) const {
  const size_t width = signature_.features.size();
  if (width == 0 ? !rows.empty() : rows.size() != out.size() * width) {
    return core::InvalidArgument("expected " + std::to_string(out.size() * width) + " feature values, got " +
                                 std::to_string(rows.size()));
  }
  if (IsClassification(signature_.task)) {
    const size_t class_count = signature_.classes.size();
    std::vector<double> probabilities(out.size() * class_count);
    AMP_RETURN_IF_ERROR(PredictProba(rows, probabilities, notes));
    MostProbableClasses(probabilities, class_count, out);
    return core::Status::Ok();
  }
  return Blend(out, notes, [&](const Model& member, std::span<double> member_out, PredictionNotes* member_notes) {
    return member.Predict(rows, member_out, member_notes);
  });
}

core::Status EnsembleModel::PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                                         PredictionNotes* notes) const {
  if (!IsClassification(signature_.task)) return Model::PredictProba(rows, probabilities, notes);
  return Blend(probabilities, notes,
               [&](const Model& member, std::span<double> member_out, PredictionNotes* member_notes) {
                 return member.PredictProba(rows, member_out, member_notes);
               });
}

core::Status EnsembleModel::Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                                    std::span<double> base_values, PredictionNotes* notes) const {
  std::fill(contributions.begin(), contributions.end(), 0.0);
  std::fill(base_values.begin(), base_values.end(), 0.0);
  std::vector<double> member_contributions(contributions.size());
  std::vector<double> member_bases(base_values.size());
  for (size_t member_idx = 0; member_idx < members_.size(); ++member_idx) {
    const Member& member = members_[member_idx];
    core::Status explained =
        member.model->Explain(rows, member_contributions, member_bases, member_idx == 0 ? notes : nullptr);
    if (explained.code() == core::StatusCode::kFailedPrecondition) {
      return core::FailedPrecondition("this ensemble cannot explain its predictions: member " +
                                      std::to_string(member_idx + 1) + " (" + std::string(member.model->algorithm()) +
                                      "): " + explained.message());
    }
    AMP_RETURN_IF_ERROR(explained);
    for (size_t idx = 0; idx < contributions.size(); ++idx) {
      contributions[idx] += member.weight * member_contributions[idx];
    }
    for (size_t idx = 0; idx < base_values.size(); ++idx) base_values[idx] += member.weight * member_bases[idx];
  }
  return core::Status::Ok();
}

std::vector<std::pair<std::string, double>> EnsembleModel::Parameters() const {
  std::vector<std::pair<std::string, double>> parameters;
  for (size_t member_idx = 0; member_idx < members_.size(); ++member_idx) {
    const Member& member = members_[member_idx];
    const std::string prefix = std::to_string(member_idx + 1) + ":";
    parameters.emplace_back("weight(" + prefix + std::string(member.model->algorithm()) + ")", member.weight);
    for (auto& [name, value] : member.model->Parameters()) parameters.emplace_back(prefix + name, value);
  }
  return parameters;
}

std::vector<std::pair<std::string, double>> EnsembleModel::FeatureImportance() const {
  std::map<std::string, double> summed;
  for (const Member& member : members_) {
    const auto importance = member.model->FeatureImportance();
    double total = 0.0;
    for (const auto& entry : importance) total += entry.second;
    if (!(total > 0.0)) continue;
    for (const auto& [feature, value] : importance) summed[feature] += member.weight * value / total;
  }
  // In the signature's feature order, then stably by importance descending (ties keep feature order).
  std::vector<std::pair<std::string, double>> result;
  for (const FeatureSpec& feature : signature_.features) {
    if (auto it = summed.find(feature.name); it != summed.end()) result.emplace_back(feature.name, it->second);
  }
  std::stable_sort(result.begin(), result.end(),
                   [](const auto& left, const auto& right) { return left.second > right.second; });
  return result;
}

std::string EnsembleModel::SerializePayload() const {
  std::string payload = "{\"members\":[";
  for (size_t member_idx = 0; member_idx < members_.size(); ++member_idx) {
    if (member_idx > 0) payload += ',';
    payload += "{\"weight\":" + FormatNumber(members_[member_idx].weight) +
               ",\"model\":" + SerializeModel(*members_[member_idx].model) + "}";
  }
  payload += "]}";
  return payload;
}

core::Result<std::shared_ptr<const EnsembleModel>> EnsembleModel::FromPayload(ModelSignature signature,
                                                                              std::string_view payload) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("members") || !doc["members"].IsArray()) {
    return core::DataLoss("malformed ensemble model payload");
  }
  std::vector<Member> members;
  for (const auto& entry : doc["members"].GetArray()) {
    if (!entry.IsObject() || !entry.HasMember("weight") || !entry["weight"].IsNumber() || !entry.HasMember("model") ||
        !entry["model"].IsObject()) {
      return core::DataLoss("malformed ensemble member");
    }
    const auto& model = entry["model"];
    // Refused before decoding, so a crafted artifact cannot nest ensembles to any depth.
    if (model.HasMember("algorithm") && model["algorithm"].IsString() &&
        std::string_view(model["algorithm"].GetString()) == kEnsembleAlgorithm) {
      return core::DataLoss("an ensemble member is an ensemble itself; ensembles do not nest");
    }
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(text);
    model.Accept(writer);
    auto decoded = DeserializeModel(std::string_view(text.GetString(), text.GetSize()));
    if (!decoded.ok()) return core::DataLoss("ensemble member: " + decoded.status().message());
    members.push_back({std::move(decoded).value(), entry["weight"].GetDouble()});
  }
  auto ensemble = Create(std::move(signature), std::move(members));
  if (!ensemble.ok()) return core::DataLoss(ensemble.status().message());
  return ensemble;
}

int64_t EnsembleModel::MemoryBytes() const {
  int64_t bytes = static_cast<int64_t>(sizeof(*this));
  for (const Member& member : members_) bytes += member.model->MemoryBytes();
  return bytes;
}

}  // namespace amp::ml
