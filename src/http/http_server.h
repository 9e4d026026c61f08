// HttpServer: the asynchronous HTTP/1.1 front end (Boost.Beast over Asio). One io_context and one acceptor per
// thread (SO_REUSEPORT), keep-alive, limits on header size (431), body size (413) and read time; each request is
// turned into an api::Request, routed, and the api::Response written back. Shutdown stops accepting, lets in-flight
// requests finish and closes idle connections. The Beast types stay inside http_server.cc.
// Thread-safe: Shutdown may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "api/request_observer.h"
#include "api/router.h"
#include "core/status.h"

namespace amp::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  int threads = 0;       // 0: one per core
  uint64_t max_body_bytes = 1 << 20;          // in-memory (JSON) bodies
  uint64_t max_upload_bytes = 1ULL << 30;     // bodies streamed to disk (dataset uploads)
  uint32_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{30'000};  // to read one request's header and body, and keep-alive idle
  std::chrono::milliseconds upload_timeout{3'600'000};
  std::chrono::milliseconds drain_timeout{15'000};
  std::filesystem::path upload_dir;  // where streamed bodies are written; required
  api::RequestObserver* observer = nullptr;  // optional; must outlive the server
  // HTTPS when both are set (PEM files: the certificate chain and its private key); see tls_context.h.
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const api::Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads. Unavailable if the address cannot be bound; InvalidArgument if the TLS
  // certificate or key cannot be loaded.
  core::Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Stops accepting, waits for in-flight requests (up to drain_timeout), closes the rest and joins the threads.
  // Idempotent.
  void Shutdown();

  class Impl;  // opaque; defined in http_server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace amp::http
