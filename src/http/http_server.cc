#include "http/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "api/error_response.h"
#include "core/id.h"
#include "core/log.h"
#include "http/request_parser.h"
#include "http/tls_context.h"

namespace amp::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
// Concrete executor types instead of the type-erased any_io_executor: each session lives on one io_context, and
// type erasure costs a measurable share of a small request.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using TlsStream = asio::ssl::stream<Socket>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                         Executor>;

namespace {

api::Method ToMethod(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get: return api::Method::kGet;
    case bhttp::verb::head: return api::Method::kHead;
    case bhttp::verb::post: return api::Method::kPost;
    case bhttp::verb::put: return api::Method::kPut;
    case bhttp::verb::patch: return api::Method::kPatch;
    case bhttp::verb::delete_: return api::Method::kDelete;
    case bhttp::verb::options: return api::Method::kOptions;
    default: return api::Method::kOther;
  }
}

// A client's X-Request-Id is reused if it is short and plain, so ids can be followed across services.
bool IsUsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// Generated request ids: a random per-process prefix and a counter, e.g. "3f9a0c1d-000000000000002a".
void GenerateRequestId(std::string* out) {
  static const std::string prefix = core::NewId("r").substr(2, 8);
  static std::atomic<uint64_t> counter{0};
  uint64_t value = counter.fetch_add(1, std::memory_order_relaxed);
  char digits[17];
  static constexpr char kHex[] = "0123456789abcdef";
  for (int idx = 15; idx >= 0; --idx) {
    digits[idx] = kHex[value & 0xF];
    value >>= 4;
  }
  digits[16] = '\0';
  out->assign(prefix);
  out->push_back('-');
  out->append(digits, 16);
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t idx = 0; idx < a.size(); ++idx) {
    if (std::tolower(static_cast<unsigned char>(a[idx])) != std::tolower(static_cast<unsigned char>(b[idx]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

// What the server needs of a connection, whatever its transport: to tell it to drain, on its own thread.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called (on the session's thread) when the server starts draining.
  virtual void Drain() = 0;
  virtual Executor executor() = 0;
};

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const api::Router& router) : options_(std::move(options)), router_(router) {}
  // Sessions unregister themselves when their io_context destroys them: do that while the registry still exists.
  ~Impl() { workers_.clear(); }

  core::Status Start();
  void Shutdown();
  uint16_t port() const { return port_; }

  const ServerOptions& options() const { return options_; }
  const api::Router& router() const { return router_; }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }

  void Register(const std::shared_ptr<SessionBase>& session);
  void Unregister(SessionBase* session);

 private:
  struct Worker {
    asio::io_context io{1};
    std::unique_ptr<Acceptor> acceptor;
    std::thread thread;
  };

  void Accept(Worker& worker);

  ServerOptions options_;
  const api::Router& router_;
  std::vector<std::unique_ptr<Worker>> workers_;
  uint16_t port_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  std::mutex sessions_mu_;
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;  // guarded by sessions_mu_
  std::unique_ptr<asio::ssl::context> tls_;  // set when serving HTTPS
  std::condition_variable sessions_empty_;
};

