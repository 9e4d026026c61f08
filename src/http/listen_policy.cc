#include "http/listen_policy.h"

#include <boost/asio/ip/address.hpp>

#include <string>

namespace amp::http {

ListenDecision DecideListen(std::string_view host, bool tls, bool insecure_http_allowed) {
  if (tls) return ListenDecision::kAllowed;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (!ec && address.is_loopback()) return ListenDecision::kAllowed;
  return insecure_http_allowed ? ListenDecision::kAllowedWithWarning : ListenDecision::kRefused;
}

}  // namespace amp::http
