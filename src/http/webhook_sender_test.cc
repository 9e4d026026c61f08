#include "http/webhook_sender.h"

#include <gtest/gtest.h>

#include <deque>

namespace amp::http {
namespace {

// Answers each POST with the next scripted status (an error when the script holds 0), recording what it got.
class ScriptedTransport final : public WebhookTransport {
 public:
  struct Call {
    std::string url;
    WebhookHeaders headers;
    std::string body;
    std::string Header(std::string_view name) const {
      for (const auto& [key, value] : headers) {
        if (key == name) return value;
      }
      return "";
    }
  };
  explicit ScriptedTransport(std::deque<int> script) : script_(std::move(script)) {}

  core::Result<int> Post(const std::string& url, const WebhookHeaders& headers, const std::string& body) override {
    std::lock_guard lock(mu_);
    calls_.push_back({url, headers, body});
    int status = script_.empty() ? 200 : script_.front();
    if (!script_.empty()) script_.pop_front();
    if (status == 0) return core::Unavailable("connection refused");
    return status;
  }
  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::deque<int> script_;
  std::vector<Call> calls_;
};

WebhookOptions FastOptions() {
  WebhookOptions options;
  options.secret = "s3cret";
  options.max_attempts = 3;
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(4);
  return options;
}

TEST(SignWebhookTest, MatchesAKnownHmac) {
  // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
  EXPECT_EQ(SignWebhook("key", 1700000000, R"({"a":1})"),
            "t=1700000000,v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03");
  EXPECT_NE(SignWebhook("key", 1700000000, "a"), SignWebhook("key", 1700000001, "a"));
  EXPECT_NE(SignWebhook("key", 1700000000, "a"), SignWebhook("other", 1700000000, "a"));
  EXPECT_EQ(SignWebhook("key", 1700000000, "a").size(), std::string("t=1700000000,v1=").size() + 64);
}

TEST(WebhookSenderTest, RetriesAfterAFailureAndSignsEachAttempt) {
  ScriptedTransport transport({500, 200});
  core::FakeClock clock(1'700'000'000'000'000);
  WebhookSender sender(FastOptions(), transport, clock);
  sender.Start();
  ASSERT_TRUE(sender.Enqueue("http://127.0.0.1:9/hook", "job.succeeded", R"({"job":"j1"})"));
  ASSERT_TRUE(sender.WaitUntilIdle(std::chrono::seconds(30)));
  auto calls = transport.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& call : calls) {
    EXPECT_EQ(call.url, "http://127.0.0.1:9/hook");
    EXPECT_EQ(call.body, R"({"job":"j1"})");
    EXPECT_EQ(call.Header("X-Amp-Event"), "job.succeeded");
    EXPECT_EQ(call.Header("X-Amp-Signature"), SignWebhook("s3cret", 1'700'000'000, R"({"job":"j1"})"));
  }
  EXPECT_EQ(calls[0].Header("X-Amp-Delivery"), calls[1].Header("X-Amp-Delivery"));
  WebhookStats stats = sender.stats();
  EXPECT_EQ(stats.delivered, 1);
  EXPECT_EQ(stats.attempts, 2);
  EXPECT_EQ(stats.abandoned, 0);
  EXPECT_EQ(stats.pending, 0);
}

TEST(WebhookSenderTest, GivesUpAfterMaxAttempts) {
  ScriptedTransport transport({0, 503, 500, 200});
  core::FakeClock clock;
  WebhookSender sender(FastOptions(), transport, clock);
  sender.Start();
  ASSERT_TRUE(sender.Enqueue("http://127.0.0.1:9/hook", "job.failed", "{}"));
  ASSERT_TRUE(sender.WaitUntilIdle(std::chrono::seconds(30)));
  EXPECT_EQ(transport.calls().size(), 3u);
  EXPECT_EQ(sender.stats().abandoned, 1);
  EXPECT_EQ(sender.stats().delivered, 0);
}

TEST(WebhookSenderTest, ShutdownDoesNotWaitForABackoff) {
  ScriptedTransport transport({500});
  core::FakeClock clock;
  WebhookOptions options = FastOptions();
  options.initial_backoff = std::chrono::hours(1);
  options.max_backoff = std::chrono::hours(1);
  WebhookSender sender(options, transport, clock);
  sender.Start();
  ASSERT_TRUE(sender.Enqueue("http://127.0.0.1:9/hook", "job.failed", "{}"));
  // Wait for the first attempt to fail and the retry to be scheduled an hour away.
  while (transport.calls().empty() || sender.stats().pending != 1 || sender.stats().attempts != 1) {
    std::this_thread::yield();
  }
  sender.Shutdown();  // returns at once; the hour-away retry is dropped
  EXPECT_EQ(transport.calls().size(), 1u);
  EXPECT_FALSE(sender.Enqueue("http://127.0.0.1:9/hook", "job.failed", "{}"));
}

TEST(WebhookSenderTest, RefusesBeyondMaxPending) {
  ScriptedTransport transport({});
  core::FakeClock clock;
  WebhookOptions options = FastOptions();
  options.max_pending = 2;
  WebhookSender sender(options, transport, clock);  // not started: nothing drains
  EXPECT_TRUE(sender.Enqueue("http://a/1", "e", "{}"));
  EXPECT_TRUE(sender.Enqueue("http://a/2", "e", "{}"));
  EXPECT_FALSE(sender.Enqueue("http://a/3", "e", "{}"));
}

}  // namespace
}  // namespace amp::http
