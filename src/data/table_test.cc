#include "data/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace amp::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

core::Result<Table> Load(const std::string& text, const std::vector<ColumnSpec>& specs) {
  std::istringstream input(text);
  return LoadCsvTable(input, specs);
}

TEST(TableTest, LoadsTypedColumnsInSpecOrder) {
  core::Result<Table> table = Load(
      "id,color,height,active,count\n"
      "1,red,1.5,yes,3\n"
      "2, blue ,NA,false,\n"
      "3,,-2e1,T,-4\n"
      "4,red,0,n,0\n",
      {{"height", ColumnType::kNumeric},
       {"color", ColumnType::kCategorical},
       {"active", ColumnType::kBoolean},
       {"count", ColumnType::kInteger}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->row_count(), 4);
  ASSERT_EQ(table->columns().size(), 4u);

  const Column& height = table->column(0);
  EXPECT_EQ(height.name, "height");
  EXPECT_EQ(height.type, ColumnType::kNumeric);
  ASSERT_EQ(height.numbers.size(), 4u);
  EXPECT_DOUBLE_EQ(height.numbers[0], 1.5);
  EXPECT_TRUE(std::isnan(height.numbers[1]));
  EXPECT_DOUBLE_EQ(height.numbers[2], -20);
  EXPECT_DOUBLE_EQ(height.numbers[3], 0);
  EXPECT_TRUE(height.codes.empty());
  EXPECT_FALSE(height.IsMissing(0));
  EXPECT_TRUE(height.IsMissing(1));

  const Column& color = table->column(1);
  EXPECT_EQ(color.type, ColumnType::kCategorical);
  EXPECT_THAT(color.codes, ElementsAre(0, 1, -1, 0));
  EXPECT_THAT(color.categories, ElementsAre("red", "blue"));  // first-seen order, trimmed
  EXPECT_TRUE(color.numbers.empty());
  EXPECT_TRUE(color.IsMissing(2));
  EXPECT_FALSE(color.IsMissing(3));

  const Column& active = table->column(2);
  EXPECT_THAT(active.numbers, ElementsAre(1.0, 0.0, 1.0, 0.0));

  const Column& count = table->column(3);
  ASSERT_EQ(count.numbers.size(), 4u);
  EXPECT_DOUBLE_EQ(count.numbers[0], 3);
  EXPECT_TRUE(std::isnan(count.numbers[1]));
  EXPECT_DOUBLE_EQ(count.numbers[2], -4);
  EXPECT_TRUE(count.IsMissing(1));

  EXPECT_EQ(table->FindColumn("count"), 3);
  EXPECT_EQ(table->FindColumn("id"), -1);  // skipped: not in the specs
}

TEST(TableTest, MemoryBytesCountsEveryColumnsValues) {
  Column numbers;
  numbers.name = "x";
  numbers.numbers.assign(1000, 1.0);
  Column codes;
  codes.name = "c";
  codes.type = ColumnType::kCategorical;
  codes.codes.assign(1000, 0);
  codes.categories = {std::string(500, 'a')};
  const int64_t one = TableMemoryBytes(Table(1000, {numbers}));
  EXPECT_GE(one, 8000);
  EXPECT_LT(one, 8000 + 1024);
  const int64_t two = TableMemoryBytes(Table(1000, {numbers, codes}));
  EXPECT_GE(two - one, 4000 + 500);  // the codes and the category's text
  EXPECT_LT(two - one, 4000 + 500 + 1024);
}

TEST(TableTest, CategoricalCanHoldNumbersAsText) {
  core::Result<Table> table = Load("zip\n02139\n2139\n02139\nnull\n", {{"zip", ColumnType::kCategorical}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_THAT(table->column(0).codes, ElementsAre(0, 1, 0, -1));
  EXPECT_THAT(table->column(0).categories, ElementsAre("02139", "2139"));
}

TEST(TableTest, NumericColumnAcceptsIntegersAndIntegerColumnRejectsReals) {
  core::Result<Table> table = Load("x\n1\n2.5\n+3\n", {{"x", ColumnType::kNumeric}});
  ASSERT_TRUE(table.ok());
  EXPECT_THAT(table->column(0).numbers, ElementsAre(1.0, 2.5, 3.0));
  core::Result<Table> bad = Load("x\n1\n2.5\n", {{"x", ColumnType::kInteger}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "line 3: column \"x\": \"2.5\" is not a valid integer value");
}

TEST(TableTest, ParseErrorsNameLineAndColumn) {
  struct Case {
    std::string name;
    std::string input;
    std::vector<ColumnSpec> specs;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"numeric",
       "a,b\n1,2\n3,x\n",
       {{"a", ColumnType::kNumeric}, {"b", ColumnType::kNumeric}},
       "line 3: column \"b\": \"x\" is not a valid numeric value"},
      {"inf is not a number",
       "a\n\ninf\n",
       {{"a", ColumnType::kNumeric}},
       "line 3: column \"a\": \"inf\" is not a valid numeric value"},
      {"boolean rejects 1",
       "a\ntrue\n1\n",
       {{"a", ColumnType::kBoolean}},
       "line 3: column \"a\": \"1\" is not a valid boolean value"},
      {"integer rejects yes",
       "a\n yes \n",
       {{"a", ColumnType::kInteger}},
       "line 2: column \"a\": \"yes\" is not a valid integer value"},
      {"line of a record after a multi-line field",
       "a,b\n\"x\ny\",1\nz,q\n",
       {{"a", ColumnType::kCategorical}, {"b", ColumnType::kInteger}},
       "line 4: column \"b\": \"q\" is not a valid integer value"},
  };
  for (const Case& c : cases) {
    core::Result<Table> table = Load(c.input, c.specs);
    ASSERT_FALSE(table.ok()) << c.name;
    EXPECT_EQ(table.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(table.status().message(), c.want) << c.name;
  }
}

TEST(TableTest, LongBadValueIsShortenedAtACharacterBoundary) {
  std::string value = std::string(63, 'x') + "\xC3\xA9" + std::string(1000, 'y');
  core::Result<Table> table = Load("a\n" + value + "\n", {{"a", ColumnType::kNumeric}});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "line 2: column \"a\": \"" + std::string(63, 'x') + "...\" is not a valid numeric value");
}

TEST(TableTest, SchemaAndShapeErrors) {
  core::Result<Table> missing = Load("a,b\n1,2\n", {{"a", ColumnType::kNumeric}, {"c", ColumnType::kNumeric}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "line 1: column \"c\" is not in the header");

  core::Result<Table> twice = Load("a\n1\n", {{"a", ColumnType::kNumeric}, {"a", ColumnType::kInteger}});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("listed twice"));

  core::Result<Table> ragged = Load("a,b,c\n1,2,3\n4,5\n", {{"a", ColumnType::kNumeric}});
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.status().message(), "line 3: expected 3 fields, found 2");

  core::Result<Table> empty = Load("", {{"a", ColumnType::kNumeric}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "the file is empty");

  core::Result<Table> reader_error = Load("a\n1\n2\"\n", {{"a", ColumnType::kNumeric}});
  ASSERT_FALSE(reader_error.ok());
  EXPECT_THAT(reader_error.status().message(), HasSubstr("line 3: a quote inside an unquoted field"));
}

TEST(TableTest, ExtraColumnsAreSkippedEvenWhenTheyHoldAnything) {
  core::Result<Table> table = Load("junk,x,more junk\n\"a,b\",1,???\nNA,2,\n", {{"x", ColumnType::kInteger}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->columns().size(), 1u);
  EXPECT_THAT(table->column(0).numbers, ElementsAre(1.0, 2.0));
}

TEST(TableTest, HeaderOnlyGivesAnEmptyTable) {
  core::Result<Table> table = Load("a,b\n", {{"b", ColumnType::kCategorical}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->row_count(), 0);
  EXPECT_TRUE(table->column(0).codes.empty());
  EXPECT_TRUE(table->column(0).categories.empty());
}

TEST(TableTest, EmptySpecsLoadRowCountOnly) {
  core::Result<Table> table = Load("a\n1\n2\n", {});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->row_count(), 2);
  EXPECT_TRUE(table->columns().empty());
}

TEST(TableTest, ConstructedDirectly) {
  Column column;
  column.name = "c";
  column.type = ColumnType::kCategorical;
  column.codes = {0, -1};
  column.categories = {"x"};
  Table table(2, {column});
  EXPECT_EQ(table.row_count(), 2);
  EXPECT_EQ(table.FindColumn("c"), 0);
  EXPECT_TRUE(table.column(0).IsMissing(1));
  EXPECT_EQ(Table().row_count(), 0);
}

}  // namespace
}  // namespace amp::data
