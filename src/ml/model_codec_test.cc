#include "ml/model_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ml/linear/linear_model.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

// A double with all 52 mantissa bits random.
double FullMantissa(std::mt19937_64& rng, int min_exponent, int max_exponent) {
  const uint64_t mantissa = rng() & ((uint64_t{1} << 52) - 1);
  const int exponent = std::uniform_int_distribution<int>(min_exponent, max_exponent)(rng);
  const double value = std::ldexp(1.0 + std::ldexp(static_cast<double>(mantissa), -52), exponent);
  return (rng() & 1) != 0 ? -value : value;
}

struct RandomModel {
  std::shared_ptr<const LinearModel> model;
  std::vector<std::vector<std::string>> categories;  // per feature; empty for number-like ones
};

// A linear model whose every stored double is random to the last bit.
RandomModel MakeRandomModel(uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<data::ColumnType> types = {data::ColumnType::kNumeric,     data::ColumnType::kInteger,
                                               data::ColumnType::kCategorical, data::ColumnType::kBoolean,
                                               data::ColumnType::kNumeric,     data::ColumnType::kCategorical};
  RandomModel out;
  std::vector<FeatureTransform> transforms;
  for (size_t feature_idx = 0; feature_idx < types.size(); ++feature_idx) {
    FeatureTransform transform;
    transform.feature = {"feature_" + std::to_string(feature_idx) + "_\xC3\xA9", types[feature_idx]};
    if (data::IsNumberLike(types[feature_idx])) {
      transform.impute_value = FullMantissa(rng, -20, 20);
      transform.center = FullMantissa(rng, -20, 20);
      transform.scale = std::fabs(FullMantissa(rng, -20, 20));
      out.categories.emplace_back();
    } else {
      const size_t count = 2 + feature_idx;
      for (size_t category_idx = 0; category_idx < count; ++category_idx) {
        transform.categories.push_back("cat " + std::to_string(category_idx) + (category_idx % 2 ? " \"q\"" : ""));
      }
      std::sort(transform.categories.begin(), transform.categories.end());
      transform.impute_category = static_cast<int32_t>(rng() % count);
      out.categories.push_back(transform.categories);
    }
    transforms.push_back(transform);
  }
  Pipeline pipeline(transforms);
  LinearSolution solution;
  for (int col = 0; col < pipeline.EncodedWidth(); ++col) solution.weights.push_back(FullMantissa(rng, -10, 10));
  solution.intercept = FullMantissa(rng, -10, 10);
  ModelSignature signature;
  signature.target = "price \"usd\"";
  for (const FeatureTransform& transform : transforms) signature.features.push_back(transform.feature);
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(std::move(signature), pipeline, std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  out.model = *model;
  return out;
}

TEST(ModelCodecTest, RoundTripGivesBitIdenticalPredictions) {
  RandomModel original = MakeRandomModel(99);
  const std::string bytes = SerializeModel(*original.model);
  core::Result<std::shared_ptr<const Model>> decoded = DeserializeModel(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();

  EXPECT_EQ((*decoded)->algorithm(), kLinearRegressionAlgorithm);
  EXPECT_EQ((*decoded)->signature(), original.model->signature());
  EXPECT_EQ(SerializeModel(**decoded), bytes);

  const auto original_parameters = original.model->Parameters();
  const auto decoded_parameters = (*decoded)->Parameters();
  ASSERT_EQ(decoded_parameters.size(), original_parameters.size());
  for (size_t idx = 0; idx < original_parameters.size(); ++idx) {
    EXPECT_EQ(decoded_parameters[idx].first, original_parameters[idx].first);
    EXPECT_EQ(std::bit_cast<uint64_t>(decoded_parameters[idx].second),
              std::bit_cast<uint64_t>(original_parameters[idx].second))
        << original_parameters[idx].first;
  }

  const size_t width = original.categories.size();
  const size_t rows = 1000;
  std::mt19937_64 rng(100);
  std::vector<FeatureValue> inputs;
  inputs.reserve(rows * width);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
      const std::vector<std::string>& categories = original.categories[feature_idx];
      if (rng() % 10 == 0) {
        inputs.push_back(FeatureValue::Missing());
      } else if (categories.empty()) {
        inputs.push_back(FeatureValue::Number(FullMantissa(rng, -5, 15)));
      } else {
        inputs.push_back(FeatureValue::Text(categories[rng() % categories.size()]));
      }
    }
  }
  std::vector<double> want(rows);
  std::vector<double> got(rows);
  ASSERT_TRUE(original.model->Predict(inputs, want, nullptr).ok());
  ASSERT_TRUE((*decoded)->Predict(inputs, got, nullptr).ok());
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    ASSERT_EQ(std::bit_cast<uint64_t>(got[row_idx]), std::bit_cast<uint64_t>(want[row_idx]))
        << "row " << row_idx << ": " << got[row_idx] << " vs " << want[row_idx];
  }
}

