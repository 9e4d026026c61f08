#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ml/pipeline.h"
#include "ml/pipeline_test_fixtures.h"

// Pipeline JSON: bit-exact round trips, malformed documents, the extended transforms.
namespace amp::ml {
namespace {

// A double with all 52 mantissa bits random.
double FullMantissa(std::mt19937_64& rng, int min_exponent, int max_exponent) {
  const uint64_t mantissa = rng() & ((uint64_t{1} << 52) - 1);
  const int exponent = std::uniform_int_distribution<int>(min_exponent, max_exponent)(rng);
  const double value = std::ldexp(1.0 + std::ldexp(static_cast<double>(mantissa), -52), exponent);
  return (rng() & 1) != 0 ? -value : value;
}

void ExpectBitwiseEqual(double got, double want, const std::string& what) {
  EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want))
      << what << ": got " << got << ", want " << want;
}

void ExpectSamePipeline(const Pipeline& got, const Pipeline& want) {
  ASSERT_EQ(got.transforms().size(), want.transforms().size());
  for (size_t idx = 0; idx < want.transforms().size(); ++idx) {
    const FeatureTransform& a = got.transforms()[idx];
    const FeatureTransform& b = want.transforms()[idx];
    SCOPED_TRACE("transform " + std::to_string(idx) + " (" + b.feature.name + ")");
    EXPECT_EQ(a.feature, b.feature);
    if (data::IsNumberLike(b.feature.type)) {
      ExpectBitwiseEqual(a.impute_value, b.impute_value, "impute");
      ExpectBitwiseEqual(a.center, b.center, "center");
      ExpectBitwiseEqual(a.scale, b.scale, "scale");
    } else {
      EXPECT_EQ(a.categories, b.categories);
      EXPECT_EQ(a.impute_category, b.impute_category);
      ASSERT_EQ(a.category_means.size(), b.category_means.size());
      for (size_t mean_idx = 0; mean_idx < b.category_means.size(); ++mean_idx) {
        ExpectBitwiseEqual(a.category_means[mean_idx], b.category_means[mean_idx], "category mean");
      }
    }
  }
  EXPECT_EQ(got.EncodedWidth(), want.EncodedWidth());
}

