#include "api/batch_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace amp::api {
namespace {

using ::testing::HasSubstr;

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

// A value copied out of a DecodedBatch, which is only valid until the next decode.
using OwnedValue = std::tuple<Kind, double, std::string>;

// "<code>: <error>" of an error response's JSON body.
std::string CodeAndMessage(const Response& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response.body).get(root) != simdjson::SUCCESS) return "not JSON: " + response.body;
  std::string_view code;
  std::string_view message;
  if (root["code"].get(code) != simdjson::SUCCESS || root["error"].get(message) != simdjson::SUCCESS) {
    return "not an error body: " + response.body;
  }
  return std::string(code) + ": " + std::string(message);
}

class BatchDecoderTest : public ::testing::Test {
 protected:
  // Reads and decodes `body` sent with `content_type`. Returns the error response, if any; fills values_.
  std::optional<Response> Decode(std::string body, std::string_view content_type = "application/json") {
    body_ = std::move(body);
    Request request;
    request.method = Method::kPost;
    request.content_type = content_type;
    request.body = body_;
    BatchBody batch_body;
    if (auto error = ReadBatchBody(request, &batch_body)) return error;
    format_ = batch_body.format;
    DecodedBatch batch;
    if (auto error = DecodeBatch(batch_body, signature_, &batch)) return error;
    EXPECT_EQ(batch.values.size(), batch.row_count * signature_.features.size());
    row_count_ = batch.row_count;
    values_.clear();
    for (const ml::FeatureValue& value : batch.values) {
      values_.emplace_back(value.kind, value.number, std::string(value.text));
    }
    return std::nullopt;
  }

  // Decodes a body that must fail; returns the response.
  Response DecodeError(std::string body, std::string_view content_type = "application/json") {
    std::optional<Response> error = Decode(std::move(body), content_type);
    EXPECT_TRUE(error.has_value()) << "decoded without error";
    return error.value_or(Response{});
  }

  ml::ModelSignature signature_ = HouseSignature();
  std::string body_;
  BatchFormat format_ = BatchFormat::kJsonRows;
  size_t row_count_ = 0;
  std::vector<OwnedValue> values_;
};

TEST_F(BatchDecoderTest, TheThreeFormatsGiveTheSameValues) {
  const std::vector<OwnedValue> want = {
      {Kind::kNumber, 1650.5, ""}, {Kind::kNumber, 3.0, ""}, {Kind::kText, 0.0, "Old Town"}, {Kind::kNumber, 1.0, ""},
      {Kind::kMissing, 0.0, ""},   {Kind::kNumber, 1.0, ""}, {Kind::kMissing, 0.0, ""},      {Kind::kNumber, 0.0, ""},
  };
  struct Case {
    std::string name;
    std::string body;
    std::string content_type;
    BatchFormat want_format;
  };
  const std::vector<Case> cases = {
      {"rows",
       R"({"rows": [{"sqft": 1650.5, "beds": 3, "city": "Old Town", "garage": true},
                    {"sqft": null, "beds": 1, "city": null, "garage": false}]})",
       "application/json", BatchFormat::kJsonRows},
      {"inputs",
       R"({"inputs": [{"sqft": 1650.5, "beds": 3, "city": "Old Town", "garage": 1},
                      {"garage": 0, "city": null, "beds": 1, "sqft": null}]})",
       "", BatchFormat::kJsonRows},
      {"bare array",
       R"([{"sqft": 1650.5, "beds": 3, "city": "Old Town", "garage": true},
           {"sqft": null, "beds": 1, "city": null, "garage": false}])",
       "application/json; charset=utf-8", BatchFormat::kJsonRows},
      {"columns",
       R"({"columns": ["city", "garage", "sqft", "beds"],
           "data": [["Old Town", true, 1650.5, 3], [null, false, null, 1]]})",
       "application/json", BatchFormat::kJsonColumns},
      {"pandas split orient",
       R"({"columns": ["sqft", "beds", "city", "garage"], "index": [0, 1],
           "data": [[1650.5, 3, "Old Town", true], [null, 1, null, false]]})",
       "application/json", BatchFormat::kJsonColumns},
      {"csv", "city,garage,sqft,beds\nOld Town,true,1650.5,3\n,false,,1\n", "text/csv", BatchFormat::kCsv},
      {"csv with parameters", "sqft,beds,city,garage\r\n1650.5,3,\"Old Town\",1\r\nNA,1,NA,0\r\n",
       "Text/CSV; charset=utf-8", BatchFormat::kCsv},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<Response> error = Decode(c.body, c.content_type);
    ASSERT_FALSE(error.has_value()) << error->status << " " << error->body;
    EXPECT_EQ(format_, c.want_format);
    EXPECT_EQ(row_count_, 2u);
    EXPECT_EQ(values_, want);
  }
}

TEST_F(BatchDecoderTest, EmptyBatches) {
  for (const std::string& body : {std::string(R"({"rows": []})"), std::string("[]"),
                                  std::string(R"({"columns": ["sqft", "beds", "city", "garage"], "data": []})")}) {
    SCOPED_TRACE(body);
    std::optional<Response> error = Decode(body);
    ASSERT_FALSE(error.has_value()) << error->body;
    EXPECT_EQ(row_count_, 0u);
  }
  std::optional<Response> error = Decode("sqft,beds,city,garage\n", "text/csv");
  ASSERT_FALSE(error.has_value()) << error->body;
  EXPECT_EQ(row_count_, 0u);
}