// One connection: reads requests one after another (keep-alive) and answers each, over a plain TCP socket or a TLS
// stream (Stream is Socket or TlsStream). Lives on one io_context's thread, so its members need no locking.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `stream_args` construct the Stream: the accepted socket, and for TLS the server's context.
  template <class... StreamArgs>
  explicit Session(HttpServer::Impl& server, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...), timer_(stream_.get_executor()), server_(server) {
    beast::error_code ec;
    auto endpoint = socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
    socket().set_option(tcp::no_delay(true), ec);
  }
  ~Session() override { server_.Unregister(this); }

  void Start() {
    if constexpr (kTls) {
      SetDeadline(options().request_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, this->shared_from_this()));
    } else {
      ReadHeader();
    }
  }

  void Drain() override {
    draining_ = true;
    if (idle_) {
      beast::error_code ec;
      socket().shutdown(tcp::socket::shutdown_both, ec);
      socket().cancel(ec);
    }
  }

  Executor executor() override { return stream_.get_executor(); }

 private:
  Socket& socket() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec) {
    if (ec) return Close();  // not TLS, an old protocol version or no shared cipher: nothing to answer in
    ReadHeader();
  }

  const ServerOptions& options() const { return server_.options(); }

  // Every read and write must finish by the deadline, or the connection is closed. One timer per connection, armed
  // lazily: moving the deadline later (once per read or write) only stores a time, and the timer, when it fires,
  // re-arms itself for the stored deadline if that has moved. Arming and cancelling a timer per operation (as
  // beast::basic_stream does) took a tenth of a small request's instructions.
  void SetDeadline(std::chrono::steady_clock::duration timeout) {
    deadline_ = std::chrono::steady_clock::now() + timeout;
    if (timer_armed_ || closed_) return;
    timer_armed_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait(beast::bind_front_handler(&Session::OnTimer, this->shared_from_this()));
  }

  void OnTimer(beast::error_code ec) {
    timer_armed_ = false;
    if (ec || closed_) return;
    if (std::chrono::steady_clock::now() < deadline_) {
      timer_armed_ = true;
      timer_.expires_at(deadline_);
      timer_.async_wait(beast::bind_front_handler(&Session::OnTimer, this->shared_from_this()));
      return;
    }
    // Too slow: the pending read or write ends with operation_aborted, and its handler closes.
    socket().cancel(ec);
  }

  void ReadHeader() {
    if (draining_ && buffer_.size() == 0) return Close();
    idle_ = buffer_.size() == 0;
    parser_.emplace(head_);
    parser_->header_limit(options().max_header_bytes);
    // The larger limit for now; in-memory routes lower it once the route is known.
    parser_->body_limit(std::max(options().max_body_bytes, options().max_upload_bytes));
    SetDeadline(options().request_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    idle_ = false;
    if (ec) return OnReadError(ec);
    std::string_view target = head_.target;
    size_t query_pos = target.find('?');
    path_ = target.substr(0, query_pos);
    query_ = query_pos == std::string_view::npos ? std::string_view() : target.substr(query_pos + 1);
    method_ = ToMethod(head_.method);
    match_ = server_.router().Match(method_, path_);

    bool expect_continue = IEquals(head_.expect, "100-continue");
    if (match_.route != nullptr && match_.route->body_mode == api::BodyMode::kStreamToFile) {
      return ReadBodyToFile(expect_continue);
    }
    auto length = parser_->content_length();
    if (length && *length > options().max_body_bytes) {
      return SendError(413, "payload_too_large",
                       "the request body is " + std::to_string(*length) + " bytes; the limit is " +
                           std::to_string(options().max_body_bytes));
    }
    parser_->body_limit(options().max_body_bytes);
    if (expect_continue) SendContinue();
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, this->shared_from_this()));
  }

  void ReadBodyToFile(bool expect_continue) {
    auto length = parser_->content_length();
    if (length && *length > options().max_upload_bytes) {
      return SendError(413, "payload_too_large",
                       "the upload is " + std::to_string(*length) + " bytes; the limit is " +
                           std::to_string(options().max_upload_bytes));
    }
    upload_path_ = options().upload_dir / (core::NewId("upload") + ".part");
    parser_->body_limit(options().max_upload_bytes);
    beast::error_code ec;
    upload_file_.open(upload_path_.c_str(), beast::file_mode::write, ec);
    if (ec) {
      core::LogError("cannot open upload file " + upload_path_.string() + ": " + ec.message());
      upload_path_.clear();
      return SendError(500, "internal", "cannot store the upload");
    }
    parser_->SendBodyTo(&upload_file_);
    if (expect_continue) SendContinue();
    SetDeadline(options().upload_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, this->shared_from_this()));
  }

  void SendContinue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::error_code ec;
    asio::write(stream_, asio::buffer(kContinue.data(), kContinue.size()), ec);
  }

  void OnReadError(beast::error_code ec) {
    RemoveUpload();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec == bhttp::error::header_limit) {
      return SendError(431, "header_too_large",
                       "the request header is larger than " + std::to_string(options().max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return SendError(413, "payload_too_large", "the request body is larger than the limit");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return SendError(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    Close();
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    const auto started = std::chrono::steady_clock::now();
    api::RequestObserver* observer = options().observer;
    if (observer != nullptr) observer->OnRequestStarted();
    api::Request request;
    request.method = method_;
    request.path = path_;
    request.query = query_;
    request.remote_address = remote_;
    request.content_type = head_.content_type;
    request.authorization = head_.authorization;
    SetRequestId(head_.request_id);
    request.request_id = request_id_;
    if (upload_file_.is_open()) {
      upload_file_.close(ec);
      request.body_file = upload_path_;
      upload_path_.clear();  // the handler owns the file now
    } else {
      request.body = head_.body;
    }
    const bool keep_alive = parser_->keep_alive();
    const unsigned version = head_.version;
    api::Response response;
    if (match_.route != nullptr) {
      response = match_.route->handler(request, match_.params);
    } else if (match_.error_status == 405) {
      response = api::ErrorResponse(405, "method_not_allowed",
                                    std::string(api::MethodName(method_)) + " is not allowed on " + std::string(path_));
    } else if (match_.error_status == 400) {
      response = api::ErrorResponse(400, "bad_request", "the path has a malformed percent-escape");
    } else {
      response = api::ErrorResponse(404, "not_found", "no such route: " + std::string(path_.substr(0, 200)));
    }
    if (observer != nullptr) {
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
      observer->OnRequestFinished(request, response, latency.count());
    }
    if (request.body_file) {
      // The handler has taken what it wanted; make sure no upload is left behind.
      std::error_code remove_ec;
      std::filesystem::remove(*request.body_file, remove_ec);
    }
    Send(std::move(response), keep_alive && !draining_ && !server_.draining(), version);
  }

  void SetRequestId(std::string_view from_client) {
    if (IsUsableRequestId(from_client)) {
      request_id_.assign(from_client);
    } else {
      GenerateRequestId(&request_id_);
    }
  }

  void SendError(int status, std::string_view code, std::string message) {
    RemoveUpload();
    Send(api::ErrorResponse(status, code, message), false, 11);
  }

  // Serializes the response by hand into one reused buffer: Beast's generic serializer costs more than the whole
  // prediction for a small JSON answer.
  void Send(api::Response response, bool keep_alive, unsigned version) {
    parser_.reset();
    keep_alive_ = keep_alive;
    out_.clear();
    out_ += version == 10 ? std::string_view("HTTP/1.0 ") : std::string_view("HTTP/1.1 ");
    AppendNumber(static_cast<uint64_t>(response.status));
    out_ += ' ';
    beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
    out_.append(reason.data(), reason.size());
    out_ += std::string_view("\r\nServer: amp\r\nContent-Type: ");
    out_ += response.content_type;
    out_ += std::string_view("\r\nContent-Length: ");
    AppendNumber(response.body.size());
    out_ += std::string_view("\r\n");
    if (!request_id_.empty()) {
      out_ += std::string_view("X-Request-Id: ");
      out_ += request_id_;
      out_ += std::string_view("\r\n");
      request_id_.clear();
    }
    for (const auto& [name, value] : response.headers) AppendHeader(name, value);
    if (!keep_alive) {
      out_ += std::string_view("Connection: close\r\n");
    } else if (version == 10) {
      out_ += std::string_view("Connection: keep-alive\r\n");
    }
    out_ += std::string_view("\r\n");
    if (method_ != api::Method::kHead) out_ += response.body;
    SetDeadline(options().request_timeout);
    asio::async_write(stream_, asio::buffer(out_), beast::bind_front_handler(&Session::OnWrite, this->shared_from_this()));
  }

  void AppendNumber(uint64_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
    out_.append(digits, static_cast<size_t>(end - digits));
  }

  // Header names and values come from handlers; CR, LF and NUL are dropped so nothing can split the response.
  void AppendHeader(std::string_view name, std::string_view value) {
    auto append_clean = [this](std::string_view text) {
      for (char c : text) {
        if (c != '\r' && c != '\n' && c != '\0') out_ += c;
      }
    };
    append_clean(name);
    out_ += ": ";
    append_clean(value);
    out_ += "\r\n";
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return Close();
    if (!keep_alive_) return LingeringClose();
    // Do not keep a large request's or answer's buffer for the life of the connection.
    if (out_.capacity() > 1 << 20) std::string().swap(out_);
    if (head_.body.capacity() > 1 << 20) std::string().swap(head_.body);
    ReadHeader();
  }

  // After refusing a request whose body we did not read, read and drop what the client still sends for a moment
  // before closing, so the client reads our answer instead of a connection reset (as nginx's lingering_close).
  void LingeringClose() {
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    SetDeadline(std::chrono::seconds(2));
    buffer_.clear();
    DrainInput();
  }

  void DrainInput() {
    if (drained_bytes_ > (64u << 20)) return Close();
    stream_.async_read_some(buffer_.prepare(64 * 1024), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->drained_bytes_ += n;
      self->DrainInput();
    });
  }

  void Close() {
    RemoveUpload();
    closed_ = true;
    beast::error_code ec;
    timer_.cancel(ec);  // drops the timer's reference to this session
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  void RemoveUpload() {
    if (upload_path_.empty()) return;
    beast::error_code close_ec;
    if (upload_file_.is_open()) upload_file_.close(close_ec);
    std::error_code ec;
    std::filesystem::remove(upload_path_, ec);
    upload_path_.clear();
  }

  Stream stream_;
  Timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool timer_armed_ = false;
  bool closed_ = false;
  beast::flat_buffer buffer_;
  HttpServer::Impl& server_;
  std::string remote_;
  RequestHead head_;  // of the request being read; reused
  std::optional<RequestParser> parser_;
  beast::file upload_file_;  // open while an upload's body is being read
  std::string out_;  // the serialized response being written
  std::string request_id_;  // of the request being answered
  bool keep_alive_ = true;
  std::filesystem::path upload_path_;
  api::Method method_ = api::Method::kGet;
  std::string_view path_;
  std::string_view query_;
  api::RouteMatch match_;
  bool idle_ = true;
  bool draining_ = false;
  uint64_t drained_bytes_ = 0;
};

core::Status HttpServer::Impl::Start() {
  int thread_count = options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (thread_count < 1) thread_count = 1;
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return core::InvalidArgument("invalid listen address '" + options_.host + "'");
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    AMP_ASSIGN_OR_RETURN(tls_, MakeTlsContext(options_.tls_cert_file, options_.tls_key_file));
  }
  std::error_code fs_ec;
  std::filesystem::create_directories(options_.upload_dir, fs_ec);
  if (fs_ec) return core::Internal("cannot create upload folder: " + fs_ec.message());

  uint16_t port = options_.port;
  for (int idx = 0; idx < thread_count; ++idx) {
    auto worker = std::make_unique<Worker>();
    worker->acceptor = std::make_unique<Acceptor>(worker->io.get_executor());
    tcp::endpoint endpoint(address, port);
    Acceptor& acceptor = *worker->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
        ec = beast::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return core::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(port) + ": " +
                               ec.message());
    }
    port = acceptor.local_endpoint().port();  // the first bind picks the port when 0 was asked for
    workers_.push_back(std::move(worker));
  }
  port_ = port;
  for (auto& worker : workers_) {
    Accept(*worker);
    worker->thread = std::thread([io = &worker->io] { io->run(); });
  }
  return core::Status::Ok();
}

