#include "data/csv_header.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace amp::data {
namespace {

using ::testing::ElementsAre;

TEST(CsvHeaderTest, ReadsTrimmedNamesAndChecksWidth) {
  std::istringstream input("\n a ,b\t,\"c d\"\n1,2\n");
  CsvReader reader(input);
  core::Result<std::vector<std::string>> names = ReadCsvHeader(&reader);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_THAT(*names, ElementsAre("a", "b", "c d"));
  EXPECT_EQ(reader.record_line(), 2);

  std::vector<std::string> fields;
  ASSERT_TRUE(*reader.Next(&fields));
  core::Status width = CheckRecordWidth(reader, names->size(), fields.size());
  EXPECT_EQ(width.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(width.message(), "line 3: expected 3 fields, found 2");
  EXPECT_TRUE(CheckRecordWidth(reader, 2, fields.size()).ok());
}

TEST(CsvHeaderTest, Errors) {
  struct Case {
    std::string input;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", "the file is empty"},
      {"\xEF\xBB\xBF\n", "the file is empty"},
      {",a\n", "line 1: column 1 of the header has an empty name"},
      {"a,\"\"\n", "line 1: column 2 of the header has an empty name"},
      {"a,b,c,b\n", "line 1: duplicate column name \"b\" (columns 2 and 4)"},
      {"a,\"a\n", "line 1: a quoted field is not terminated"},
  };
  for (const Case& c : cases) {
    std::istringstream input(c.input);
    CsvReader reader(input);
    core::Result<std::vector<std::string>> names = ReadCsvHeader(&reader);
    ASSERT_FALSE(names.ok()) << c.input;
    EXPECT_EQ(names.status().message(), c.want) << c.input;
  }
}

}  // namespace
}  // namespace amp::data
