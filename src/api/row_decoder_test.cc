#include "api/row_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace amp::api {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using Kind = ml::FeatureValue::Kind;

ml::ModelSignature HouseSignature() {
  ml::ModelSignature signature;
  signature.target = "price";
  signature.features = {{"sqft", data::ColumnType::kNumeric},
                        {"beds", data::ColumnType::kInteger},
                        {"city", data::ColumnType::kCategorical},
                        {"garage", data::ColumnType::kBoolean}};
  return signature;
}

// Parses `json` with a fresh parser and decodes it as row 0 of a one-row request.
class RowDecoderTest : public ::testing::Test {
 protected:
  core::Status DecodeOne(const std::string& json) {
    json_ = json;
    simdjson::dom::element element;
    EXPECT_EQ(parser_.parse(json_).get(element), simdjson::SUCCESS) << json_;
    decoder_.Reset(signature_, 1);
    return decoder_.DecodeRow(element, 0);
  }

  // The value decoded for feature `name` of row 0.
  const ml::FeatureValue& Value(std::string_view name) {
    return decoder_.values()[static_cast<size_t>(signature_.FindFeature(name))];
  }

  ml::ModelSignature signature_ = HouseSignature();
  simdjson::dom::parser parser_;
  std::string json_;
  RowDecoder decoder_;
};

TEST_F(RowDecoderTest, DecodesInSignatureOrderWhateverTheKeyOrder) {
  for (const std::string& json : {
           std::string(R"({"sqft": 1650.5, "beds": 3, "city": "paris", "garage": true})"),
           std::string(R"({"garage": true, "city": "paris", "beds": 3, "sqft": 1650.5})"),
           std::string(R"({"city": "paris", "sqft": 1650.5, "garage": true, "beds": 3})"),
       }) {
    SCOPED_TRACE(json);
    core::Status status = DecodeOne(json);
    ASSERT_TRUE(status.ok()) << status.ToString();
    const std::vector<ml::FeatureValue>& values = decoder_.values();
    ASSERT_EQ(values.size(), 4u);
    EXPECT_EQ(values[0].kind, Kind::kNumber);
    EXPECT_EQ(values[0].number, 1650.5);
    EXPECT_EQ(values[1].kind, Kind::kNumber);
    EXPECT_EQ(values[1].number, 3.0);
    EXPECT_EQ(values[2].kind, Kind::kText);
    EXPECT_EQ(values[2].text, "paris");
    EXPECT_EQ(values[3].kind, Kind::kNumber);
    EXPECT_EQ(values[3].number, 1.0);
  }
}

TEST_F(RowDecoderTest, NullIsMissing) {
  core::Status status = DecodeOne(R"({"sqft": null, "beds": null, "city": null, "garage": null})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  for (const ml::FeatureValue& value : decoder_.values()) EXPECT_EQ(value.kind, Kind::kMissing);
}

TEST_F(RowDecoderTest, Numbers) {
  struct Case {
    std::string json_value;
    double want;
  };
  const std::vector<Case> cases = {
      {"0", 0.0},
      {"-12", -12.0},
      {"2.5e3", 2500.0},
      {"-0.0", -0.0},
      {"1e-300", 1e-300},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"18446744073709551615", 18446744073709551615.0},  // uint64
      {"-9223372036854775808", -9223372036854775808.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json_value);
    core::Status status = DecodeOne(R"({"sqft": )" + c.json_value + R"(, "beds": 2.5, "city": "x", "garage": 0})");
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(Value("sqft").kind, Kind::kNumber);
    EXPECT_EQ(Value("sqft").number, c.want);
    EXPECT_EQ(Value("beds").number, 2.5);  // an integer feature takes any number; the model treats it as one
  }
}

