#include "api/kserve_v2_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace amp::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = ml::FeatureValue::Kind;

// One feature of each type, in an order that differs from how the tests send them.
ml::ModelSignature HouseSignature() {
  ml::ModelSignature signature;
  signature.target = "price";
  signature.features = {{"area", data::ColumnType::kNumeric},
                        {"rooms", data::ColumnType::kInteger},
                        {"garden", data::ColumnType::kBoolean},
                        {"city", data::ColumnType::kCategorical}};
  return signature;
}

ml::ModelSignature NumericSignature() {
  ml::ModelSignature signature;
  signature.target = "y";
  signature.features = {{"x1", data::ColumnType::kNumeric}, {"x2", data::ColumnType::kInteger}};
  return signature;
}

// The spec's example request names its inputs input0 (UINT32) and input1 (BOOL) and its output output0.
ml::ModelSignature SpecSignature() {
  ml::ModelSignature signature;
  signature.target = "output0";
  signature.features = {{"input0", data::ColumnType::kInteger}, {"input1", data::ColumnType::kBoolean}};
  return signature;
}

// The example request of the protocol's inference_rest.md, verbatim (its input1 has shape [3] and one value).
constexpr const char* kSpecExample = R"({
  "id" : "42",
  "inputs" : [
    {"name" : "input0", "shape" : [ 2, 2 ], "datatype" : "UINT32", "data" : [ 1, 2, 3, 4 ]},
    {"name" : "input1", "shape" : [ 3 ], "datatype" : "BOOL", "data" : [ true ]}
  ],
  "outputs" : [ {"name" : "output0"} ]
})";

class KServeV2CodecTest : public ::testing::Test {
 protected:
  // Parses a whole request body and decodes its inputs for `signature`.
  core::Status Decode(const ml::ModelSignature& signature, const std::string& json) {
    core::Status parsed = Parse(json);
    if (!parsed.ok()) return parsed;
    return codec_.DecodeInputs(signature, request_.inputs);
  }

  core::Status Parse(const std::string& json) {
    json_ = json;
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(json_).get(root), simdjson::SUCCESS) << json_;
    return ParseV2InferRequest(root, &request_);
  }

  const ml::FeatureValue& Value(size_t row_idx, size_t feature_idx, size_t width) {
    return codec_.values()[row_idx * width + feature_idx];
  }

  simdjson::dom::parser parser_;
  std::string json_;
  V2InferRequest request_;
  KServeV2Codec codec_;
};

TEST(V2DatatypeTest, NamesRoundTripAndAreCaseSensitive) {
  for (std::string_view name : {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
                                "FP16", "FP32", "FP64", "BYTES"}) {
    std::optional<V2Datatype> datatype = ParseV2Datatype(name);
    ASSERT_TRUE(datatype.has_value()) << name;
    EXPECT_EQ(V2DatatypeName(*datatype), name);
  }
  for (std::string_view name : {"fp64", "FLOAT", "BF16", "STRING", "", "FP64 "}) {
    EXPECT_FALSE(ParseV2Datatype(name).has_value()) << name;
  }
}

TEST(V2DatatypeTest, AdvertisedDatatypes) {
  EXPECT_EQ(AdvertisedV2Datatype(data::ColumnType::kNumeric), V2Datatype::kFp64);
  EXPECT_EQ(AdvertisedV2Datatype(data::ColumnType::kInteger), V2Datatype::kInt64);
  EXPECT_EQ(AdvertisedV2Datatype(data::ColumnType::kBoolean), V2Datatype::kBool);
  EXPECT_EQ(AdvertisedV2Datatype(data::ColumnType::kCategorical), V2Datatype::kBytes);
  // What metadata advertises must be accepted.
  for (auto type : {data::ColumnType::kNumeric, data::ColumnType::kInteger, data::ColumnType::kBoolean,
                    data::ColumnType::kCategorical}) {
    EXPECT_TRUE(V2DatatypeFeeds(AdvertisedV2Datatype(type), type));
  }
}

