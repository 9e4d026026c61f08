#include "data/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace amp::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Records = std::vector<std::vector<std::string>>;

// A UTF-8 byte order mark. Kept apart because "\xBF" followed by a hex digit would read as one longer escape.
constexpr char kBom[] = "\xEF\xBB\xBF";

// Matches the reader's private chunk size; boundary tests place tricky bytes around multiples of it.
constexpr size_t kReaderChunkBytes = size_t{64} * 1024;

// Reads every record; on error returns the status.
core::Result<Records> ReadAll(const std::string& text, char delimiter = ',') {
  std::istringstream input(text);
  CsvReader reader(input, delimiter);
  Records records;
  std::vector<std::string> fields;
  for (;;) {
    core::Result<bool> next = reader.Next(&fields);
    if (!next.ok()) return next.status();
    if (!*next) return records;
    records.push_back(fields);
  }
}

// The error message of reading `text`, or "" when it reads cleanly.
std::string ErrorOf(const std::string& text) {
  core::Result<Records> records = ReadAll(text);
  if (records.ok()) return "";
  EXPECT_EQ(records.status().code(), core::StatusCode::kInvalidArgument);
  return records.status().message();
}

TEST(CsvReaderTest, TableOfValidInputs) {
  struct Case {
    std::string name;
    std::string input;
    Records want;
  };
  const std::vector<Case> cases = {
      {"empty", "", {}},
      {"one field", "a", {{"a"}}},
      {"simple", "a,b,c\n1,2,3\n", {{"a", "b", "c"}, {"1", "2", "3"}}},
      {"no final newline", "a,b\n1,2", {{"a", "b"}, {"1", "2"}}},
      {"empty fields", ",,\na,,b\n", {{"", "", ""}, {"a", "", "b"}}},
      {"trailing delimiter", "a,\n", {{"a", ""}}},
      {"blanks kept", " a , b \n", {{" a ", " b "}}},
      {"quoted", "\"a\",\"b c\"\n", {{"a", "b c"}}},
      {"quoted comma", "\"a,b\",c\n", {{"a,b", "c"}}},
      {"doubled quotes", "\"say \"\"hi\"\"\",x\n", {{"say \"hi\"", "x"}}},
      {"only a doubled quote", "\"\"\"\"\n", {{"\""}}},
      {"empty quoted", "\"\",\"\"\n", {{"", ""}}},
      {"embedded LF", "\"line1\nline2\",b\nc,d\n", {{"line1\nline2", "b"}, {"c", "d"}}},
      {"embedded CRLF kept", "\"x\r\ny\"\r\n", {{"x\r\ny"}}},
      {"CRLF", "a,b\r\n1,2\r\n", {{"a", "b"}, {"1", "2"}}},
      {"lone CR line ends", "a,b\r1,2\r", {{"a", "b"}, {"1", "2"}}},
      {"quoted then CRLF", "\"a\"\r\n\"b\"", {{"a"}, {"b"}}},
      {"blank lines skipped", "\n\na\n\n\nb\n\n", {{"a"}, {"b"}}},
      {"blank CRLF lines skipped", "\r\n\r\na\r\n\r\nb\r\n", {{"a"}, {"b"}}},
      {"blank line only", "\n\n\n", {}},
      {"whitespace line is a record", "a\n  \nb\n", {{"a"}, {"  "}, {"b"}}},
      {"utf8",
       "caf\xC3\xA9,\xE6\x97\xA5\xE6\x9C\xAC,\xF0\x9F\x98\x80\n",
       {{"caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x98\x80"}}},
      {"utf8 edge code points",
       "\xC2\x80,\xEF\xBF\xBF,\xF4\x8F\xBF\xBF,\xED\x9F\xBF,\xEE\x80\x80\n",
       {{"\xC2\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF", "\xEE\x80\x80"}}},
      {"BOM skipped", std::string(kBom) + "a,b\n1,2\n", {{"a", "b"}, {"1", "2"}}},
      {"BOM only", kBom, {}},
      {"BOM then quoted", std::string(kBom) + "\"a\"\n", {{"a"}}},
      {"BOM later is data", "a\n" + std::string(kBom) + "b\n", {{"a"}, {std::string(kBom) + "b"}}},
  };
  for (const Case& c : cases) {
    core::Result<Records> records = ReadAll(c.input);
    ASSERT_TRUE(records.ok()) << c.name << ": " << records.status().ToString();
    EXPECT_EQ(*records, c.want) << c.name;
  }
}