TEST(PipelineTest, JsonRoundTripIsBitExact) {
  std::mt19937_64 rng(20240601);
  std::vector<FeatureTransform> transforms;
  for (int idx = 0; idx < 200; ++idx) {
    FeatureTransform transform;
    transform.feature = {"f" + std::to_string(idx),
                         idx % 3 == 0 ? data::ColumnType::kInteger : data::ColumnType::kNumeric};
    transform.impute_value = FullMantissa(rng, -30, 30);
    transform.center = FullMantissa(rng, -30, 30);
    transform.scale = std::fabs(FullMantissa(rng, -30, 30));
    transforms.push_back(transform);
  }
  // Doubles that are hard to print and read back.
  const std::vector<double> special = {0.1,
                                       1.0 / 3.0,
                                       -0.0,
                                       0.0,
                                       DBL_MAX,
                                       -DBL_MAX,
                                       DBL_MIN,
                                       std::numeric_limits<double>::denorm_min(),
                                       2.2250738585072009e-308,  // largest subnormal
                                       5e-324 * 12345,
                                       9007199254740993.0,
                                       1e23,
                                       8.41e21,
                                       5e-310,
                                       123456789012345680.0,
                                       2.718281828459045,
                                       1.7976931348623157e308 / 3};
  for (size_t idx = 0; idx < special.size(); ++idx) {
    FeatureTransform transform;
    transform.feature = {"special" + std::to_string(idx), data::ColumnType::kNumeric};
    transform.impute_value = special[idx];
    transform.center = -special[idx];
    transform.scale = special[idx] == 0.0 ? 1.0 : special[idx];
    transforms.push_back(transform);
  }
  FeatureTransform flag;
  flag.feature = {"flag", data::ColumnType::kBoolean};
  flag.impute_value = 1.0;
  flag.center = 0.3;
  flag.scale = 0.45825756949558399;
  transforms.push_back(flag);
  FeatureTransform category;
  // Names and categories that need escaping in JSON, and non-ASCII text.
  category.feature = {"qu\"ote\\d \xC3\xA9t\xC3\xA9\n", data::ColumnType::kCategorical};
  category.categories = {"", " spaced ", "\"", "a/b", "tab\there", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
  std::sort(category.categories.begin(), category.categories.end());
  category.impute_category = 3;
  category.category_means = {0.1, 1.0 / 3.0, 0.0, 0.2, 1e-300, 0.123456789012345678, 1.0};
  transforms.push_back(category);
  FeatureTransform old_category;  // as written before category means were recorded
  old_category.feature = {"old", data::ColumnType::kCategorical};
  old_category.categories = {"a", "b"};
  transforms.push_back(old_category);

  Pipeline pipeline(transforms);
  const std::string json = pipeline.ToJson();
  core::Result<Pipeline> parsed = Pipeline::FromJson(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ExpectSamePipeline(*parsed, pipeline);
  EXPECT_EQ(parsed->ToJson(), json);
}

TEST(PipelineTest, JsonRoundTripOfFittedPipeline) {
  data::Table table = EncodeTable();
  const std::vector<int64_t> train_rows = {0, 1, 2, 3, 4};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, {0, 1, 2, 3}, train_rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  core::Result<Pipeline> parsed = Pipeline::FromJson(pipeline->ToJson());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ExpectSamePipeline(*parsed, *pipeline);
  EXPECT_EQ(parsed->EncodedNames(), pipeline->EncodedNames());

  core::Result<Pipeline> empty = Pipeline::FromJson(Pipeline().ToJson());
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->transforms().empty());
}

TEST(PipelineTest, MalformedJsonIsDataLoss) {
  const std::string number = R"("name":"x","type":"numeric","impute":1,"center":0,"scale":2)";
  const std::string category = R"("name":"c","type":"categorical","categories":["a","b"],"impute_category":1)";
  struct Case {
    std::string name;
    std::string json;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"not JSON", "pipeline"},
      {"truncated", R"({"transforms":[{)" + number},
      {"trailing garbage", R"({"transforms":[]} x)"},
      {"array root", "[]"},
      {"string root", R"("transforms")"},
      {"no transforms", "{}"},
      {"transforms not an array", R"({"transforms":{}})"},
      {"transform not an object", R"({"transforms":[1]})"},
      {"transform null", R"({"transforms":[null]})"},
      {"no name", R"({"transforms":[{"type":"numeric","impute":1,"center":0,"scale":2}]})"},
      {"name not a string", R"({"transforms":[{"name":7,"type":"numeric","impute":1,"center":0,"scale":2}]})"},
      {"no type", R"({"transforms":[{"name":"x","impute":1,"center":0,"scale":2}]})"},
      {"unknown type", R"({"transforms":[{"name":"x","type":"float","impute":1,"center":0,"scale":2}]})"},
      {"type in capitals", R"({"transforms":[{"name":"x","type":"Numeric","impute":1,"center":0,"scale":2}]})"},
      {"no impute", R"({"transforms":[{"name":"x","type":"numeric","center":0,"scale":2}]})"},
      {"no center", R"({"transforms":[{"name":"x","type":"integer","impute":1,"scale":2}]})"},
      {"no scale", R"({"transforms":[{"name":"x","type":"boolean","impute":1,"center":0}]})"},
      {"center a string", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":"0","scale":2}]})"},
      {"scale null", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":0,"scale":null}]})"},
      {"scale zero", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":0,"scale":0}]})"},
      {"scale negative zero", R"({"transforms":[{"name":"x","type":"numeric","impute":1,"center":0,"scale":-0.0}]})"},
      {"number too big", R"({"transforms":[{"name":"x","type":"numeric","impute":1e999,"center":0,"scale":1}]})"},
      {"NaN literal", R"({"transforms":[{"name":"x","type":"numeric","impute":NaN,"center":0,"scale":1}]})"},
      {"no categories", R"({"transforms":[{"name":"c","type":"categorical","impute_category":0}]})"},
      {"categories not an array",
       R"({"transforms":[{"name":"c","type":"categorical","categories":"a","impute_category":0}]})"},
      {"category not a string",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a",1],"impute_category":0}]})"},
      {"no impute_category", R"({"transforms":[{"name":"c","type":"categorical","categories":["a"]}]})"},
      {"impute_category negative",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":-1}]})"},
      {"impute_category out of range",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":2}]})"},
      {"impute_category fractional",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":0.5}]})"},
      {"impute_category a string",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":"0"}]})"},
      {"no categories at all",
       R"({"transforms":[{"name":"c","type":"categorical","categories":[],"impute_category":0}]})"},
      {"categories unsorted",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["b","a"],"impute_category":0}]})"},
      {"categories repeated",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","a"],"impute_category":0}]})"},
      {"category_means not an array",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":1}]})"},
      {"category_means too short",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":0,)"
       R"("category_means":[1]}]})"},
      {"category_means too long",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":[0.5,0.5]}]})"},
      {"category mean a string",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":["1"]}]})"},
      {"category mean negative",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a","b"],"impute_category":0,)"
       R"("category_means":[-0.5,1.5]}]})"},
      {"category mean above one",
       R"({"transforms":[{"name":"c","type":"categorical","categories":["a"],"impute_category":0,)"
       R"("category_means":[1.5]}]})"},
      {"bad second transform", R"({"transforms":[{)" + number + R"(},{)" + category + R"(},{"name":"y"}]})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.json);
    core::Result<Pipeline> parsed = Pipeline::FromJson(c.json);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kDataLoss);
  }
  // The well-formed pieces used above parse.
  core::Result<Pipeline> good = Pipeline::FromJson(R"({"transforms":[{)" + number + R"(},{)" + category + R"(}]})");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->EncodedWidth(), 3);
}