TEST_F(BatchDecoderTest, Errors) {
  struct Case {
    std::string name;
    std::string body;
    std::string content_type;
    int want_status;
    std::vector<std::string> want_substrings;
  };
  const std::vector<Case> cases = {
      {"not JSON", "{", "application/json", 400, {"invalid_json"}},
      {"empty JSON body", "", "application/json", 400, {"empty"}},
      {"empty CSV body", "", "text/csv", 400, {"empty"}},
      {"unsupported type", "a=1", "application/x-www-form-urlencoded", 415, {"unsupported_media_type"}},
      {"object without rows", R"({"row": []})", "", 422, {"expected {\"rows\""}},
      {"rows not an array", R"({"rows": {"sqft": 1}})", "", 422, {"'rows' must be an array"}},
      {"a number", "7", "", 422, {"'rows' must be an array"}},
      {"rows and columns", R"({"rows": [], "columns": [], "data": []})", "", 422, {"not both"}},
      {"columns without data", R"({"columns": ["sqft"]})", "", 422, {"\"data\""}},
      {"data without columns", R"({"data": [[1]]})", "", 422, {"\"columns\""}},
      {"columns not an array", R"({"columns": "sqft", "data": []})", "", 422, {"'columns' must be an array"}},
      {"data not an array", R"({"columns": [], "data": {}})", "", 422, {"'data' must be an array"}},
      {"unknown column",
       R"({"columns": ["sqft", "beds", "city", "garage", "pool"], "data": []})",
       "",
       422,
       {"unknown column 'pool'", "invalid_input"}},
      {"missing column", R"({"columns": ["sqft", "beds", "city"], "data": []})", "", 422, {"missing column 'garage'"}},
      {"mistyped row",
       R"({"rows": [{"sqft": "x", "beds": 1, "city": "a", "garage": 1}]})",
       "",
       422,
       {"feature 'sqft' expects a number"}},
      {"CSV unknown column", "sqft,beds,city,garage,pool\n", "text/csv", 422, {"unknown column 'pool'"}},
      {"CSV missing column", "sqft,beds,city\n", "text/csv", 422, {"missing column 'garage'"}},
      {"CSV ragged line",
       "sqft,beds,city,garage\n1,1,a,1\n1,1\n",
       "text/csv",
       400,
       {"line 3: expected 4 fields, found 2", "invalid_csv"}},
      {"CSV bad number",
       "sqft,beds,city,garage\n1,1,a,1\n1,x,a,1\n",
       "text/csv",
       422,
       {"line 3, column 'beds': expected a number, got 'x'"}},
      {"CSV bad quoting", "sqft,beds,city,garage\n1,1,\"a\"b,1\n", "text/csv", 400, {"line 2", "invalid_csv"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Response response = DecodeError(c.body, c.content_type);
    EXPECT_EQ(response.status, c.want_status) << response.body;
    for (const std::string& want : c.want_substrings) EXPECT_THAT(CodeAndMessage(response), HasSubstr(want));
  }
}

TEST_F(BatchDecoderTest, AtMostOneHundredThousandRows) {
  auto repeat = [](std::string_view unit, size_t count, std::string_view separator) {
    std::string text;
    for (size_t idx = 0; idx < count; ++idx) {
      if (idx > 0) text += separator;
      text += unit;
    }
    return text;
  };
  const std::string row = R"({"sqft": 1, "beds": 1, "city": "a", "garage": 1})";
  const std::string array_row = R"([1, 1, "a", 1])";
  const std::string columns = R"({"columns": ["sqft", "beds", "city", "garage"], "data": [)";
  const std::string header = "sqft,beds,city,garage\n";

  // At the limit: decoded.
  ASSERT_FALSE(Decode("[" + repeat(row, kMaxRowsPerRequest, ",") + "]").has_value());
  EXPECT_EQ(row_count_, kMaxRowsPerRequest);
  ASSERT_FALSE(Decode(columns + repeat(array_row, kMaxRowsPerRequest, ",") + "]}").has_value());
  EXPECT_EQ(row_count_, kMaxRowsPerRequest);
  ASSERT_FALSE(Decode(header + repeat("1,1,a,1\n", kMaxRowsPerRequest, ""), "text/csv").has_value());
  EXPECT_EQ(row_count_, kMaxRowsPerRequest);

  // One more: 413, before any row is typed for the JSON formats (the rows below would not even decode).
  for (const auto& [body, content_type] : std::vector<std::pair<std::string, std::string>>{
           {"[" + repeat("{}", kMaxRowsPerRequest + 1, ",") + "]", "application/json"},
           {R"({"rows": [)" + repeat("{}", kMaxRowsPerRequest + 1, ",") + "]}", "application/json"},
           {R"({"columns": [], "data": [)" + repeat("[]", kMaxRowsPerRequest + 1, ",") + "]}", "application/json"},
           {header + repeat(",,,\n", kMaxRowsPerRequest + 1, ""), "text/csv"},
       }) {
    SCOPED_TRACE(content_type + " " + body.substr(0, 40));
    Response response = DecodeError(body, content_type);
    EXPECT_EQ(response.status, 413);
    EXPECT_THAT(CodeAndMessage(response), HasSubstr("too_many_rows: at most 100000 rows per request"));
  }
}

}  // namespace
}  // namespace amp::api
