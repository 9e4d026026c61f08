// libFuzzer target: HTTP/1.1 request parsing as the server does it (http::RequestParser, Beast's basic_parser with
// AMP's field handling, header and body limits), fed in two pieces, then routing of whatever target it parsed.
// Must never crash.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/router.h"
#include "http/request_parser.h"

namespace bhttp = boost::beast::http;

namespace {

const amp::api::Router& Routes() {
  static const amp::api::Router router = [] {
    amp::api::Router built;
    auto ok = [](const amp::api::Request&, const amp::api::PathParams&) { return amp::api::Response{}; };
    using amp::auth::Action;
    built.Add(amp::api::Method::kPost, "/api/predict", amp::api::OnBodyModel(Action::kPredict), ok);
    built.Add(amp::api::Method::kGet, "/v1/models/{name}", amp::api::OnPathModel(Action::kReadModel), ok);
    built.Add(amp::api::Method::kPost, "/v1/models/{name}/versions/{version}/predict",
              amp::api::OnPathModel(Action::kPredict), ok);
    built.Add(amp::api::Method::kPost, "/v1/datasets", amp::api::OnServer(Action::kUploadDataset), ok,
              amp::api::BodyMode::kStreamToFile);
    return built;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  amp::http::RequestHead head;
  amp::http::RequestParser parser(head);
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  const size_t split = size > 0 ? data[0] % (size + 1) : 0;
  size_t used = 0;
  // Feed in two pieces, as the network would, and retry the unconsumed rest (Beast may need more bytes).
  for (size_t piece_end : {split, size}) {
    while (used < piece_end && !ec && !parser.is_done()) {
      size_t consumed = parser.put(boost::asio::buffer(data + used, piece_end - used), ec);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;
      }
      if (consumed == 0) break;
      used += consumed;
    }
  }
  if (ec || !parser.is_header_done()) return 0;
  std::string_view path(head.target);
  path = path.substr(0, path.find('?'));
  amp::api::RouteMatch match = Routes().Match(amp::api::Method::kPost, path);
  (void)match;
  return 0;
}
