#include "api/csv_row_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace amp::api {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
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

class CsvRowDecoderTest : public ::testing::Test {
 protected:
  core::Status Decode(const std::string& csv, size_t max_rows = 100) {
    body_ = csv;
    return decoder_.Decode(body_, signature_, max_rows);
  }

  const ml::FeatureValue& Value(size_t row_idx, std::string_view name) {
    return decoder_.values()[row_idx * signature_.features.size() + static_cast<size_t>(signature_.FindFeature(name))];
  }

  ml::ModelSignature signature_ = HouseSignature();
  std::string body_;
  CsvRowDecoder decoder_;
};

TEST_F(CsvRowDecoderTest, DecodesInSignatureOrderWhateverTheHeaderOrder) {
  for (const std::string& csv : {
           std::string("sqft,beds,city,garage\n1650.5,3,paris,true\n900,1,\"Old Town, north\",0\n"),
           std::string("garage,city,beds,sqft\r\ntrue,paris,3,1650.5\r\n0,\"Old Town, north\",1,900\r\n"),
           std::string("\xEF\xBB\xBF city , sqft,garage ,beds\n  paris ,1650.5 ,yes, 3\n\"Old Town, north\",9e2,N,1"),
       }) {
    SCOPED_TRACE(csv);
    core::Status status = Decode(csv);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(decoder_.row_count(), 2u);
    ASSERT_EQ(decoder_.values().size(), 8u);
    EXPECT_EQ(Value(0, "sqft").kind, Kind::kNumber);
    EXPECT_EQ(Value(0, "sqft").number, 1650.5);
    EXPECT_EQ(Value(0, "beds").number, 3.0);
    EXPECT_EQ(Value(0, "city").kind, Kind::kText);
    EXPECT_EQ(Value(0, "city").text, "paris");  // trimmed, as the dataset loader trims
    EXPECT_EQ(Value(0, "garage").number, 1.0);
    EXPECT_EQ(Value(1, "sqft").number, 900.0);
    EXPECT_EQ(Value(1, "beds").number, 1.0);
    EXPECT_EQ(Value(1, "city").text, "Old Town, north");
    EXPECT_EQ(Value(1, "garage").number, 0.0);
  }
}

TEST_F(CsvRowDecoderTest, MissingCells) {
  core::Status status = Decode("sqft,beds,city,garage\n,NA,null,n/a\n  ,None,,NaN\n");
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(decoder_.row_count(), 2u);
  for (const ml::FeatureValue& value : decoder_.values()) EXPECT_EQ(value.kind, Kind::kMissing);
}

TEST_F(CsvRowDecoderTest, CellsOfEveryType) {
  struct Case {
    std::string feature;
    std::string cell;
    std::optional<double> want;  // nullopt: rejected
  };
  const std::vector<Case> cases = {
      {"sqft", "1", 1.0},
      {"sqft", "-2.5e3", -2500.0},
      {"sqft", "+4", 4.0},
      {"sqft", ".5", 0.5},
      {"sqft", "1e-400", 0.0},
      {"sqft", "abc", std::nullopt},
      {"sqft", "1,5", std::nullopt},
      {"sqft", "inf", std::nullopt},
      {"sqft", "0x10", std::nullopt},
      {"sqft", "1e400", std::nullopt},
      {"sqft", "true", std::nullopt},
      {"beds", "3", 3.0},
      {"beds", "2.5", 2.5},  // an integer feature takes any number, as in JSON
      {"beds", "three", std::nullopt},
      {"garage", "true", 1.0},
      {"garage", "FALSE", 0.0},
      {"garage", "y", 1.0},
      {"garage", "no", 0.0},
      {"garage", "1", 1.0},
      {"garage", "0", 0.0},
      {"garage", "1.0", 1.0},
      {"garage", "2", std::nullopt},
      {"garage", "maybe", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.feature + " = " + c.cell);
    std::string row;
    for (const ml::FeatureSpec& feature : signature_.features) {
      if (!row.empty()) row += ",";
      row += feature.name == c.feature ? "\"" + c.cell + "\"" : feature.name == "city" ? "x" : "1";
    }
    core::Status status = Decode("sqft,beds,city,garage\n" + row + "\n");
    if (!c.want.has_value()) {
      EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
      EXPECT_THAT(status.message(), StartsWith("line 2, column '" + c.feature + "': expected "));
      EXPECT_THAT(status.message(), HasSubstr("got '" + c.cell + "'"));
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(Value(0, c.feature).kind, Kind::kNumber);
    EXPECT_EQ(Value(0, c.feature).number, *c.want);
  }
}

TEST_F(CsvRowDecoderTest, CategoricalCellsAreText) {
  core::Status status = Decode("city,sqft,beds,garage\n100,1,1,1\ntrue,1,1,1\n\"say \"\"hi\"\"\",1,1,1\n");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Value(0, "city").text, "100");
  EXPECT_EQ(Value(1, "city").text, "true");
  EXPECT_EQ(Value(2, "city").text, "say \"hi\"");
}

