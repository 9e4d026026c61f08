#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <string>

#include "core/temp_dir.h"

namespace amp::http {
namespace {

namespace bhttp = boost::beast::http;

// Feeds `text` to a fresh parser in one piece (as much as it takes); returns the error, if any.
boost::beast::error_code Parse(RequestParser& parser, std::string_view text) {
  boost::beast::error_code ec;
  size_t used = 0;
  while (!parser.is_done() && used < text.size()) {
    size_t n = parser.put(boost::asio::buffer(text.data() + used, text.size() - used), ec);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec || n == 0) break;
    used += n;
  }
  if (!ec && !parser.is_done()) {
    parser.put_eof(ec);
  }
  return ec;
}

TEST(RequestParserTest, KeepsMethodTargetAndTheFieldsAmpReads) {
  RequestHead head;
  RequestParser parser(head);
  auto ec = Parse(parser,
                  "POST /api/predict?x=1 HTTP/1.1\r\nHost: a\r\ncontent-type: application/json\r\n"
                  "Authorization: Bearer k1\r\nx-request-id: abc-1\r\nExpect: 100-continue\r\n"
                  "Content-Type: text/plain\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(head.method, bhttp::verb::post);
  EXPECT_EQ(head.target, "/api/predict?x=1");
  EXPECT_EQ(head.version, 11u);
  EXPECT_EQ(head.content_type, "application/json");  // the first of two, as Beast's fields[] gives
  EXPECT_EQ(head.authorization, "Bearer k1");
  EXPECT_EQ(head.request_id, "abc-1");
  EXPECT_EQ(head.expect, "100-continue");
  EXPECT_EQ(head.body, "{\"a\":1}");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(RequestParserTest, ChunkedBodyIsReassembledAndHttp10ClosesByDefault) {
  RequestHead head;
  RequestParser parser(head);
  ASSERT_FALSE(Parse(parser, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  EXPECT_EQ(head.body, "abcde");

  RequestParser old(head);  // a new parser clears what the last one kept
  EXPECT_TRUE(head.body.empty());
  ASSERT_FALSE(Parse(old, "GET /y HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(head.version, 10u);
  EXPECT_EQ(head.target, "/y");
  EXPECT_FALSE(old.keep_alive());
}

TEST(RequestParserTest, LimitsAreBeasts) {
  RequestHead head;
  RequestParser parser(head);
  parser.body_limit(4);
  EXPECT_EQ(Parse(parser, "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), bhttp::error::body_limit);

  RequestParser small_header(head);
  small_header.header_limit(32);
  EXPECT_EQ(Parse(small_header, "GET /x HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n"),
            bhttp::error::header_limit);

  RequestParser bad(head);
  EXPECT_TRUE(Parse(bad, "GET /x HTTP/1.1\r\nBad Header\r\n\r\n"));
}

TEST(RequestParserTest, BodyCanGoToAFile) {
  core::TempDir dir;
  const std::string path = (dir.path() / "body").string();
  boost::beast::file file;
  boost::beast::error_code ec;
  file.open(path.c_str(), boost::beast::file_mode::write, ec);
  ASSERT_FALSE(ec);
  RequestHead head;
  RequestParser parser(head);
  const std::string text = "POST /v1/datasets HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
  size_t used = parser.put(boost::asio::buffer(text), ec);  // the header only: Beast stops after it
  ASSERT_FALSE(ec);
  ASSERT_TRUE(parser.is_header_done());
  parser.SendBodyTo(&file);
  while (!parser.is_done()) {
    used += parser.put(boost::asio::buffer(text.data() + used, text.size() - used), ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  file.close(ec);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(std::filesystem::file_size(path), 11u);
}

}  // namespace
}  // namespace amp::http
