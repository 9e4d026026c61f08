#include "ml/xgboost/collective.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace amp::ml {
namespace {

core::Status RunNothing(const CollectiveOptions& options) {
  return Collective::Run(options, [](Collective&) { return core::Status::Ok(); });
}

TEST(CollectiveTest, RefusesBadOptions) {
  CollectiveOptions options;
  options.tracker_port = 9091;
  options.world_size = 2;
  options.rank = 2;
  EXPECT_EQ(RunNothing(options).code(), core::StatusCode::kInvalidArgument);
  options.rank = -1;
  EXPECT_EQ(RunNothing(options).code(), core::StatusCode::kInvalidArgument);
  options.rank = 0;
  options.world_size = 0;
  EXPECT_EQ(RunNothing(options).code(), core::StatusCode::kInvalidArgument);
  options.world_size = 2;
  options.tracker_port = 0;
  EXPECT_EQ(RunNothing(options).code(), core::StatusCode::kInvalidArgument);
  options.tracker_port = 9091;
  options.tracker_host = "a\"b";
  EXPECT_EQ(RunNothing(options).code(), core::StatusCode::kInvalidArgument);
}

// A tracker that accepts connections but never answers stands for a collective whose other rank never arrives:
// XGBoost's init would wait forever; Join gives up after join_timeout, and the process cannot join again while that
// init is still blocked, and the body never runs. Run in a child process (XGBoost's collective state is process-wide).
void JoinSilentTracker() {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listener, 4) != 0 || getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::cerr << "no listener";
    std::exit(2);
  }
  CollectiveOptions options;
  options.tracker_port = ntohs(address.sin_port);
  options.rank = 0;
  options.world_size = 2;
  options.join_timeout = std::chrono::milliseconds(300);
  bool body_ran = false;
  core::Status first = Collective::Run(options, [&](Collective&) {
    body_ran = true;
    return core::Status::Ok();
  });
  if (first.code() != core::StatusCode::kUnavailable || body_ran ||
      first.message().find("did not form within 0.3 s for rank 0 of 2") == std::string::npos) {
    std::cerr << "first join: " << first.message();
    std::exit(3);
  }
  core::Status second = RunNothing(options);
  if (second.code() != core::StatusCode::kFailedPrecondition) {
    std::cerr << "second join: " << second.message();
    std::exit(4);
  }
  std::cerr << "timed out as expected";
  std::_Exit(0);  // the abandoned init thread is still blocked; the process ends as a worker would
}

TEST(CollectiveTest, MissingRankTimesOutInsteadOfHanging) {
  EXPECT_EXIT(JoinSilentTracker(), ::testing::ExitedWithCode(0), "timed out as expected");
}

}  // namespace
}  // namespace amp::ml