TEST(V2DatatypeTest, WhichDatatypesFeedWhichFeatures) {
  using data::ColumnType;
  struct Case {
    V2Datatype datatype;
    bool numeric, integer, boolean, categorical;
  };
  const Case cases[] = {
      {V2Datatype::kBool, false, false, true, false},  {V2Datatype::kUint8, true, true, true, true},
      {V2Datatype::kUint64, true, true, true, true},   {V2Datatype::kInt32, true, true, true, true},
      {V2Datatype::kInt64, true, true, true, true},    {V2Datatype::kFp16, true, true, true, false},
      {V2Datatype::kFp32, true, true, true, false},    {V2Datatype::kFp64, true, true, true, false},
      {V2Datatype::kBytes, false, false, false, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(V2DatatypeName(c.datatype));
    EXPECT_EQ(V2DatatypeFeeds(c.datatype, ColumnType::kNumeric), c.numeric);
    EXPECT_EQ(V2DatatypeFeeds(c.datatype, ColumnType::kInteger), c.integer);
    EXPECT_EQ(V2DatatypeFeeds(c.datatype, ColumnType::kBoolean), c.boolean);
    EXPECT_EQ(V2DatatypeFeeds(c.datatype, ColumnType::kCategorical), c.categorical);
  }
}

TEST_F(KServeV2CodecTest, ParsesTheSpecExampleRequest) {
  ASSERT_TRUE(Parse(kSpecExample).ok());
  ASSERT_TRUE(request_.id.has_value());
  EXPECT_EQ(*request_.id, "42");
  EXPECT_EQ(request_.inputs.size(), 2u);
  ASSERT_TRUE(request_.outputs.has_value());
  EXPECT_TRUE(CheckV2RequestedOutputs(request_, "output0").ok());
}

TEST_F(KServeV2CodecTest, RequestWithoutIdOrOutputsAndWithParameters) {
  ASSERT_TRUE(Parse(R"({"parameters": {"content_type": "pd", "x": 1}, "inputs": [{}]})").ok());
  EXPECT_FALSE(request_.id.has_value());
  EXPECT_FALSE(request_.outputs.has_value());
  EXPECT_TRUE(CheckV2RequestedOutputs(request_, "price").ok());
}

TEST_F(KServeV2CodecTest, RejectsMalformedRequests) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"([1, 2])", "must be a JSON object"},
      {R"({})", "missing field 'inputs'"},
      {R"({"inputs": {"name": "a"}})", "'inputs' must be an array"},
      {R"({"inputs": []})", "'inputs' is empty"},
      {R"({"id": 42, "inputs": [{}]})", "'id' must be a string"},
      {R"({"parameters": [1], "inputs": [{}]})", "'parameters' must be an object"},
      {R"({"outputs": {"name": "price"}, "inputs": [{}]})", "'outputs' must be an array"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    core::Status status = Parse(c.json);
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
}