TEST_F(RowDecoderTest, NumberForCategoricalIsMatchedByItsText) {
  struct Case {
    std::string json_value;
    std::string want_text;
  };
  const std::vector<Case> cases = {
      {"100", "100"},
      {"0", "0"},
      {"-7", "-7"},
      {"100.0", "100"},  // the shortest form, so it matches a category "100"
      {"1.5", "1.5"},
      {"-0.25", "-0.25"},
      {"1e21", "1e+21"},
      {"9007199254740993", "9007199254740993"},        // beyond 2^53: exact, not rounded through a double
      {"9223372036854775807", "9223372036854775807"},  // int64 max
      {"-9223372036854775808", "-9223372036854775808"},
      {"18446744073709551615", "18446744073709551615"},  // uint64 max
      {"9223372036854775808", "9223372036854775808"},    // just above int64 max
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json_value);
    core::Status status = DecodeOne(R"({"sqft": 1, "beds": 1, "city": )" + c.json_value + R"(, "garage": 1})");
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(Value("city").kind, Kind::kText);
    EXPECT_EQ(Value("city").text, c.want_text);
  }
}

TEST_F(RowDecoderTest, NumberTextsStayValidAcrossManyRows) {
  // Each row's category text made from a number must survive decoding the later rows.
  const size_t rows = 200;
  std::string json = "[";
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    if (row_idx > 0) json += ",";
    json += R"({"sqft": 1, "beds": 1, "garage": 1, "city": )" + std::to_string(row_idx * 1000003) + "}";
  }
  json += "]";
  simdjson::dom::element root;
  ASSERT_EQ(parser_.parse(json).get(root), simdjson::SUCCESS);
  decoder_.Reset(signature_, rows);
  size_t row_idx = 0;
  for (simdjson::dom::element row : root.get_array()) {
    ASSERT_TRUE(decoder_.DecodeRow(row, row_idx).ok());
    ++row_idx;
  }
  for (row_idx = 0; row_idx < rows; ++row_idx) {
    EXPECT_EQ(decoder_.values()[row_idx * 4 + 2].text, std::to_string(row_idx * 1000003));
  }
}

