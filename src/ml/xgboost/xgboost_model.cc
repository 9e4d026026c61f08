#include "ml/xgboost/xgboost_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/base64.h"

namespace amp::ml {
namespace {

// Rows scored per FlatForest::PredictRows call; the scratch rows of a thread hold this many encoded rows.
constexpr size_t kBlockRows = 64;

// Rows per call into XGBoost. XGBoost keeps each thread's last prediction for a booster until the booster is freed
// (and forgets other threads' buffers only when those threads exit), so calls are kept small to bound that memory.
constexpr size_t kXgboostChunkRows = 256;

// What a loaded XGBoost 1.7.4 booster takes from the heap: about 43 KiB (learner, configuration, predictor) plus
// 53 bytes per node (RegTree::Node, its statistics, split type and category segment), measured with mallinfo2 for
// models of 1,500 to 30,000 nodes; rounded up. XgboostModelTest.MemoryBytesTracksTheHeap checks the total.
constexpr int64_t kBoosterFixedBytes = 48 * 1024;
constexpr int64_t kBoosterBytesPerNode = 56;

// The trees of a booster, read through its JSON model. XGBoost keeps the text of a saved model in the booster's
// per-thread buffers until the booster is freed, so the JSON (about twice the UBJSON) comes from a booster that is
// freed right away rather than from the one the model keeps.
core::Result<FlatForest> ReadForest(std::string_view booster_ubj) {
  auto reader = Booster::Load(booster_ubj);
  if (!reader.ok()) return core::InvalidArgument(reader.status().message());
  auto json = reader->Save("json");
  if (!json.ok()) return core::InvalidArgument(json.status().message());
  return FlatForest::FromXgboostJson(*json);
}

}  // namespace

core::Result<std::shared_ptr<const XgboostModel>> XgboostModel::Create(ModelSignature signature, Pipeline pipeline,
                                                                       std::string booster_ubj, bool random_forest,
                                                                       bool leaf_frequencies) {
  AMP_RETURN_IF_ERROR(pipeline.CheckSignature(signature));
  AMP_ASSIGN_OR_RETURN(FlatForest forest, ReadForest(booster_ubj));
  if (leaf_frequencies) {
    // The leaves are Newton steps from the default base score (probability 0.5, or 0.5 on every class's margin),
    // which is what makes them affine in the leaf's class shares.
    const float expected_base = forest.objective() == ForestObjective::kLogistic ? 0.0f : 0.5f;
    if (!random_forest || !IsClassification(signature.task) || forest.base_score() != expected_base) {
      return core::InvalidArgument(
          "leaf-frequency probabilities need a random forest classifier grown from the default base score");
    }
  }
  const size_t class_count = signature.classes.size();
  const bool fits_task = !IsClassification(signature.task)
                             ? forest.objective() == ForestObjective::kSquaredError
                             : (class_count == 2 ? forest.objective() == ForestObjective::kLogistic
                                                 : forest.objective() == ForestObjective::kSoftprob &&
                                                       forest.group_count() == class_count);
  if (!fits_task) {
    return core::InvalidArgument("the booster's objective does not fit a " + std::string(TaskName(signature.task)) +
                                 " of " + std::to_string(class_count) + " classes");
  }
  if (forest.feature_count() != pipeline.EncodedWidth()) {
    return core::InvalidArgument("the booster reads " + std::to_string(forest.feature_count()) +
                                 " columns but the pipeline encodes " + std::to_string(pipeline.EncodedWidth()));
  }
  auto booster = Booster::Load(booster_ubj);
  if (!booster.ok()) return core::InvalidArgument(booster.status().message());
  // Explanations run on request threads, which the server already spreads over the cores.
  if (auto status = booster->SetParam("nthread", "1"); !status.ok()) return core::InvalidArgument(status.message());
  // XGBoost configures a loaded booster on its first prediction; do it now, before requests share the booster.
  std::vector<float> zeros(static_cast<size_t>(pipeline.EncodedWidth()), 0.0f);
  std::vector<float> warm_up(forest.group_count());
  if (auto status = booster->PredictInPlace({zeros.data(), 1, zeros.size()}, warm_up); !status.ok()) {
    return core::InvalidArgument(status.message());
  }
  return std::shared_ptr<const XgboostModel>(new XgboostModel(std::move(signature), std::move(pipeline),
                                                              std::move(booster_ubj), std::move(booster).value(),
                                                              std::move(forest), random_forest, leaf_frequencies));
}

XgboostModel::XgboostModel(ModelSignature signature, Pipeline pipeline, std::string booster_ubj, Booster booster,
                           FlatForest forest, bool random_forest, bool leaf_frequencies)
    : signature_(std::move(signature)),
      pipeline_(std::move(pipeline)),
      booster_ubj_(std::move(booster_ubj)),
      booster_(std::move(booster)),
      forest_(std::move(forest)),
      random_forest_(random_forest),
      leaf_frequencies_(leaf_frequencies) {}

double XgboostModel::LeafFrequencyScale() const {
  const auto classes = static_cast<double>(signature_.classes.size());
  // binary:logistic at p = 1/2: gradient p - y, hessian 1/4, so a leaf is 4 (share - 1/2). multi:softprob at
  // p = 1/K: gradient 1/K - y_k, hessian 2 (1/K)(1 - 1/K), so a leaf is (share_k - 1/K) K^2 / (2 (K - 1)).
  return forest_.group_count() == 1 ? 0.25 : 2.0 * (classes - 1.0) / (classes * classes);
}

template <typename ScoreBlock>
void XgboostModel::ForEachEncodedBlock(std::span<const FeatureValue> rows, size_t row_count, PredictionNotes* notes,
                                       const ScoreBlock& score) const {
  const size_t width = signature_.features.size();
  const auto encoded_width = static_cast<size_t>(pipeline_.EncodedWidth());
  // Grows to the widest model this thread has scored, then is reused: no allocation per request.
  thread_local std::vector<float> scratch;
  if (scratch.size() < kBlockRows * encoded_width) scratch.resize(kBlockRows * encoded_width);
  for (size_t begin = 0; begin < row_count; begin += kBlockRows) {
    const size_t count = std::min(kBlockRows, row_count - begin);
    for (size_t offset = 0; offset < count; ++offset) {
      const size_t row_idx = begin + offset;
      pipeline_.EncodeRow(rows.subspan(row_idx * width, width), row_idx,
                          std::span<float>(scratch.data() + offset * encoded_width, encoded_width), notes);
    }
    score(scratch.data(), begin, count);
  }
}

core::Status XgboostModel::Predict(std::span<const FeatureValue> rows, std::span<double> out,
                                   PredictionNotes* notes) const {
  const size_t width = signature_.features.size();
  if (rows.size() != out.size() * width) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values per row");
  }
  const size_t class_count = signature_.classes.size();
  if (class_count > 0) {  // the most probable class (the first of equals)
    thread_local std::vector<double> probabilities;
    probabilities.resize(out.size() * class_count);
    AMP_RETURN_IF_ERROR(PredictProba(rows, probabilities, notes));
    MostProbableClasses(probabilities, class_count, out);
    return core::Status::Ok();
  }
  const auto encoded_width = static_cast<size_t>(pipeline_.EncodedWidth());
  ForEachEncodedBlock(rows, out.size(), notes, [&](const float* encoded, size_t begin, size_t count) {
    float predicted[kBlockRows];
    forest_.PredictRows(encoded, count, encoded_width, predicted);
    std::copy(predicted, predicted + count, out.begin() + static_cast<std::ptrdiff_t>(begin));
  });
  return core::Status::Ok();
}