TEST(PipelineTest, ExtendedTransformsRoundTripThroughJson) {
  data::Table table(
      6, {NumberColumn("x", {1.0, kNaN, 3.0, 4.0, kNaN, 6.0}), CategoryColumn("c", {"a", "b", "c"}, {0, 0, 0, 1, 1, 2}),
          CategoryColumn("when", {"2024-01-01", "2024-02-03T10:00:00Z"}, {0, 1, -1, 0, 1, 0})});
  FitOptions options;
  options.max_levels = 2;
  options.features = {{.date = false, .missing_indicator = true}, {}, {.date = true, .missing_indicator = true}};
  auto pipeline = Pipeline::Fit(table, {0, 1, 2}, AllRows(6), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(pipeline->HasExtendedTransforms());
  auto back = Pipeline::FromJson(pipeline->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->transforms(), pipeline->transforms());
  EXPECT_EQ(back->EncodedWidth(), pipeline->EncodedWidth());
  EXPECT_EQ(back->EncodedWidth(), 2 + 3 + 6);
  ModelSignature signature;
  for (const FeatureTransform& transform : back->transforms()) signature.features.push_back(transform.feature);
  EXPECT_TRUE(back->CheckSignature(signature).ok());
  // A date transform that also claims categories is refused.
  std::string broken = pipeline->ToJson();
  const std::string key = "\"name\":\"when\",\"type\":\"categorical\"";
  ASSERT_NE(broken.find(key), std::string::npos);
  broken.replace(broken.find(key), key.size(), "\"name\":\"when\",\"type\":\"numeric\"");
  EXPECT_EQ(Pipeline::FromJson(broken).status().code(), core::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace amp::ml
