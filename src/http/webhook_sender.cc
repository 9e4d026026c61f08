#include "http/webhook_sender.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "core/id.h"
#include "core/log.h"
#include "http/http_client.h"

namespace amp::http {

std::string SignWebhook(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string timestamp = std::to_string(unix_seconds);
  std::string message = timestamp;
  message += '.';
  message += body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &digest_size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest_size * 2);
  for (unsigned int idx = 0; idx < digest_size; ++idx) {
    hex += kHex[digest[idx] >> 4];
    hex += kHex[digest[idx] & 0xf];
  }
  return "t=" + timestamp + ",v1=" + hex;
}

core::Result<int> HttpWebhookTransport::Post(const std::string& url, const WebhookHeaders& headers,
                                             const std::string& body) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return core::InvalidArgument("webhook URL must start with http://");
  size_t path_start = url.find_first_of("/?", kScheme.size());
  std::string base = url.substr(0, path_start);
  std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (target.front() == '?') target.insert(0, "/");
  AMP_ASSIGN_OR_RETURN(HttpClient client, HttpClient::Create(base, timeout_));
  for (const auto& [name, value] : headers) client.SetHeader(name, value);
  AMP_ASSIGN_OR_RETURN(ClientResponse response, client.Send("POST", target, body, "application/json"));
  return response.status;
}

WebhookSender::WebhookSender(WebhookOptions options, WebhookTransport& transport, const core::Clock& clock)
    : options_(std::move(options)), transport_(transport), clock_(clock) {}

WebhookSender::~WebhookSender() {
  Shutdown();
}

void WebhookSender::Start() {
  core::MutexLock lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void WebhookSender::Shutdown() {
  size_t dropped = 0;
  {
    core::MutexLock lock(mu_);
    stopping_ = true;
    dropped = due_.size();
    due_.clear();
    stats_.pending = in_flight_;
  }
  changed_.NotifyAll();
  if (thread_.joinable()) thread_.join();
  if (dropped > 0) core::LogWarning("webhooks: dropped " + std::to_string(dropped) + " undelivered at shutdown");
}

bool WebhookSender::Enqueue(std::string url, std::string event, std::string body) {
  {
    core::MutexLock lock(mu_);
    if (stopping_ || due_.size() >= options_.max_pending) {
      core::LogWarning("webhooks: not sending " + event + " to " + url +
                       (stopping_ ? " (shutting down)" : " (too many pending)"));
      return false;
    }
    due_.emplace(std::chrono::steady_clock::now(),
                 Delivery{core::NewId("whk"), std::move(url), std::move(event), std::move(body), 0});
    stats_.pending = static_cast<int64_t>(due_.size()) + in_flight_;
  }
  changed_.NotifyAll();
  return true;
}

WebhookStats WebhookSender::stats() {
  core::MutexLock lock(mu_);
  return stats_;
}

bool WebhookSender::WaitUntilIdle(std::chrono::milliseconds timeout) {
  core::MutexLock lock(mu_);
  return changed_.WaitFor(mu_, timeout, [this]() AMP_REQUIRES(mu_) { return due_.empty() && in_flight_ == 0; });
}

bool WebhookSender::Attempt(Delivery& delivery) {
  const int64_t now_seconds = clock_.NowMicros() / 1'000'000;
  WebhookHeaders headers = {
      {"X-Amp-Signature", SignWebhook(options_.secret, now_seconds, delivery.body)},
      {"X-Amp-Event", delivery.event},
      {"X-Amp-Delivery", delivery.id},
  };
  auto status = transport_.Post(delivery.url, headers, delivery.body);
  if (status.ok() && *status >= 200 && *status < 300) return true;
  core::LogWarning("webhooks: " + delivery.event + " to " + delivery.url + " attempt " +
                   std::to_string(delivery.attempts) +
                   " failed: " + (status.ok() ? "HTTP " + std::to_string(*status) : status.status().ToString()));
  return false;
}

void WebhookSender::Loop() {
  while (true) {
    Delivery delivery;
    {
      core::MutexLock lock(mu_);
      while (true) {
        if (stopping_) return;
        if (!due_.empty() && due_.begin()->first <= std::chrono::steady_clock::now()) break;
        if (due_.empty()) {
          changed_.Wait(mu_, [this]() AMP_REQUIRES(mu_) { return stopping_ || !due_.empty(); });
        } else {
          auto wait = due_.begin()->first - std::chrono::steady_clock::now();
          changed_.WaitFor(mu_, wait, [this]() AMP_REQUIRES(mu_) { return stopping_; });
        }
      }
      delivery = std::move(due_.begin()->second);
      due_.erase(due_.begin());
      ++in_flight_;
      ++stats_.attempts;
    }
    ++delivery.attempts;
    const bool delivered = Attempt(delivery);
    {
      core::MutexLock lock(mu_);
      --in_flight_;
      if (delivered) {
        ++stats_.delivered;
      } else if (delivery.attempts >= options_.max_attempts || stopping_) {
        ++stats_.abandoned;
        core::LogError("webhooks: gave up on " + delivery.event + " to " + delivery.url + " after " +
                       std::to_string(delivery.attempts) + " attempts");
      } else {
        auto backoff = options_.initial_backoff * (int64_t{1} << std::min(delivery.attempts - 1, 20));
        backoff = std::min(backoff, options_.max_backoff);
        due_.emplace(std::chrono::steady_clock::now() + backoff, std::move(delivery));
      }
      stats_.pending = static_cast<int64_t>(due_.size()) + in_flight_;
    }
    changed_.NotifyAll();
  }
}

}  // namespace amp::http