TEST_F(RowDecoderTest, Booleans) {
  struct Case {
    std::string json_value;
    std::optional<double> want;  // nullopt: rejected
  };
  const std::vector<Case> cases = {
      {"true", 1.0},
      {"false", 0.0},
      {"1", 1.0},
      {"0", 0.0},
      {"1.0", 1.0},
      {"0.0", 0.0},
      {"-0", 0.0},
      {"2", std::nullopt},
      {"-1", std::nullopt},
      {"0.5", std::nullopt},
      {"\"true\"", std::nullopt},
      {"\"1\"", std::nullopt},
      {"[true]", std::nullopt},
      {"{}", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json_value);
    core::Status status = DecodeOne(R"({"sqft": 1, "beds": 1, "city": "x", "garage": )" + c.json_value + "}");
    if (!c.want.has_value()) {
      EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
      EXPECT_THAT(status.message(), AllOf(HasSubstr("'garage'"), HasSubstr("expects a boolean")));
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(Value("garage").kind, Kind::kNumber);
    EXPECT_EQ(Value("garage").number, *c.want);
  }
}

TEST_F(RowDecoderTest, Errors) {
  struct Case {
    std::string name;
    std::string json;
    std::vector<std::string> want_substrings;
  };
  const std::vector<Case> cases = {
      {"unknown feature",
       R"({"sqft": 1, "beds": 1, "city": "x", "garage": 1, "pool": true})",
       {"unknown feature 'pool'", "the model takes: sqft, beds, city, garage"}},
      {"unknown feature by case", R"({"SQFT": 1, "beds": 1, "city": "x", "garage": 1})", {"unknown feature 'SQFT'"}},
      {"missing feature", R"({"sqft": 1, "beds": 1, "city": "x"})", {"missing feature 'garage'", "send null"}},
      {"empty object", R"({})", {"missing feature 'sqft'"}},
      {"string for number",
       R"({"sqft": "1650", "beds": 1, "city": "x", "garage": 1})",
       {"feature 'sqft' expects a number, got a string"}},
      {"string for integer",
       R"({"sqft": 1, "beds": "3", "city": "x", "garage": 1})",
       {"feature 'beds' expects a number, got a string"}},
      {"bool for number",
       R"({"sqft": true, "beds": 1, "city": "x", "garage": 1})",
       {"feature 'sqft' expects a number, got a boolean"}},
      {"array for number",
       R"({"sqft": [1650], "beds": 1, "city": "x", "garage": 1})",
       {"feature 'sqft' expects a number, got an array"}},
      {"object for number",
       R"({"sqft": {"value": 1}, "beds": 1, "city": "x", "garage": 1})",
       {"feature 'sqft' expects a number, got an object"}},
      {"bool for categorical",
       R"({"sqft": 1, "beds": 1, "city": false, "garage": 1})",
       {"feature 'city' expects a string, got a boolean"}},
      {"array for categorical",
       R"({"sqft": 1, "beds": 1, "city": ["x"], "garage": 1})",
       {"feature 'city' expects a string, got an array"}},
      {"object for categorical",
       R"({"sqft": 1, "beds": 1, "city": {}, "garage": 1})",
       {"feature 'city' expects a string, got an object"}},
      {"string for boolean",
       R"({"sqft": 1, "beds": 1, "city": "x", "garage": "yes"})",
       {"feature 'garage' expects a boolean (true/false or 0/1), got a string"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Status status = DecodeOne(c.json);
    EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
    for (const std::string& want : c.want_substrings) EXPECT_THAT(status.message(), HasSubstr(want));
    EXPECT_THAT(status.message(), Not(StartsWith("row ")));  // a single row is not numbered
  }
}

TEST_F(RowDecoderTest, NotAnObject) {
  for (std::string json : {"[1, 2]", "\"x\"", "3", "null", "true"}) {
    SCOPED_TRACE(json);
    core::Status status = DecodeOne(json);
    EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
    EXPECT_THAT(status.message(), HasSubstr("must be an object"));
  }
}

TEST_F(RowDecoderTest, LongUnknownKeyIsShortenedToValidUtf8) {
  // 99 ASCII bytes then a two-byte character: a cut at byte 100 would split it.
  const std::string key = std::string(99, 'k') + "\xC3\xA9" + std::string(50, 'z');
  core::Status status = DecodeOne(R"({")" + key + R"(": 1})");
  EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr(std::string(99, 'k') + "...'"));  // cut before the character
  EXPECT_THAT(status.message(), Not(HasSubstr("zzz")));
}

TEST_F(RowDecoderTest, BatchMessagesNameTheRow) {
  const std::string json = R"([
      {"sqft": 1, "beds": 1, "city": "a", "garage": 0},
      {"sqft": 2, "beds": 2, "city": "b", "garage": 1},
      {"sqft": 3, "beds": 3, "city": 7, "garage": 2}
  ])";
  simdjson::dom::element root;
  ASSERT_EQ(parser_.parse(json).get(root), simdjson::SUCCESS);
  decoder_.Reset(signature_, 3);
  ASSERT_EQ(decoder_.values().size(), 12u);
  std::vector<core::Status> statuses;
  size_t row_idx = 0;
  for (simdjson::dom::element row : root.get_array()) statuses.push_back(decoder_.DecodeRow(row, row_idx++));
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].ToString();
  EXPECT_TRUE(statuses[1].ok()) << statuses[1].ToString();
  EXPECT_EQ(statuses[2].code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(statuses[2].message(), StartsWith("row 2: feature 'garage'"));
  // Row-major placement.
  EXPECT_EQ(decoder_.values()[4].number, 2.0);
  EXPECT_EQ(decoder_.values()[6].text, "b");
  EXPECT_EQ(decoder_.values()[10].text, "7");

  // Missing and unknown features in a batch name the row too.
  const std::string second = R"([{"sqft": 1, "beds": 1, "city": "a", "garage": 0}, {"sqft": 1}, {"nope": 1}])";
  ASSERT_EQ(parser_.parse(second).get(root), simdjson::SUCCESS);
  decoder_.Reset(signature_, 3);
  simdjson::dom::array rows = root.get_array();
  EXPECT_TRUE(decoder_.DecodeRow(rows.at(0).value(), 0).ok());
  core::Status missing = decoder_.DecodeRow(rows.at(1).value(), 1);
  EXPECT_THAT(missing.message(), StartsWith("row 1: missing feature 'beds'"));
  core::Status unknown = decoder_.DecodeRow(rows.at(2).value(), 2);
  EXPECT_THAT(unknown.message(), StartsWith("row 2: unknown feature 'nope'"));
}