TEST(ModelCodecTest, RoundTripOverManySeeds) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    RandomModel original = MakeRandomModel(seed);
    const std::string bytes = SerializeModel(*original.model);
    core::Result<std::shared_ptr<const Model>> decoded = DeserializeModel(bytes);
    ASSERT_TRUE(decoded.ok()) << "seed " << seed << ": " << decoded.status().ToString();
    EXPECT_EQ(SerializeModel(**decoded), bytes) << "seed " << seed;
  }
}

TEST(ModelCodecTest, ArtifactHasTheDocumentedEnvelope) {
  RandomModel original = MakeRandomModel(5);
  const std::string bytes = SerializeModel(*original.model);
  rapidjson::Document doc;
  doc.Parse(bytes.data(), bytes.size());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["format"].GetString(), "amp.model");
  EXPECT_EQ(doc["format_version"].GetInt(), 1);
  EXPECT_STREQ(doc["algorithm"].GetString(), "linear_regression");
  EXPECT_STREQ(doc["signature"]["task"].GetString(), "regression");
  EXPECT_STREQ(doc["signature"]["target"].GetString(), "price \"usd\"");
  EXPECT_EQ(doc["signature"]["features"].Size(), 6u);
  EXPECT_STREQ(doc["signature"]["features"][2]["type"].GetString(), "categorical");
  EXPECT_TRUE(doc["payload"].IsObject());
}

