#include "http/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace amp::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

core::Result<HttpClient> HttpClient::Create(std::string_view base_url, std::chrono::milliseconds timeout) {
  constexpr std::string_view kScheme = "http://";
  if (base_url.substr(0, kScheme.size()) != kScheme) {
    return core::InvalidArgument("server URL must start with http:// (got '" + std::string(base_url) + "')");
  }
  std::string_view authority = base_url.substr(kScheme.size());
  while (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.find('/') != std::string_view::npos) {
    return core::InvalidArgument("server URL must be scheme://host:port without a path");
  }
  HttpClient client;
  client.base_url_ = std::string(base_url);
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    client.host_ = std::string(authority);
    client.port_ = "80";
  } else {
    client.host_ = std::string(authority.substr(0, colon));
    client.port_ = std::string(authority.substr(colon + 1));
  }
  if (client.host_.empty() || client.port_.empty()) return core::InvalidArgument("server URL has no host or port");
  client.timeout_ = timeout;
  return client;
}

core::Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                              std::string_view body, std::string_view content_type) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host_, port_, ec);
  if (ec) return core::Unavailable("cannot resolve " + host_ + ": " + ec.message());
  stream.expires_after(timeout_);
  stream.connect(endpoints, ec);
  if (ec) return core::Unavailable("cannot connect to " + base_url_ + ": " + ec.message());

  bhttp::request<bhttp::string_body> request;
  request.method(bhttp::string_to_verb(beast::string_view(method.data(), method.size())));
  request.target(beast::string_view(target.data(), target.size()));
  request.version(11);
  request.set(bhttp::field::host, host_);
  request.set(bhttp::field::user_agent, "amp-cli");
  for (const auto& [name, value] : headers_) request.set(name, value);
  if (!content_type.empty()) {
    request.set(bhttp::field::content_type, beast::string_view(content_type.data(), content_type.size()));
  }
  request.body() = std::string(body);
  request.prepare_payload();
  request.keep_alive(false);
  bhttp::write(stream, request, ec);
  if (ec) return core::Unavailable("sending to " + base_url_ + ": " + ec.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ULL << 31);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return core::Unavailable("reading the answer of " + base_url_ + ": " + ec.message());
  ClientResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  auto content = parser.get()[bhttp::field::content_type];
  response.content_type = std::string(content.data(), content.size());
  response.body = std::move(parser.get().body());
  for (const auto& field : parser.get()) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return response;
}

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (boost::beast::iequals(field, boost::beast::string_view(name.data(), name.size()))) return value;
  }
  return "";
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xF];
    }
  }
  return encoded;
}

}  // namespace amp::http