TEST_F(KServeV2CodecTest, ChecksRequestedOutputs) {
  struct Case {
    const char* outputs;
    const char* message;  // empty: accepted
  };
  const Case cases[] = {
      {R"([])", ""},
      {R"([{"name": "price"}])", ""},
      {R"([{"name": "price", "parameters": {"binary_data": false}}, {"name": "price"}])", ""},
      {R"([{"name": "output0"}])", "unknown output 'output0'; the model has one output, 'price'"},
      {R"([{"name": "price"}, {"name": "Price"}])", "unknown output 'Price'"},
      {R"(["price"])", "outputs[0] must be an object with a string 'name'"},
      {R"([{"name": "price"}, {"name": 7}])", "outputs[1] must be an object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.outputs);
    ASSERT_TRUE(Parse(std::string(R"({"inputs": [{}], "outputs": )") + c.outputs + "}").ok());
    core::Status status = CheckV2RequestedOutputs(request_, "price");
    if (std::string_view(c.message).empty()) {
      EXPECT_TRUE(status.ok()) << status.ToString();
    } else {
      EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
      EXPECT_THAT(status.message(), HasSubstr(c.message));
    }
  }
}

TEST_F(KServeV2CodecTest, DecodesOneTensorPerFeatureInSignatureOrderWhateverTheInputOrder) {
  const ml::ModelSignature signature = HouseSignature();
  for (const std::string& json : {
           // Flat [N] tensors, in reverse order.
           std::string(R"({"inputs": [
             {"name": "city", "shape": [2], "datatype": "BYTES", "data": ["Paris", "Rome"]},
             {"name": "garden", "shape": [2], "datatype": "BOOL", "data": [true, false]},
             {"name": "rooms", "shape": [2], "datatype": "INT64", "data": [3, 4]},
             {"name": "area", "shape": [2], "datatype": "FP64", "data": [100.5, 80]}]})"),
           // [N, 1] tensors with nested data, other number types.
           std::string(R"({"inputs": [
             {"name": "area", "shape": [2, 1], "datatype": "FP32", "data": [[100.5], [80]]},
             {"name": "rooms", "shape": [2, 1], "datatype": "UINT8", "data": [[3], [4]]},
             {"name": "garden", "shape": [2, 1], "datatype": "BOOL", "data": [[true], [false]]},
             {"name": "city", "shape": [2, 1], "datatype": "BYTES", "data": [["Paris"], ["Rome"]]}]})"),
           // [N, 1] with flat data; a boolean sent as 0/1 numbers; per-input parameters ignored.
           std::string(R"({"inputs": [
             {"name": "garden", "shape": [2, 1], "datatype": "INT32", "data": [1, 0]},
             {"name": "area", "shape": [2, 1], "datatype": "FP64", "data": [100.5, 80.0],
              "parameters": {"content_type": "np"}},
             {"name": "city", "shape": [2], "datatype": "BYTES", "data": ["Paris", "Rome"]},
             {"name": "rooms", "shape": [2], "datatype": "FP64", "data": [3, 4.0]}]})"),
       }) {
    SCOPED_TRACE(json);
    core::Status status = Decode(signature, json);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(codec_.row_count(), 2u);
    ASSERT_EQ(codec_.values().size(), 8u);
    EXPECT_EQ(Value(0, 0, 4).kind, Kind::kNumber);
    EXPECT_EQ(Value(0, 0, 4).number, 100.5);
    EXPECT_EQ(Value(0, 1, 4).number, 3.0);
    EXPECT_EQ(Value(0, 2, 4).number, 1.0);
    EXPECT_EQ(Value(0, 3, 4).kind, Kind::kText);
    EXPECT_EQ(Value(0, 3, 4).text, "Paris");
    EXPECT_EQ(Value(1, 0, 4).number, 80.0);
    EXPECT_EQ(Value(1, 1, 4).number, 4.0);
    EXPECT_EQ(Value(1, 2, 4).kind, Kind::kNumber);
    EXPECT_EQ(Value(1, 2, 4).number, 0.0);
    EXPECT_EQ(Value(1, 3, 4).text, "Rome");
  }
}

TEST_F(KServeV2CodecTest, NullIsMissingInEveryDatatype) {
  core::Status status = Decode(HouseSignature(), R"({"inputs": [
      {"name": "area", "shape": [2], "datatype": "FP64", "data": [null, 1]},
      {"name": "rooms", "shape": [2], "datatype": "INT64", "data": [2, null]},
      {"name": "garden", "shape": [2], "datatype": "BOOL", "data": [null, true]},
      {"name": "city", "shape": [2], "datatype": "BYTES", "data": [null, "Lyon"]}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Value(0, 0, 4).kind, Kind::kMissing);
  EXPECT_EQ(Value(0, 1, 4).kind, Kind::kNumber);
  EXPECT_EQ(Value(0, 2, 4).kind, Kind::kMissing);
  EXPECT_EQ(Value(0, 3, 4).kind, Kind::kMissing);
  EXPECT_EQ(Value(1, 1, 4).kind, Kind::kMissing);
  EXPECT_EQ(Value(1, 3, 4).text, "Lyon");
}

TEST_F(KServeV2CodecTest, IntegerCategoriesAreMatchedByTheirExactText) {
  ml::ModelSignature signature;
  signature.target = "y";
  signature.features = {{"code", data::ColumnType::kCategorical}};
  core::Status status = Decode(signature, R"({"inputs": [{"name": "code", "shape": [3], "datatype": "INT64",
      "data": [100, -7, 9007199254740993]}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(codec_.values().size(), 3u);
  EXPECT_EQ(codec_.values()[0].text, "100");
  EXPECT_EQ(codec_.values()[1].text, "-7");
  EXPECT_EQ(codec_.values()[2].text, "9007199254740993");
  status = Decode(signature, R"({"inputs": [{"name": "code", "shape": [1], "datatype": "UINT64",
      "data": [18446744073709551615]}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(codec_.values()[0].text, "18446744073709551615");
}

