#include "http/request_parser.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace amp::http {
namespace bhttp = boost::beast::http;

void RequestHead::Clear() {
  method = bhttp::verb::unknown;
  target.clear();
  version = 11;
  content_type.clear();
  authorization.clear();
  request_id.clear();
  expect.clear();
  body.clear();
}

RequestParser::RequestParser(RequestHead& head) : head_(head) { head_.Clear(); }

void RequestParser::on_request_impl(bhttp::verb method, string_view, string_view target, int version,
                                    error_code&) {
  head_.method = method;
  head_.target.assign(target.data(), target.size());
  head_.version = static_cast<unsigned>(version);
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = bhttp::error::bad_method;  // a request parser never sees a status line
}

void RequestParser::on_field_impl(bhttp::field name, string_view name_string, string_view value, error_code&) {
  std::string* keep = nullptr;
  switch (name) {
    case bhttp::field::content_type: keep = &head_.content_type; break;
    case bhttp::field::authorization: keep = &head_.authorization; break;
    case bhttp::field::expect: keep = &head_.expect; break;
    case bhttp::field::unknown:
      if (boost::beast::iequals(name_string, "X-Request-Id")) keep = &head_.request_id;
      break;
    default: break;
  }
  // The first occurrence wins, as with Beast's fields::operator[].
  if (keep != nullptr && keep->empty()) keep->assign(value.data(), value.size());
}

void RequestParser::on_header_impl(error_code&) {}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
  // basic_parser has already refused a length over the body limit, so this reserve is bounded.
  if (body_file_ == nullptr && content_length) head_.body.reserve(static_cast<size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) { return TakeBody(body, ec); }

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return TakeBody(body, ec);
}

void RequestParser::on_finish_impl(error_code&) {}

std::size_t RequestParser::TakeBody(string_view body, error_code& ec) {
  if (body_file_ == nullptr) {
    head_.body.append(body.data(), body.size());
    return body.size();
  }
  return body_file_->write(body.data(), body.size(), ec);
}

}  // namespace amp::http