core::Status XgboostModel::PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                                        PredictionNotes* notes) const {
  const size_t class_count = signature_.classes.size();
  if (class_count == 0) return Model::PredictProba(rows, probabilities, notes);
  const size_t width = signature_.features.size();
  const size_t row_count = probabilities.size() / class_count;
  if (probabilities.size() % class_count != 0 || rows.size() != row_count * width) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values and " + std::to_string(class_count) +
                                 " probabilities per row");
  }
  const auto encoded_width = static_cast<size_t>(pipeline_.EncodedWidth());
  if (leaf_frequencies_) {
    // The forest's margin is the base plus the mean of its trees' leaves, each affine in the leaf's class shares,
    // so the mean share comes back through the inverse map (clipped and renormalised against float rounding).
    const double scale = LeafFrequencyScale();
    const double base = forest_.base_score();
    const double prior = 1.0 / static_cast<double>(class_count);
    ForEachEncodedBlock(rows, row_count, notes, [&](const float* encoded, size_t begin, size_t count) {
      double* out = probabilities.data() + begin * class_count;
      if (forest_.group_count() == 1) {
        float predicted[kBlockRows];
        forest_.PredictRows(encoded, count, encoded_width, predicted);
        for (size_t offset = 0; offset < count; ++offset) {
          const double share = std::clamp(0.5 + (static_cast<double>(predicted[offset]) - base) * scale, 0.0, 1.0);
          out[offset * 2] = 1.0 - share;
          out[offset * 2 + 1] = share;
        }
        return;
      }
      thread_local std::vector<float> margins;
      margins.resize(class_count);
      for (size_t offset = 0; offset < count; ++offset) {
        forest_.PredictMargins(encoded + offset * encoded_width, margins.data());
        double* row = out + offset * class_count;
        double total = 0.0;
        for (size_t class_idx = 0; class_idx < class_count; ++class_idx) {
          row[class_idx] = std::max(0.0, prior + (static_cast<double>(margins[class_idx]) - base) * scale);
          total += row[class_idx];
        }
        for (size_t class_idx = 0; class_idx < class_count; ++class_idx) {
          row[class_idx] = total > 0.0 ? row[class_idx] / total : prior;
        }
      }
    });
    return core::Status::Ok();
  }
  ForEachEncodedBlock(rows, row_count, notes, [&](const float* encoded, size_t begin, size_t count) {
    double* out = probabilities.data() + begin * class_count;
    if (forest_.group_count() == 1) {  // binary:logistic: the margin of the second class
      float predicted[kBlockRows];
      forest_.PredictRows(encoded, count, encoded_width, predicted);
      for (size_t offset = 0; offset < count; ++offset) {
        forest_.Transform(&predicted[offset]);
        // As xgboost.XGBClassifier.predict_proba: the first class's probability is 1 - p in float.
        out[offset * 2] = 1.0f - predicted[offset];
        out[offset * 2 + 1] = predicted[offset];
      }
      return;
    }
    thread_local std::vector<float> margins;
    margins.resize(class_count);
    for (size_t offset = 0; offset < count; ++offset) {
      forest_.PredictMargins(encoded + offset * encoded_width, margins.data());
      forest_.Transform(margins.data());
      std::copy(margins.begin(), margins.end(), out + offset * class_count);
    }
  });
  return core::Status::Ok();
}