// Applies `mutate` to the parsed form of a valid artifact and writes it back.
std::string Mutated(const std::string& bytes, const std::function<void(rapidjson::Document&)>& mutate) {
  rapidjson::Document doc;
  doc.Parse(bytes.data(), bytes.size());
  mutate(doc);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

TEST(ModelCodecTest, RejectsBadArtifacts) {
  const std::string good = SerializeModel(*MakeRandomModel(7).model);
  using Doc = rapidjson::Document;
  auto set_string = [](const char* key, const char* value) {
    return [key, value](Doc& doc) { doc[key].SetString(rapidjson::StringRef(value)); };
  };
  auto set_int = [](const char* key, int value) { return [key, value](Doc& doc) { doc[key].SetInt(value); }; };
  auto remove = [](const char* key) { return [key](Doc& doc) { doc.RemoveMember(key); }; };
  struct Case {
    std::string name;
    std::string bytes;
    core::StatusCode want;
  };
  const std::vector<Case> cases = {
      {"empty", "", core::StatusCode::kDataLoss},
      {"not JSON", "\x89PNG\r\n", core::StatusCode::kDataLoss},
      {"truncated", good.substr(0, good.size() / 2), core::StatusCode::kDataLoss},
      {"trailing garbage", good + "}", core::StatusCode::kDataLoss},
      {"JSON array", "[1,2]", core::StatusCode::kDataLoss},
      {"empty object", "{}", core::StatusCode::kDataLoss},
      {"foreign format", Mutated(good, set_string("format", "onnx")), core::StatusCode::kDataLoss},
      {"format not a string", Mutated(good, set_int("format", 1)), core::StatusCode::kDataLoss},
      {"no format", Mutated(good, remove("format")), core::StatusCode::kDataLoss},
      {"no format version", Mutated(good, remove("format_version")), core::StatusCode::kDataLoss},
      {"format version a string", Mutated(good, [](Doc& doc) { doc["format_version"].SetString("1"); }),
       core::StatusCode::kDataLoss},
      {"format version fractional", Mutated(good, [](Doc& doc) { doc["format_version"].SetDouble(1.5); }),
       core::StatusCode::kDataLoss},
      {"newer format version", Mutated(good, set_int("format_version", 2)), core::StatusCode::kFailedPrecondition},
      {"much newer format version, different payload",
       Mutated(good,
               [](Doc& doc) {
                 doc["format_version"].SetInt(1000);
                 doc["payload"].SetObject();
               }),
       core::StatusCode::kFailedPrecondition},
      {"no algorithm", Mutated(good, remove("algorithm")), core::StatusCode::kDataLoss},
      {"algorithm not a string", Mutated(good, set_int("algorithm", 3)), core::StatusCode::kDataLoss},
      {"unknown algorithm", Mutated(good, set_string("algorithm", "xgboost")), core::StatusCode::kFailedPrecondition},
      {"no signature", Mutated(good, remove("signature")), core::StatusCode::kDataLoss},
      {"signature not an object", Mutated(good, set_int("signature", 0)), core::StatusCode::kDataLoss},
      {"unknown task", Mutated(good, [](Doc& doc) { doc["signature"]["task"].SetString("classification"); }),
       core::StatusCode::kDataLoss},
      {"no target", Mutated(good, [](Doc& doc) { doc["signature"].RemoveMember("target"); }),
       core::StatusCode::kDataLoss},
      {"features not an array", Mutated(good, [](Doc& doc) { doc["signature"]["features"].SetObject(); }),
       core::StatusCode::kDataLoss},
      {"feature without a type", Mutated(good, [](Doc& doc) { doc["signature"]["features"][0].RemoveMember("type"); }),
       core::StatusCode::kDataLoss},
      {"feature of an unknown type",
       Mutated(good, [](Doc& doc) { doc["signature"]["features"][0]["type"].SetString("text"); }),
       core::StatusCode::kDataLoss},
      {"feature not an object", Mutated(good, [](Doc& doc) { doc["signature"]["features"][0].SetNull(); }),
       core::StatusCode::kDataLoss},
      {"signature with a feature fewer", Mutated(good, [](Doc& doc) { doc["signature"]["features"].PopBack(); }),
       core::StatusCode::kDataLoss},
      {"signature disagrees with the pipeline on a name",
       Mutated(good, [](Doc& doc) { doc["signature"]["features"][1]["name"].SetString("other"); }),
       core::StatusCode::kDataLoss},
      {"signature disagrees with the pipeline on a type",
       Mutated(good, [](Doc& doc) { doc["signature"]["features"][2]["type"].SetString("numeric"); }),
       core::StatusCode::kDataLoss},
      {"no payload", Mutated(good, remove("payload")), core::StatusCode::kDataLoss},
      {"payload not an object", Mutated(good, set_string("payload", "{}")), core::StatusCode::kDataLoss},
      {"payload empty", Mutated(good, [](Doc& doc) { doc["payload"].SetObject(); }), core::StatusCode::kDataLoss},
      {"payload weight removed", Mutated(good, [](Doc& doc) { doc["payload"]["weights"].PopBack(); }),
       core::StatusCode::kDataLoss},
      {"payload pipeline broken",
       Mutated(good, [](Doc& doc) { doc["payload"]["pipeline"]["transforms"][0].RemoveMember("scale"); }),
       core::StatusCode::kDataLoss},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<std::shared_ptr<const Model>> decoded = DeserializeModel(c.bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), c.want) << decoded.status().ToString();
  }
  EXPECT_TRUE(DeserializeModel(good).ok());
}

TEST(ModelCodecTest, ErrorMessagesSayWhatIsWrong) {
  const std::string good = SerializeModel(*MakeRandomModel(8).model);
  core::Result<std::shared_ptr<const Model>> newer =
      DeserializeModel(Mutated(good, [](rapidjson::Document& doc) { doc["format_version"].SetInt(3); }));
  ASSERT_FALSE(newer.ok());
  EXPECT_THAT(newer.status().message(), HasSubstr("3"));
  core::Result<std::shared_ptr<const Model>> unknown = DeserializeModel(
      Mutated(good, [](rapidjson::Document& doc) { doc["algorithm"].SetString("gradient_boosting"); }));
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("gradient_boosting"));
}

}  // namespace
}  // namespace amp::ml
