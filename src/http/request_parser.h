// RequestParser: Beast's HTTP/1.1 request parser (basic_parser) wired to keep only what AMP reads from a request:
// the method, target and version, four header fields (Content-Type, Authorization, X-Request-Id, Expect) and the
// body, which goes either into a string or straight into a file (dataset uploads). Beast's stock request_parser
// stores every header field in an allocated, tree-indexed container, which cost more than scoring a model; this
// one copies the four values into strings the connection reuses, so a keep-alive request allocates nothing here.
// Parsing (syntax, limits, chunked encoding, Connection and Content-Length rules) is all Beast's.
// One parser per request (Beast parsers cannot be reset); not thread-safe.
#pragma once

#include <boost/beast/core/file.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <string>

namespace amp::http {

// What the parser keeps of one request. Owned by the connection and reused, so its strings keep their capacity.
struct RequestHead {
  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  std::string target;
  unsigned version = 11;
  // The first occurrence of each field; empty when absent.
  std::string content_type;
  std::string authorization;
  std::string request_id;
  std::string expect;
  std::string body;  // unless the body goes to a file

  void Clear();
};

class RequestParser : public boost::beast::http::basic_parser<true> {
 public:
  // Fills `head` (cleared here), which must outlive the parser.
  explicit RequestParser(RequestHead& head);

  // From now on the body is written to `file` (open for writing, outliving the parser) instead of head.body.
  // Call after the header is parsed and before the body is read.
  void SendBodyTo(boost::beast::file* file) { body_file_ = file; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_string, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  std::size_t TakeBody(string_view body, error_code& ec);

  RequestHead& head_;
  boost::beast::file* body_file_ = nullptr;
};

}  // namespace amp::http