void XgboostModel::EncodeRows(std::span<const FeatureValue> rows, size_t first_row_idx, size_t row_count,
                              std::vector<float>* encoded, PredictionNotes* notes) const {
  const size_t width = signature_.features.size();
  const auto encoded_width = static_cast<size_t>(pipeline_.EncodedWidth());
  encoded->resize(row_count * encoded_width);
  for (size_t offset = 0; offset < row_count; ++offset) {
    pipeline_.EncodeRow(rows.subspan(offset * width, width), first_row_idx + offset,
                        std::span<float>(encoded->data() + offset * encoded_width, encoded_width), notes);
  }
}

core::Status XgboostModel::PredictWithXgboost(std::span<const FeatureValue> rows, std::span<double> out) const {
  const size_t width = signature_.features.size();
  const size_t outputs = forest_.group_count();
  const size_t row_count = out.size() / outputs;
  if (out.size() % outputs != 0 || rows.size() != row_count * width) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values and " + std::to_string(outputs) +
                                 " outputs per row");
  }
  const auto encoded_width = static_cast<size_t>(pipeline_.EncodedWidth());
  std::vector<float> encoded;
  std::vector<float> predicted;
  for (size_t begin = 0; begin < row_count; begin += kXgboostChunkRows) {
    const size_t count = std::min(kXgboostChunkRows, row_count - begin);
    EncodeRows(rows.subspan(begin * width, count * width), begin, count, &encoded, nullptr);
    predicted.resize(count * outputs);
    AMP_RETURN_IF_ERROR(booster_.PredictInPlace({encoded.data(), count, encoded_width}, predicted));
    std::copy(predicted.begin(), predicted.end(), out.begin() + static_cast<std::ptrdiff_t>(begin * outputs));
  }
  return core::Status::Ok();
}

core::Status XgboostModel::Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                                   std::span<double> base_values, PredictionNotes* notes) const {
  if (!signature_.classes.empty()) return Model::Explain(rows, contributions, base_values, notes);
  const size_t width = signature_.features.size();
  const size_t row_count = base_values.size();
  if (rows.size() != row_count * width || contributions.size() != rows.size()) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values and contributions per row");
  }
  const auto encoded_width = static_cast<size_t>(pipeline_.EncodedWidth());
  const std::vector<int>& offsets = pipeline_.feature_offsets();
  std::vector<float> encoded;
  std::vector<float> shap;
  for (size_t begin = 0; begin < row_count; begin += kXgboostChunkRows) {
    const size_t count = std::min(kXgboostChunkRows, row_count - begin);
    EncodeRows(rows.subspan(begin * width, count * width), begin, count, &encoded, notes);
    AMP_ASSIGN_OR_RETURN(BoosterMatrix matrix, BoosterMatrix::FromDense({encoded.data(), count, encoded_width}, 1));
    shap.resize(count * (encoded_width + 1));
    AMP_RETURN_IF_ERROR(booster_.PredictContributions(matrix, count, encoded_width, shap));
    for (size_t offset = 0; offset < count; ++offset) {
      const float* row_shap = shap.data() + offset * (encoded_width + 1);
      double* row_contributions = contributions.data() + (begin + offset) * width;
      for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
        double sum = 0.0;  // a categorical feature's one-hot columns
        for (int column = offsets[feature_idx]; column < offsets[feature_idx + 1]; ++column) sum += row_shap[column];
        row_contributions[feature_idx] = sum;
      }
      base_values[begin + offset] = row_shap[encoded_width];
    }
  }
  return core::Status::Ok();
}