TEST_F(KServeV2CodecTest, TheSpecExampleAdaptedToColumnTensors) {
  // The spec's request with input0 as a column and input1 given as many values as its shape says.
  core::Status status = Decode(SpecSignature(), R"({"id": "42", "inputs": [
      {"name": "input0", "shape": [3], "datatype": "UINT32", "data": [1, 2, 3]},
      {"name": "input1", "shape": [3], "datatype": "BOOL", "data": [true, false, true]}],
      "outputs": [{"name": "output0"}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(codec_.row_count(), 3u);
  std::vector<double> numbers;
  for (const ml::FeatureValue& value : codec_.values()) numbers.push_back(value.number);
  EXPECT_THAT(numbers, ElementsAre(1, 1, 2, 0, 3, 1));
}

TEST_F(KServeV2CodecTest, TheSpecExampleVerbatimIsRejectedNamingTheTensor) {
  // input0 is [2, 2], which is not a column; had it been, input1's shape [3] disagrees with its one value.
  core::Status status = Decode(SpecSignature(), kSpecExample);
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("input 'input0' has shape [2, 2]; a feature tensor has shape [N] or [N, 1]"));

  status = Decode(SpecSignature(), R"({"inputs": [
      {"name": "input0", "shape": [3], "datatype": "UINT32", "data": [1, 2, 3]},
      {"name": "input1", "shape": [3], "datatype": "BOOL", "data": [true]}]})");
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("input 'input1' has 1 values in 'data' but its shape [3] needs 3"));
}

TEST_F(KServeV2CodecTest, TheSpecExampleMatrixAsOneTensorOfAllFeatures) {
  // The spec's input0: a [2, 2] UINT32 tensor, here the two number features of two rows, flat or nested.
  for (const char* data : {"[1, 2, 3, 4]", "[[1, 2], [3, 4]]"}) {
    SCOPED_TRACE(data);
    const std::string body =
        std::string(R"({"id": "42", "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": )") +
        data + "}]}";
    core::Status status = Decode(NumericSignature(), body);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(codec_.row_count(), 2u);
    std::vector<double> numbers;
    for (const ml::FeatureValue& value : codec_.values()) numbers.push_back(value.number);
    EXPECT_THAT(numbers, ElementsAre(1, 2, 3, 4));
  }
}

TEST_F(KServeV2CodecTest, OneTensorOfAllFeaturesWithOneFeatureMayBeFlat) {
  ml::ModelSignature signature;
  signature.target = "y";
  signature.features = {{"x", data::ColumnType::kNumeric}};
  for (const char* shape : {"[3]", "[3, 1]"}) {
    SCOPED_TRACE(shape);
    core::Status status = Decode(signature, std::string(R"({"inputs": [{"name": "predict", "shape": )") + shape +
                                                R"(, "datatype": "FP32", "data": [1.5, null, -2]}]})");
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(codec_.row_count(), 3u);
    EXPECT_EQ(codec_.values()[0].number, 1.5);
    EXPECT_EQ(codec_.values()[1].kind, Kind::kMissing);
    EXPECT_EQ(codec_.values()[2].number, -2.0);
  }
}

TEST_F(KServeV2CodecTest, ZeroRows) {
  core::Status status = Decode(NumericSignature(), R"({"inputs": [
      {"name": "x1", "shape": [0], "datatype": "FP64", "data": []},
      {"name": "x2", "shape": [0, 1], "datatype": "INT64", "data": []}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(codec_.row_count(), 0u);
  EXPECT_TRUE(codec_.values().empty());
}

TEST_F(KServeV2CodecTest, ReusedAcrossRequestsOfDifferentSizes) {
  const ml::ModelSignature signature = NumericSignature();
  core::Status status = Decode(signature, R"({"inputs": [
      {"name": "m", "shape": [3, 2], "datatype": "FP64", "data": [1, 2, 3, 4, 5, 6]}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(codec_.values().size(), 6u);
  status = Decode(signature, R"({"inputs": [
      {"name": "x2", "shape": [1], "datatype": "INT64", "data": [9]},
      {"name": "x1", "shape": [1], "datatype": "FP64", "data": [null]}]})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(codec_.values().size(), 2u);
  EXPECT_EQ(codec_.values()[0].kind, Kind::kMissing);
  EXPECT_EQ(codec_.values()[1].number, 9.0);
}