TEST(CsvReaderTest, OtherDelimiter) {
  core::Result<Records> records = ReadAll("a;b,c;\"d;e\"\n", ';');
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ(*records, (Records{{"a", "b,c", "d;e"}}));
  records = ReadAll("a\tb\n", '\t');
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(*records, (Records{{"a", "b"}}));
}

TEST(CsvReaderTest, RecordLineCountsBlankLinesAndEmbeddedBreaks) {
  std::istringstream input("h1,h2\n\n\"a\nb\",c\r\nd,\"e\r\n\r\nf\"\rg,h\n");
  CsvReader reader(input);
  std::vector<std::string> fields;
  std::vector<int64_t> lines;
  for (;;) {
    core::Result<bool> next = reader.Next(&fields);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    if (!*next) break;
    lines.push_back(reader.record_line());
  }
  EXPECT_THAT(lines, ElementsAre(1, 3, 5, 8));
}

TEST(CsvReaderTest, FieldsAreReplacedNotAppended) {
  std::istringstream input("a,b,c\nd\ne,f\n");
  CsvReader reader(input);
  std::vector<std::string> fields = {"stale", "stale", "stale", "stale", "stale"};
  ASSERT_TRUE(*reader.Next(&fields));
  EXPECT_THAT(fields, ElementsAre("a", "b", "c"));
  ASSERT_TRUE(*reader.Next(&fields));
  EXPECT_THAT(fields, ElementsAre("d"));
  ASSERT_TRUE(*reader.Next(&fields));
  EXPECT_THAT(fields, ElementsAre("e", "f"));
  core::Result<bool> end = reader.Next(&fields);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
  EXPECT_TRUE(fields.empty());
  // The end is sticky.
  end = reader.Next(&fields);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST(CsvReaderTest, UnterminatedQuoteNamesTheLineWhereTheFieldStarted) {
  EXPECT_EQ(ErrorOf("a,b\n1,\"never closed\n3,4\n5,6\n"), "line 2: a quoted field is not terminated");
  EXPECT_EQ(ErrorOf("\""), "line 1: a quoted field is not terminated");
  EXPECT_EQ(ErrorOf("a\n\n\"x\"\"\n"), "line 3: a quoted field is not terminated");
}

TEST(CsvReaderTest, QuoteInsideUnquotedField) {
  EXPECT_THAT(ErrorOf("a,b\n5'11\",x\n"), StartsWith("line 2: a quote inside an unquoted field"));
  EXPECT_THAT(ErrorOf("a, \"b\"\n"), StartsWith("line 1: a quote inside an unquoted field"));
}

TEST(CsvReaderTest, TextAfterClosingQuote) {
  EXPECT_EQ(ErrorOf("x\n\"a\"b,c\n"), "line 2: text after the closing quote of a quoted field");
  EXPECT_EQ(ErrorOf("\"a\" ,b\n"), "line 1: text after the closing quote of a quoted field");
  EXPECT_EQ(ErrorOf("\"multi\nline\"x\n"), "line 2: text after the closing quote of a quoted field");
}

TEST(CsvReaderTest, NulByte) {
  EXPECT_EQ(ErrorOf(std::string("a,b\nc,d\0e\n", 10)), "line 2: a NUL byte");
  EXPECT_EQ(ErrorOf(std::string("a\n\"x\0\"\n", 7)), "line 2: a NUL byte");
}

TEST(CsvReaderTest, InvalidUtf8) {
  struct Case {
    std::string name;
    std::string input;
    std::string want_prefix;
  };
  const std::vector<Case> cases = {
      {"lone continuation byte", "ok\nab\x80\n", "line 2: invalid UTF-8 (byte 0x80 at offset 2"},
      {"truncated two-byte", "caf\xC3\n", "line 1: invalid UTF-8 (byte 0xC3 at offset 3"},
      {"truncated before delimiter", "\xE6\x97,x\n", "line 1: invalid UTF-8 (byte 0xE6 at offset 0"},
      {"overlong slash", "\xC0\xAF\n", "line 1: invalid UTF-8 (byte 0xC0"},
      {"overlong C1", "\xC1\xBF\n", "line 1: invalid UTF-8 (byte 0xC1"},
      {"overlong three-byte", "\xE0\x80\xAF\n", "line 1: invalid UTF-8 (byte 0xE0"},
      {"overlong four-byte", "\xF0\x80\x80\xAF\n", "line 1: invalid UTF-8 (byte 0xF0"},
      {"surrogate", "\xED\xA0\x80\n", "line 1: invalid UTF-8 (byte 0xED"},
      {"above U+10FFFF", "\xF4\x90\x80\x80\n", "line 1: invalid UTF-8 (byte 0xF4"},
      {"F5 lead", "\xF5\x80\x80\x80\n", "line 1: invalid UTF-8 (byte 0xF5"},
      {"FF byte", "\xFF\n", "line 1: invalid UTF-8 (byte 0xFF"},
      {"half a BOM", "\xEF\xBB,x\n", "line 1: invalid UTF-8 (byte 0xEF at offset 0"},
      {"bad continuation", "\xE6\x97\x41\n", "line 1: invalid UTF-8 (byte 0xE6"},
      {"latin-1 in a long ASCII run", "h\n" + std::string(37, 'x') + "\xE9" + std::string(20, 'y') + "\n",
       "line 2: invalid UTF-8 (byte 0xE9 at offset 37"},
      {"inside a multi-line quoted field", "h\n\"one\ntwo\r\nthree \xFF\"\n", "line 4: invalid UTF-8 (byte 0xFF"},
  };
  for (const Case& c : cases) EXPECT_THAT(ErrorOf(c.input), StartsWith(c.want_prefix)) << c.name;
}

TEST(CsvReaderTest, LargeFieldsSpanManyChunks) {
  std::string big(3 * kReaderChunkBytes + 123, 'x');
  std::string big_quoted;
  for (size_t char_idx = 0; char_idx < 2 * kReaderChunkBytes; ++char_idx) {
    big_quoted += (char_idx % 1000 == 999) ? '\n' : (char_idx % 7 == 0 ? ',' : 'q');
  }
  std::string quoted_csv = "\"" + big_quoted + "\"";
  core::Result<Records> records = ReadAll("a,b\n" + big + "," + quoted_csv + "\nc,d\n");
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[1][0], big);
  EXPECT_EQ((*records)[1][1], big_quoted);
  EXPECT_EQ((*records)[2], (std::vector<std::string>{"c", "d"}));
}