void HttpServer::Impl::Accept(Worker& worker) {
  worker.acceptor->async_accept([this, &worker](beast::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || draining()) return;
    if (!ec) {
      if (tls_) {
        auto session = std::make_shared<Session<TlsStream>>(*this, std::move(socket), *tls_);
        Register(session);
        session->Start();
      } else {
        auto session = std::make_shared<Session<Socket>>(*this, std::move(socket));
        Register(session);
        session->Start();
      }
    } else if (ec == asio::error::no_descriptors) {
      core::LogWarning("accept: out of file descriptors");
    }
    Accept(worker);
  });
}

void HttpServer::Impl::Register(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard lock(sessions_mu_);
  sessions_.emplace(session.get(), session);
}

void HttpServer::Impl::Unregister(SessionBase* session) {
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(session);
  if (sessions_.empty()) sessions_empty_.notify_all();
}

void HttpServer::Impl::Shutdown() {
  if (stopped_.exchange(true)) return;
  draining_.store(true);
  for (auto& worker : workers_) {
    asio::post(worker->io, [acceptor = worker->acceptor.get()] {
      beast::error_code ec;
      acceptor->close(ec);
    });
  }
  // Take references under the lock but post and drop them outside it: the last reference to a session may be
  // ours, and its destructor unregisters under the same lock.
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(sessions_mu_);
    for (auto& [raw, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) {
    Executor executor = session->executor();
    asio::post(executor, [session = std::move(session)] { session->Drain(); });
  }
  live.clear();
  {
    std::unique_lock lock(sessions_mu_);
    sessions_empty_.wait_for(lock, options_.drain_timeout, [this] { return sessions_.empty(); });
    if (!sessions_.empty()) {
      core::LogWarning(std::to_string(sessions_.size()) + " connections still open after the drain timeout");
    }
  }
  for (auto& worker : workers_) worker->io.stop();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

HttpServer::HttpServer(ServerOptions options, const api::Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() { Shutdown(); }

core::Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Shutdown() { impl_->Shutdown(); }

}  // namespace amp::http