TEST_F(CsvRowDecoderTest, TextsStayValidAcrossManyRows) {
  std::string csv = "sqft,beds,city,garage\n";
  const size_t rows = 5000;
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    csv += "1,1,\"city number " + std::to_string(row_idx) + " of many, many\",1\n";
  }
  core::Status status = Decode(csv, rows);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(decoder_.row_count(), rows);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    ASSERT_EQ(Value(row_idx, "city").text, "city number " + std::to_string(row_idx) + " of many, many");
  }
}

TEST_F(CsvRowDecoderTest, HeaderOnlyIsNoRows) {
  core::Status status = Decode("sqft,beds,city,garage\n");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(decoder_.row_count(), 0u);
  EXPECT_TRUE(decoder_.values().empty());
}

TEST_F(CsvRowDecoderTest, Errors) {
  struct Case {
    std::string name;
    std::string csv;
    core::StatusCode want_code;
    std::vector<std::string> want_substrings;
  };
  const std::vector<Case> cases = {
      {"unknown column",
       "sqft,beds,city,garage,price\n1,1,a,1,5\n",
       core::StatusCode::kFailedPrecondition,
       {"line 1: unknown column 'price'", "the model takes: sqft, beds, city, garage"}},
      {"missing column",
       "sqft,beds,city\n1,1,a\n",
       core::StatusCode::kFailedPrecondition,
       {"line 1: missing column 'garage'"}},
      {"duplicate column",
       "sqft,beds,city,garage,beds\n",
       core::StatusCode::kInvalidArgument,
       {"duplicate column name \"beds\""}},
      {"empty column name", "sqft,beds,,city,garage\n", core::StatusCode::kInvalidArgument, {"empty name"}},
      {"only blank lines", "\n\n\n", core::StatusCode::kInvalidArgument, {"empty"}},
      {"short line",
       "sqft,beds,city,garage\n1,1,a,1\n1,1,a\n",
       core::StatusCode::kInvalidArgument,
       {"line 3: expected 4 fields, found 3"}},
      {"long line",
       "sqft,beds,city,garage\n1,1,a,1,1\n",
       core::StatusCode::kInvalidArgument,
       {"line 2: expected 4 fields, found 5"}},
      {"bad number after a multi-line record",
       "sqft,beds,city,garage\n1,1,a,1\n\"1\",1,\"multi\nline\",1\nbig,1,a,1\n",
       core::StatusCode::kFailedPrecondition,
       {"line 5, column 'sqft': expected a number, got 'big'"}},
      {"unterminated quote", "sqft,beds,city,garage\n1,1,\"a,1\n", core::StatusCode::kInvalidArgument, {"line 2"}},
      {"quote inside a field", "sqft,beds,city,garage\n1,1,a\"b,1\n", core::StatusCode::kInvalidArgument, {"line 2"}},
      {"invalid UTF-8", "sqft,beds,city,garage\n1,1,\xFF,1\n", core::StatusCode::kInvalidArgument, {"line 2"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Status status = Decode(c.csv);
    EXPECT_EQ(status.code(), c.want_code) << status.ToString();
    for (const std::string& want : c.want_substrings) EXPECT_THAT(status.message(), HasSubstr(want));
  }
}

TEST_F(CsvRowDecoderTest, LongBadValueIsShortenedToValidUtf8) {
  const std::string cell = std::string(99, 'v') + "\xC3\xA9" + std::string(50, 'z');
  core::Status status = Decode("sqft,beds,city,garage\n" + cell + ",1,a,1\n");
  EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), AllOf(HasSubstr(std::string(99, 'v') + "..."), ::testing::Not(HasSubstr("zzz"))));
}

TEST_F(CsvRowDecoderTest, RowLimit) {
  const std::string three_rows = "sqft,beds,city,garage\n1,1,a,1\n2,2,b,0\n3,3,c,1\n";
  core::Status status = Decode(three_rows, 3);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(decoder_.row_count(), 3u);
  status = Decode(three_rows + "4,4,d,0\n", 3);
  EXPECT_EQ(status.code(), core::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("at most 3 rows"));
}

TEST_F(CsvRowDecoderTest, EachDecodeStartsAfresh) {
  ASSERT_TRUE(Decode("sqft,beds,city,garage\n1,1,a,1\n2,2,b,0\n").ok());
  ASSERT_TRUE(Decode("sqft,beds,city,garage\n5,5,e,1\n").ok());
  EXPECT_EQ(decoder_.row_count(), 1u);
  EXPECT_EQ(decoder_.values().size(), 4u);
  EXPECT_EQ(Value(0, "city").text, "e");
  EXPECT_FALSE(Decode("sqft,beds,city,garage\n1,1\n").ok());
  ASSERT_TRUE(Decode("sqft,beds,city,garage\n7,7,g,1\n").ok());
  EXPECT_EQ(Value(0, "sqft").number, 7.0);
}

TEST(ThreadCsvRowDecoderTest, OnePerThread) {
  CsvRowDecoder* main_decoder = &ThreadCsvRowDecoder();
  EXPECT_EQ(&ThreadCsvRowDecoder(), main_decoder);
  CsvRowDecoder* other = nullptr;
  std::thread([&] { other = &ThreadCsvRowDecoder(); }).join();
  EXPECT_NE(other, main_decoder);
}

}  // namespace
}  // namespace amp::api