TEST(CsvReaderTest, LineNumbersStayRightAfterALargeMultiLineField) {
  std::string big_quoted;
  for (int line_idx = 0; line_idx < 20000; ++line_idx) big_quoted += "some text\n";  // ~200 KB, 20000 breaks
  EXPECT_EQ(ErrorOf("h\n\"" + big_quoted + "\"\nok\nbad\"\n"),
            "line 20004: a quote inside an unquoted field (quote the whole field and double the quote)");
}

// Every tricky two- or three-byte sequence (a doubled quote, a closing quote then delimiter, CRLF, a multi-byte
// UTF-8 character) is placed so that each of its bytes in turn is the last one of a chunk.
TEST(CsvReaderTest, TokensStraddlingTheChunkBoundary) {
  const std::string tail = "\"a\"\"b\",\"c\"\r\n\xE2\x82\xAC,\"\xF0\x9F\x98\x80\"\r\n\r\nlast";
  const Records want_tail = {{"a\"b", "c"}, {"\xE2\x82\xAC", "\xF0\x9F\x98\x80"}, {"last"}};
  for (size_t pad = kReaderChunkBytes - 40; pad <= kReaderChunkBytes + 4; ++pad) {
    // A first record "p...p" of `pad - 1` bytes plus its LF puts `tail` at offset `pad`.
    std::string input = std::string(pad - 1, 'p') + "\n" + tail;
    core::Result<Records> records = ReadAll(input);
    ASSERT_TRUE(records.ok()) << "pad " << pad << ": " << records.status().ToString();
    ASSERT_EQ(records->size(), 4u) << "pad " << pad;
    EXPECT_EQ((*records)[0][0].size(), pad - 1);
    EXPECT_EQ(Records(records->begin() + 1, records->end()), want_tail) << "pad " << pad;
  }
}

