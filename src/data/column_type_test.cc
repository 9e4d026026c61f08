#include "data/column_type.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace amp::data {
namespace {

TEST(ColumnTypeTest, NamesRoundTrip) {
  for (ColumnType type : {ColumnType::kNumeric, ColumnType::kInteger, ColumnType::kBoolean, ColumnType::kCategorical}) {
    core::Result<ColumnType> parsed = ParseColumnType(ColumnTypeName(type));
    ASSERT_TRUE(parsed.ok()) << ColumnTypeName(type);
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(ColumnTypeName(ColumnType::kNumeric), "numeric");
  EXPECT_EQ(ColumnTypeName(ColumnType::kCategorical), "categorical");
}

TEST(ColumnTypeTest, ParseColumnTypeRejectsUnknownNames) {
  for (std::string_view name : {"", "float", "Numeric", "string", "bool"}) {
    core::Result<ColumnType> parsed = ParseColumnType(name);
    EXPECT_FALSE(parsed.ok()) << name;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ColumnTypeTest, IsNumberLike) {
  EXPECT_TRUE(IsNumberLike(ColumnType::kNumeric));
  EXPECT_TRUE(IsNumberLike(ColumnType::kInteger));
  EXPECT_TRUE(IsNumberLike(ColumnType::kBoolean));
  EXPECT_FALSE(IsNumberLike(ColumnType::kCategorical));
}

TEST(ColumnTypeTest, TrimBlanks) {
  struct Case {
    std::string_view input;
    std::string_view want;
  };
  const std::vector<Case> cases = {
      {"", ""}, {"   ", ""}, {"a", "a"}, {" a ", "a"}, {"\ta b\t ", "a b"}, {"\na\n", "\na\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(TrimBlanks(c.input), c.want) << "input: \"" << c.input << "\"";
}

TEST(ColumnTypeTest, IsMissingValue) {
  struct Case {
    std::string_view cell;
    bool want;
  };
  const std::vector<Case> cases = {
      {"", true},      {"  ", true},    {"\t", true},       {"NA", true},      {"na", true},     {" nA ", true},
      {"N/A", true},   {"n/a", true},   {"NaN", true},      {"nan", true},     {"NAN", true},    {"null", true},
      {"NULL", true},  {"None", true},  {"none", true},     {" None\t", true}, {"0", false},     {"-", false},
      {"N", false},    {"NAs", false},  {"nil", false},     {"nulls", false},  {"Nonee", false}, {"N /A", false},
      {"n.a.", false}, {"\"\"", false}, {"missing", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsMissingValue(c.cell), c.want) << "cell: \"" << c.cell << "\"";
}

TEST(ColumnTypeTest, ParseNumber) {
  struct Case {
    std::string_view text;
    std::optional<double> want;
  };
  const std::vector<Case> cases = {
      {"0", 0.0},
      {"1", 1.0},
      {"-2.5", -2.5},
      {"+4", 4.0},
      {"+0.5", 0.5},
      {".5", 0.5},
      {"5.", 5.0},
      {"1e3", 1000.0},
      {"1E-2", 0.01},
      {"-1.5e+2", -150.0},
      {" 7 ", 7.0},
      {"\t3.25", 3.25},
      {"007", 7.0},
      // Underflow rounds to zero, as with strtod; still a number. Overflow is not a finite number.
      {"1e-400", 0.0},
      {"-2.5e-400", -0.0},
      {"0.000001e-320", 0.0},
      {"123e-500", 0.0},
      {"1e99999999999999999999999", std::nullopt},
      {"1e-99999999999999999999999", 0.0},
      {"0.001e312", std::nullopt},  // 1e309
      {"0.0001e312", 1e308},
      {"12345e305", std::nullopt},
      {"1.8e308", std::nullopt},
      {"1.7e308", 1.7e308},
      {"123456789012345678901234567890", 123456789012345678901234567890.0},
      {"", std::nullopt},
      {" ", std::nullopt},
      {"+", std::nullopt},
      {"-", std::nullopt},
      {".", std::nullopt},
      {"e5", std::nullopt},
      {"1e", std::nullopt},
      {"inf", std::nullopt},
      {"-inf", std::nullopt},
      {"Infinity", std::nullopt},
      {"nan", std::nullopt},
      {"NaN", std::nullopt},
      {"0x1A", std::nullopt},
      {"0x1p3", std::nullopt},
      {"1a", std::nullopt},
      {"1.5.2", std::nullopt},
      {"1,000", std::nullopt},
      {"1 000", std::nullopt},
      {"12abc", std::nullopt},
      {"++1", std::nullopt},
      {"+-1", std::nullopt},
      {"-+1", std::nullopt},
      {"--1", std::nullopt},
      {"1e999", std::nullopt},
      {"-1e999", std::nullopt},
      {"true", std::nullopt},
      {"$5", std::nullopt},
  };
  for (const Case& c : cases) {
    std::optional<double> got = ParseNumber(c.text);
    ASSERT_EQ(got.has_value(), c.want.has_value()) << "text: \"" << c.text << "\"";
    if (got.has_value()) {
      EXPECT_DOUBLE_EQ(*got, *c.want) << "text: \"" << c.text << "\"";
    }
  }
}

TEST(ColumnTypeTest, ParseInteger) {
  struct Case {
    std::string_view text;
    std::optional<int64_t> want;
  };
  const std::vector<Case> cases = {
      {"0", 0},
      {"-0", 0},
      {"42", 42},
      {"+42", 42},
      {"-17", -17},
      {" 5\t", 5},
      {"0042", 42},
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"9223372036854775808", std::nullopt},  // overflow
      {"-9223372036854775809", std::nullopt},
      {"", std::nullopt},
      {"+", std::nullopt},
      {"1.0", std::nullopt},
      {"1e3", std::nullopt},
      {"1.", std::nullopt},
      {"0x10", std::nullopt},
      {"12a", std::nullopt},
      {"1 2", std::nullopt},
      {"++1", std::nullopt},
      {"+-1", std::nullopt},
      {"yes", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseInteger(c.text), c.want) << "text: \"" << c.text << "\"";
}

TEST(ColumnTypeTest, ParseBoolean) {
  for (std::string_view text : {"true", "TRUE", "True", "tRuE", "t", "T", "yes", "YES", "Yes", "y", "Y", " true "}) {
    EXPECT_EQ(ParseBoolean(text), true) << "text: \"" << text << "\"";
  }
  for (std::string_view text : {"false", "FALSE", "False", "f", "F", "no", "NO", "No", "n", "N", "\tno"}) {
    EXPECT_EQ(ParseBoolean(text), false) << "text: \"" << text << "\"";
  }
  // "0" and "1" are integers: a 0/1 column is an integer column, not a boolean one.
  for (std::string_view text : {"0", "1", "", "tru", "yess", "on", "off", "x", "truefalse", "nope", "ye"}) {
    EXPECT_EQ(ParseBoolean(text), std::nullopt) << "text: \"" << text << "\"";
  }
}

TEST(ColumnTypeTest, NarrowColumnType) {
  constexpr auto kNumeric = ColumnType::kNumeric;
  constexpr auto kInteger = ColumnType::kInteger;
  constexpr auto kBoolean = ColumnType::kBoolean;
  constexpr auto kCategorical = ColumnType::kCategorical;
  struct Case {
    std::optional<ColumnType> current;
    std::string_view value;
    ColumnType want;
  };
  const std::vector<Case> cases = {
      // First value seen.
      {std::nullopt, "true", kBoolean},
      {std::nullopt, "N", kBoolean},
      {std::nullopt, "0", kInteger},
      {std::nullopt, "1", kInteger},
      {std::nullopt, "-12", kInteger},
      {std::nullopt, "2.5", kNumeric},
      {std::nullopt, "1e3", kNumeric},
      {std::nullopt, "99999999999999999999", kNumeric},  // too big for int64
      {std::nullopt, "red", kCategorical},
      {std::nullopt, "inf", kCategorical},
      // Boolean columns stay boolean only on booleans; numbers do not mix with them.
      {kBoolean, "no", kBoolean},
      {kBoolean, "7", kCategorical},
      {kBoolean, "0", kCategorical},
      {kBoolean, "2.5", kCategorical},
      {kBoolean, "maybe", kCategorical},
      // Integer columns widen to numeric on real numbers.
      {kInteger, "3", kInteger},
      {kInteger, "2.5", kNumeric},
      {kInteger, "1e3", kNumeric},
      {kInteger, "99999999999999999999", kNumeric},
      {kInteger, "true", kCategorical},
      {kInteger, "y", kCategorical},
      {kInteger, "abc", kCategorical},
      // Numeric columns never go back to integer.
      {kNumeric, "3", kNumeric},
      {kNumeric, "-0.5", kNumeric},
      {kNumeric, "yes", kCategorical},
      {kNumeric, "1/2", kCategorical},
      // Categorical is final.
      {kCategorical, "1", kCategorical},
      {kCategorical, "true", kCategorical},
      {kCategorical, "x", kCategorical},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(NarrowColumnType(c.current, c.value), c.want)
        << "current: " << (c.current ? ColumnTypeName(*c.current) : "none") << ", value: \"" << c.value << "\"";
  }
}

TEST(ColumnTypeTest, NarrowingASequenceOnlyMovesTowardsCategorical) {
  std::optional<ColumnType> type;
  for (std::string_view value : {"1", "2", "3.5", "4"}) type = NarrowColumnType(type, value);
  EXPECT_EQ(type, ColumnType::kNumeric);
  type = NarrowColumnType(type, "x");
  type = NarrowColumnType(type, "5");
  EXPECT_EQ(type, ColumnType::kCategorical);
}

}  // namespace
}  // namespace amp::data