TEST_F(RowDecoderTest, ResetStartsAFreshRequest) {
  ASSERT_TRUE(DecodeOne(R"({"sqft": 1, "beds": 1, "city": 5, "garage": 1})").ok());
  // A row that sends nothing must not inherit the previous request's values.
  core::Status status = DecodeOne(R"({"sqft": 1, "beds": 1, "city": "x"})");
  EXPECT_THAT(status.message(), HasSubstr("missing feature 'garage'"));
  decoder_.Reset(signature_, 2);
  EXPECT_EQ(decoder_.values().size(), 8u);
  for (const ml::FeatureValue& value : decoder_.values()) EXPECT_EQ(value.kind, Kind::kMissing);
}

// Columnar rows ({"columns": [...], "data": [[...]]}): the same values as row objects, whatever the column order.
class ColumnarRowDecoderTest : public RowDecoderTest {
 protected:
  // Parses {"columns": ..., "data": ...} and decodes it; returns the first error.
  core::Status DecodeColumns(const std::string& json) {
    json_ = json;
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(json_).get(root), simdjson::SUCCESS) << json_;
    simdjson::dom::array data = root["data"].get_array().value();
    decoder_.Reset(signature_, data.size());
    core::Status status = decoder_.SetColumns(root["columns"].get_array().value());
    if (!status.ok()) return status;
    size_t row_idx = 0;
    for (simdjson::dom::element row : data) {
      status = decoder_.DecodeArrayRow(row, row_idx++);
      if (!status.ok()) return status;
    }
    return core::Status::Ok();
  }
};

TEST_F(ColumnarRowDecoderTest, DecodesInSignatureOrderWhateverTheColumnOrder) {
  for (const std::string& json : {
           std::string(R"({"columns": ["sqft", "beds", "city", "garage"],
                           "data": [[1650.5, 3, "paris", true], [null, 2, 75, 0]]})"),
           std::string(R"({"columns": ["garage", "city", "beds", "sqft"],
                           "data": [[true, "paris", 3, 1650.5], [0, 75, 2, null]], "index": [7, 8]})"),
       }) {
    SCOPED_TRACE(json);
    core::Status status = DecodeColumns(json);
    ASSERT_TRUE(status.ok()) << status.ToString();
    const std::vector<ml::FeatureValue>& values = decoder_.values();
    ASSERT_EQ(values.size(), 8u);
    EXPECT_EQ(values[0].number, 1650.5);
    EXPECT_EQ(values[1].number, 3.0);
    EXPECT_EQ(values[2].text, "paris");
    EXPECT_EQ(values[3].number, 1.0);
    EXPECT_EQ(values[4].kind, Kind::kMissing);
    EXPECT_EQ(values[5].number, 2.0);
    EXPECT_EQ(values[6].text, "75");  // a number for a categorical feature, by its text, as in row objects
    EXPECT_EQ(values[7].number, 0.0);
  }
}