TEST_F(KServeV2CodecTest, RejectsBadTensorsNamingThem) {
  // Well-formed tensors to combine with a bad one.
  const std::string good_area = R"({"name": "area", "shape": [1], "datatype": "FP64", "data": [1]})";
  const std::string good_rooms = R"({"name": "rooms", "shape": [1], "datatype": "INT64", "data": [3]})";
  const std::string good_garden = R"({"name": "garden", "shape": [1], "datatype": "BOOL", "data": [true]})";
  const std::string good_city = R"({"name": "city", "shape": [1], "datatype": "BYTES", "data": ["Rome"]})";
  const std::string good_rest = good_garden + ", " + good_city;
  auto with_area = [&](const std::string& area) { return "[" + area + ", " + good_rooms + ", " + good_rest + "]"; };
  auto with_garden = [&](const std::string& garden) {
    return "[" + good_area + ", " + good_rooms + ", " + garden + ", " + good_city + "]";
  };
  auto with_city = [&](const std::string& city) {
    return "[" + good_area + ", " + good_rooms + ", " + good_garden + ", " + city + "]";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Input objects.
      {"[7]", "inputs[0] must be a tensor object, got a number"},
      {R"([{"shape": [1], "datatype": "FP64", "data": [1]}])", "inputs[0] needs a string 'name'"},
      {with_area(R"({"name": "area", "shape": [1], "data": [1]})"), "input 'area' needs a string 'datatype'"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FLOAT64", "data": [1]})"),
       "input 'area' has an unknown datatype 'FLOAT64'"},
      {with_area(R"({"name": "area", "datatype": "FP64", "data": [1]})"), "input 'area' needs a 'shape' array"},
      {with_area(R"({"name": "area", "shape": [-1], "datatype": "FP64", "data": [1]})"),
       "input 'area': 'shape' must hold non-negative integers, got -1"},
      {with_area(R"({"name": "area", "shape": [1.5], "datatype": "FP64", "data": [1]})"),
       "'shape' must hold non-negative integers, got 1.5"},
      {with_area(R"({"name": "area", "shape": [], "datatype": "FP64", "data": [1]})"), "input 'area' has shape []"},
      {with_area(R"({"name": "area", "shape": [1, 1, 1], "datatype": "FP64", "data": [1]})"),
       "input 'area' has shape [1, 1, 1]"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64"})"), "input 'area' needs a 'data' array"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "parameters": {"binary_data_size": 8}})"),
       "input 'area' uses the binary tensor data extension"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "data": 1})"),
       "input 'area': 'data' must be an array, got a number"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "data": [1], "parameters": 3})"),
       "input 'area': 'parameters' must be an object"},
      // Shape and data length.
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "data": [1, 2]})"),
       "input 'area' has 2 values in 'data' but its shape [1] needs 1"},
      {with_area(R"({"name": "area", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]})"),
       "input 'area' has shape [1, 2]; a feature tensor has shape [N] or [N, 1]"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "data": [[1]]})"),
       "input 'area': 'data' must be flat or nested exactly as the shape [1] says"},
      {with_area(R"({"name": "area", "shape": [1, 1], "datatype": "FP64", "data": [[1, 2]]})"),
       "input 'area': 'data' must be flat or nested exactly as the shape [1, 1] says"},
      // Datatype against the feature.
      {with_area(R"({"name": "area", "shape": [1], "datatype": "BYTES", "data": ["1"]})"),
       "input 'area' has datatype BYTES, but feature 'area' is numeric"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "BOOL", "data": [true]})"),
       "input 'area' has datatype BOOL, but feature 'area' is numeric"},
      {with_garden(R"({"name": "garden", "shape": [1], "datatype": "BYTES", "data": ["yes"]})"),
       "input 'garden' has datatype BYTES, but feature 'garden' is boolean"},
      {with_city(R"({"name": "city", "shape": [1], "datatype": "FP64", "data": [1.5]})"),
       "input 'city' has datatype FP64, but feature 'city' is categorical"},
      // Elements against the datatype.
      {with_area(R"({"name": "area", "shape": [1, 1], "datatype": "FP64", "data": [["2"]]})"),
       "input 'area' (FP64), element 0 is a string; expected a number or null"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "data": [true]})"),
       "input 'area' (FP64), element 0 is a boolean; expected a number or null"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP64", "data": [{}]})"),
       "input 'area' (FP64), element 0 is an object"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP32", "data": [1e39]})"),
       "input 'area' (FP32), element 0 is 1e+39, out of the range of FP32"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "FP16", "data": [70000]})"), "out of the range of FP16"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "INT64", "data": [1.5]})"),
       "input 'area' (INT64), element 0 is 1.5; expected an integer or null"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "UINT8", "data": [300]})"),
       "input 'area' (UINT8), element 0 is 300, out of the range of UINT8"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "UINT32", "data": [-1]})"),
       "element 0 is -1, out of the range of UINT32"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "INT8", "data": [-129]})"), "out of the range of INT8"},
      {with_area(R"({"name": "area", "shape": [1], "datatype": "INT64", "data": [9223372036854775808]})"),
       "element 0 is 9223372036854775808, out of the range of INT64"},
      {with_city(R"({"name": "city", "shape": [1], "datatype": "BYTES", "data": [5]})"),
       "input 'city' (BYTES), element 0 is 5; expected a string or null"},
      {with_garden(R"({"name": "garden", "shape": [1], "datatype": "BOOL", "data": [1]})"),
       "input 'garden' (BOOL), element 0 is 1; expected true, false or null"},
      {with_garden(R"({"name": "garden", "shape": [1], "datatype": "FP64", "data": [0.5]})"),
       "input 'garden' (FP64), element 0 is 0.5, but feature 'garden' is boolean"},
      // The set of tensors.
      {with_area(R"({"name": "Area", "shape": [1], "datatype": "FP64", "data": [1]})"),
       "unknown input 'Area'; the model takes one tensor per feature: area, rooms, garden, city"},
      {"[" + good_rooms + ", " + good_rooms + "]", "input 'rooms' is given more than once"},
      {"[" + good_rooms + ", " + good_rest + "]",
       "missing input tensor for feature(s) area (send null values to have them imputed)"},
      {"[" + good_rooms + R"(, {"name": "garden", "shape": [1], "datatype": "BOOL", "data": [true]}])",
       "missing input tensor for feature(s) area, city"},
      {with_area(R"({"name": "area", "shape": [2], "datatype": "FP64", "data": [1, 2]})"),
       "input 'rooms' has 1 rows but input 'area' has 2; every input needs the same number of rows"},
      // One tensor of all features.
      {R"([{"name": "input0", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 1, 3]}])",
       "input 'input0' is not a feature of the model; send one tensor per feature (area, rooms, garden, city)"},
  };
  const ml::ModelSignature signature = HouseSignature();
  for (const auto& [inputs, message] : cases) {
    SCOPED_TRACE(inputs);
    core::Status status = Decode(signature, R"({"inputs": )" + inputs + "}");
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(message));
  }
}