std::vector<std::pair<std::string, double>> XgboostModel::Parameters() const {
  std::vector<std::pair<std::string, double>> parameters = {
      {"base_score", forest_.base_score()},
      {"trees", static_cast<double>(forest_.tree_count())},
      {"nodes", static_cast<double>(forest_.node_count())},
      {"max_depth", static_cast<double>(forest_.max_depth())},
  };
  const std::vector<std::string> names = pipeline_.EncodedNames();
  for (size_t column = 0; column < names.size(); ++column) {
    parameters.emplace_back("gain(" + names[column] + ")", forest_.total_gain()[column]);
  }
  return parameters;
}

std::vector<std::pair<std::string, double>> XgboostModel::FeatureImportance() const {
  return ImportanceByFeature(pipeline_, forest_.total_gain());
}

std::string XgboostModel::SerializePayload() const {
  return "{\"pipeline\":" + pipeline_.ToJson() + ",\"booster_format\":\"ubj\",\"booster\":\"" +
         core::Base64Encode(booster_ubj_) + "\"" + (random_forest_ ? ",\"random_forest\":true" : "") +
         (leaf_frequencies_ ? ",\"probabilities\":\"leaf_frequencies\"" : "") + "}";
}

core::Result<std::shared_ptr<const XgboostModel>> XgboostModel::FromPayload(ModelSignature signature,
                                                                            std::string_view payload) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("pipeline") || !doc["pipeline"].IsObject() ||
      !doc.HasMember("booster_format") || !doc["booster_format"].IsString() || !doc.HasMember("booster") ||
      !doc["booster"].IsString()) {
    return core::DataLoss("malformed xgboost model payload");
  }
  if (std::string_view(doc["booster_format"].GetString()) != "ubj") {
    return core::DataLoss("unknown booster format '" + std::string(doc["booster_format"].GetString()) + "'");
  }
  rapidjson::StringBuffer pipeline_text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(pipeline_text);
  doc["pipeline"].Accept(writer);
  AMP_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::FromJson(pipeline_text.GetString()));
  auto booster = core::Base64Decode(std::string_view(doc["booster"].GetString(), doc["booster"].GetStringLength()));
  if (!booster.ok())
    return core::DataLoss("malformed booster in the xgboost model payload: " + booster.status().message());
  bool random_forest = false;
  if (doc.HasMember("random_forest")) {
    if (!doc["random_forest"].IsBool()) return core::DataLoss("malformed xgboost model payload");
    random_forest = doc["random_forest"].GetBool();
  }
  bool leaf_frequencies = false;
  if (doc.HasMember("probabilities")) {
    if (!doc["probabilities"].IsString() || std::string_view(doc["probabilities"].GetString()) != "leaf_frequencies") {
      return core::DataLoss("unknown probabilities in the xgboost model payload");
    }
    leaf_frequencies = true;
  }
  auto model =
      Create(std::move(signature), std::move(pipeline), std::move(booster).value(), random_forest, leaf_frequencies);
  if (!model.ok()) return core::DataLoss(model.status().message());
  return model;
}

int64_t XgboostModel::MemoryBytes() const {
  int64_t pipeline_bytes = 0;
  for (const FeatureTransform& transform : pipeline_.transforms()) {
    pipeline_bytes += static_cast<int64_t>(sizeof(transform) + transform.feature.name.capacity() +
                                           transform.category_means.capacity() * sizeof(double));
    for (const std::string& category : transform.categories) {
      pipeline_bytes += static_cast<int64_t>(sizeof(category) + category.capacity());
    }
  }
  const int64_t booster_bytes = kBoosterFixedBytes + kBoosterBytesPerNode * static_cast<int64_t>(forest_.node_count());
  return static_cast<int64_t>(sizeof(*this) + booster_ubj_.capacity()) + pipeline_bytes + forest_.MemoryBytes() +
         booster_bytes;
}

}  // namespace amp::ml