TEST_F(ColumnarRowDecoderTest, TypesValuesExactlyAsRowObjectsDo) {
  // Every value against every feature type: the columnar path must accept and reject the same values, with the same
  // message, as the object path (both call DecodeJsonFeatureValue).
  const std::vector<std::string> json_values = {
      "1", "-2.5", "0", "2", "true", "false", "\"x\"", "\"1\"", "null", "[1]", "{}", "1e308", "18446744073709551615"};
  for (const ml::FeatureSpec& feature : signature_.features) {
    for (const std::string& json_value : json_values) {
      SCOPED_TRACE(feature.name + " = " + json_value);
      std::string object = "{";
      std::string columns = "[";
      std::string row = "[";
      for (const ml::FeatureSpec& other : signature_.features) {
        std::string value = other.type == data::ColumnType::kCategorical ? "\"a\"" : "1";
        if (other.name == feature.name) value = json_value;
        if (object.size() > 1) {
          object += ", ";
          columns += ", ";
          row += ", ";
        }
        object += "\"" + other.name + "\": " + value;
        columns += "\"" + other.name + "\"";
        row += value;
      }
      core::Status by_object = DecodeOne(object + "}");
      // Copies: the texts made from numbers live in the decoder until its next Reset.
      std::vector<std::tuple<Kind, double, std::string>> object_values;
      for (const ml::FeatureValue& value : decoder_.values()) {
        object_values.emplace_back(value.kind, value.number, std::string(value.text));
      }
      core::Status by_column = DecodeColumns(R"({"columns": )" + columns + R"(], "data": [)" + row + "]]}");
      EXPECT_EQ(by_object.code(), by_column.code());
      if (!by_object.ok()) {
        EXPECT_EQ("row 0: " + by_object.message(), by_column.message());
        continue;
      }
      ASSERT_EQ(decoder_.values().size(), object_values.size());
      for (size_t idx = 0; idx < object_values.size(); ++idx) {
        const ml::FeatureValue& value = decoder_.values()[idx];
        EXPECT_EQ(std::make_tuple(value.kind, value.number, std::string(value.text)), object_values[idx]);
      }
    }
  }
}

TEST_F(ColumnarRowDecoderTest, Errors) {
  struct Case {
    std::string name;
    std::string json;
    std::vector<std::string> want_substrings;
  };
  const std::vector<Case> cases = {
      {"unknown column",
       R"({"columns": ["sqft", "beds", "city", "garage", "pool"], "data": []})",
       {"unknown column 'pool'", "the model takes: sqft, beds, city, garage"}},
      {"missing column", R"({"columns": ["sqft", "beds", "city"], "data": []})", {"missing column 'garage'"}},
      {"no columns", R"({"columns": [], "data": []})", {"missing column 'sqft'"}},
      {"column named twice",
       R"({"columns": ["sqft", "beds", "city", "garage", "beds"], "data": []})",
       {"column 'beds' is named twice"}},
      {"column name not a string",
       R"({"columns": ["sqft", 2, "city", "garage"], "data": []})",
       {"column 1 of 'columns' must be a feature name", "got a number"}},
      {"row not an array",
       R"({"columns": ["sqft", "beds", "city", "garage"], "data": [[1, 1, "a", 1], {"sqft": 1}]})",
       {"row 1 of 'data' must be an array", "got an object"}},
      {"short row",
       R"({"columns": ["sqft", "beds", "city", "garage"], "data": [[1, 1, "a"]]})",
       {"row 0 of 'data' has 3 values; expected 4"}},
      {"long row",
       R"({"columns": ["sqft", "beds", "city", "garage"], "data": [[1, 1, "a", 1], [1, 1, "a", 1, 5]]})",
       {"row 1 of 'data' has 5 values; expected 4"}},
      {"mistyped value",
       R"({"columns": ["city", "sqft", "beds", "garage"], "data": [["a", 1, 1, 1], ["b", "big", 1, 1]]})",
       {"row 1: feature 'sqft' expects a number, got a string"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Status status = DecodeColumns(c.json);
    EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
    for (const std::string& want : c.want_substrings) EXPECT_THAT(status.message(), HasSubstr(want));
  }
}

TEST(ThreadRowDecoderTest, OnePerThread) {
  RowDecoder* main_decoder = &ThreadRowDecoder();
  EXPECT_EQ(&ThreadRowDecoder(), main_decoder);
  RowDecoder* other = nullptr;
  std::thread([&] { other = &ThreadRowDecoder(); }).join();
  EXPECT_NE(other, main_decoder);
}

}  // namespace
}  // namespace amp::api