TEST_F(KServeV2CodecTest, RejectsBadTensorsOfAllFeatures) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "m", "shape": [2, 3], "datatype": "FP64", "data": [1, 2, 3, 4, 5, 6]})",
       "input 'm' has shape [2, 3]; as a single tensor of all features it needs shape [N, 2] (columns x1, x2)"},
      {R"({"name": "m", "shape": [4], "datatype": "FP64", "data": [1, 2, 3, 4]})", "input 'm' has shape [4]"},
      {R"({"name": "m", "shape": [1, 2], "datatype": "BYTES", "data": ["1", "2"]})",
       "its datatype must be a number type (FP64, FP32, INT64, ...), got BYTES"},
      {R"({"name": "m", "shape": [1, 2], "datatype": "BOOL", "data": [true, false]})", "got BOOL"},
      {R"({"name": "m", "shape": [1, 2], "datatype": "INT32", "data": [1, 2.5]})",
       "input 'm' (INT32), element 1 (feature 'x2') is 2.5; expected an integer or null"},
      {R"({"name": "m", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3]})",
       "input 'm' has 3 values in 'data' but its shape [2, 2] needs 4"},
      {R"({"name": "m", "shape": [2, 2], "datatype": "FP64", "data": [[1, 2], [3]]})",
       "input 'm': 'data' must be flat or nested exactly as the shape [2, 2] says"},
      {R"({"name": "m", "shape": [2, 2], "datatype": "FP64", "data": [[1, 2], [3, [4]]]})",
       "input 'm': 'data' must be flat or nested exactly as the shape [2, 2] says"},
      {R"({"name": "m", "shape": [2, 2], "datatype": "FP64", "data": [[1, 2, 3, 4]]})",
       "input 'm': 'data' must be flat or nested exactly as the shape [2, 2] says"},
  };
  for (const auto& [input, message] : cases) {
    SCOPED_TRACE(input);
    core::Status status = Decode(NumericSignature(), R"({"inputs": [)" + input + "]}");
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(message));
  }
}

