// ListenPolicy: whether the server may listen on an address without TLS. Plain HTTP is fine on loopback (a local
// proxy such as nginx terminates TLS in front); anywhere else it needs the operator to say so with --insecure-http,
// and even then a warning is logged. A pure function, table-tested.
#pragma once

#include <string_view>

namespace amp::http {

enum class ListenDecision {
  kAllowed,             // TLS, or plain HTTP on a loopback address
  kAllowedWithWarning,  // plain HTTP on a reachable address, explicitly allowed
  kRefused,             // plain HTTP on a reachable address (or an unparseable one), not allowed
};

ListenDecision DecideListen(std::string_view host, bool tls, bool insecure_http_allowed);

}  // namespace amp::http