TEST(CsvReaderTest, ErrorsStraddlingTheChunkBoundary) {
  for (size_t pad = kReaderChunkBytes - 4; pad <= kReaderChunkBytes + 1; ++pad) {
    const std::string prefix = std::string(pad - 1, 'p') + "\n";
    EXPECT_EQ(ErrorOf(prefix + "\"a\"b\n"), "line 2: text after the closing quote of a quoted field") << pad;
    EXPECT_THAT(ErrorOf(prefix + "ab\xC3"), StartsWith("line 2: invalid UTF-8")) << pad;
    EXPECT_EQ(ErrorOf(prefix + "\"abc"), "line 2: a quoted field is not terminated") << pad;
  }
}

TEST(CsvReaderTest, LimitsAreResourceExhausted) {
  {
    std::istringstream input("a,b,c\n");
    CsvReader reader(input);
    reader.set_max_fields(2);
    std::vector<std::string> fields;
    core::Result<bool> next = reader.Next(&fields);
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().code(), core::StatusCode::kResourceExhausted);
    EXPECT_EQ(next.status().message(), "line 1: a record has more than 2 fields");
  }
  {
    std::istringstream input("ab,cd\n\"12345\"\n");
    CsvReader reader(input);
    reader.set_max_field_bytes(4);
    std::vector<std::string> fields;
    core::Result<bool> next = reader.Next(&fields);
    ASSERT_TRUE(next.ok());
    next = reader.Next(&fields);
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().code(), core::StatusCode::kResourceExhausted);
    EXPECT_EQ(next.status().message(), "line 2: a field is longer than 4 bytes");
  }
  {
    // A field exactly at the limit is fine.
    std::istringstream input("abcd,\"ef\"\"g\"\n");
    CsvReader reader(input);
    reader.set_max_field_bytes(4);
    reader.set_max_fields(2);
    std::vector<std::string> fields;
    core::Result<bool> next = reader.Next(&fields);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_THAT(fields, ElementsAre("abcd", "ef\"g"));
  }
}

// A streambuf that hands out its text and then reports a read error, as a failing disk or socket would.
class FailingStreamBuf : public std::streambuf {
 public:
  explicit FailingStreamBuf(std::string text) : text_(std::move(text)) {
    setg(text_.data(), text_.data(), text_.data() + text_.size());
  }

 protected:
  int_type underflow() override { throw std::runtime_error("disk on fire"); }

 private:
  std::string text_;
};

TEST(CsvReaderTest, StreamFailureIsAnErrorNotAnEnd) {
  FailingStreamBuf buf("a,b\n1,2\n");
  std::istream input(&buf);
  CsvReader reader(input);
  std::vector<std::string> fields;
  // Records before the failure may or may not come back (that depends on the chunk size); the read must end in an
  // error, never in a clean end that would pass a truncated file off as whole.
  core::Result<bool> next = reader.Next(&fields);
  for (int record_idx = 0; record_idx < 3 && next.ok() && *next; ++record_idx) next = reader.Next(&fields);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), core::StatusCode::kInternal);
  EXPECT_THAT(next.status().message(), HasSubstr("reading the input failed"));
}

TEST(CsvReaderTest, StreamThatNeverOpenedIsAnError) {
  std::istringstream input("a\n");
  input.setstate(std::ios::failbit);
  CsvReader reader(input);
  std::vector<std::string> fields;
  core::Result<bool> next = reader.Next(&fields);
  EXPECT_FALSE(next.ok());
}

TEST(CsvReaderTest, StreamWithExceptionsEnabledDoesNotThrow) {
  std::istringstream input("a,b\n1,2");
  input.exceptions(std::ios::failbit | std::ios::badbit);
  core::Result<Records> records = [&]() -> core::Result<Records> {
    CsvReader reader(input);
    Records all;
    std::vector<std::string> fields;
    for (;;) {
      AMP_ASSIGN_OR_RETURN(bool has_record, reader.Next(&fields));
      if (!has_record) return all;
      all.push_back(fields);
    }
  }();
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ(*records, (Records{{"a", "b"}, {"1", "2"}}));
}

}  // namespace
}  // namespace amp::data