TEST_F(KServeV2CodecTest, TooManyRowsIsResourceExhausted) {
  core::Status status = Decode(NumericSignature(), R"({"inputs": [{"name": "x1", "shape": [100001],
      "datatype": "FP64", "data": []}]})");
  EXPECT_EQ(status.code(), core::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("at most 100000 rows"));
  // A huge dimension is refused before anything multiplies it.
  status = Decode(NumericSignature(), R"({"inputs": [{"name": "m", "shape": [18446744073709551615, 2],
      "datatype": "FP64", "data": []}]})");
  EXPECT_EQ(status.code(), core::StatusCode::kResourceExhausted);
}

TEST_F(KServeV2CodecTest, LongClientTextIsShortenedInMessages) {
  const std::string long_name(5000, 'n');
  core::Status status = Decode(NumericSignature(), R"({"inputs": [{"name": "x1", "shape": [1], "datatype": "FP64",
      "data": [1]}, {"name": ")" + long_name + R"(", "shape": [1], "datatype": "FP64", "data": [1]}]})");
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 400u);
}

TEST(EncodeV2InferResponseTest, RendersTheSpecResponseShape) {
  const double predictions[] = {1.5, -2.0, std::numeric_limits<double>::quiet_NaN()};
  V2InferResult result;
  result.id = "42";
  result.model_name = "houses";
  result.model_version = 3;
  result.output_name = "price";
  result.predictions = predictions;
  EXPECT_EQ(EncodeV2InferResponse(result),
            R"({"id":"42","model_name":"houses","model_version":"3","outputs":[{"name":"price","datatype":"FP64",)"
            R"("shape":[3,1],"data":[1.5,-2.0,null]}]})");
}

TEST(EncodeV2InferResponseTest, OmitsAnAbsentIdAndReportsWarnings) {
  const double predictions[] = {7.0};
  const std::vector<std::string> warnings = {"row 0: feature 'area' is missing; imputed as in training"};
  V2InferResult result;
  result.model_name = "m \"q\"";
  result.model_version = 1;
  result.output_name = "y";
  result.predictions = predictions;
  result.warnings = warnings;
  EXPECT_EQ(EncodeV2InferResponse(result),
            R"({"model_name":"m \"q\"","model_version":"1","parameters":{"warnings":["row 0: feature 'area' is )"
            R"(missing; imputed as in training"]},"outputs":[{"name":"y","datatype":"FP64","shape":[1,1],)"
            R"("data":[7.0]}]})");
}

TEST(EncodeV2InferResponseTest, CapsTheWarnings) {
  std::vector<std::string> warnings(kMaxV2Warnings + 5, "w");
  V2InferResult result;
  result.model_name = "m";
  result.output_name = "y";
  result.warnings = warnings;
  simdjson::dom::parser parser;
  std::string json = EncodeV2InferResponse(result);
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
  simdjson::dom::array rendered;
  ASSERT_EQ(root["parameters"]["warnings"].get_array().get(rendered), simdjson::SUCCESS);
  EXPECT_EQ(rendered.size(), kMaxV2Warnings + 1);
  std::string_view last;
  ASSERT_EQ(rendered.at(kMaxV2Warnings).get_string().get(last), simdjson::SUCCESS);
  EXPECT_EQ(last, "... and 5 more warnings");
  ASSERT_EQ(root["outputs"].at(0)["shape"].at(0).get_uint64().error(), simdjson::SUCCESS);
  EXPECT_EQ(root["outputs"].at(0)["shape"].at(0).get_uint64().value(), 0u);
}

}  // namespace
}  // namespace amp::api
