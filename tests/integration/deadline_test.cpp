// Deadlines against the project's test server: the earliest limit wins and
// the error names it; an expired deadline opens nothing; the remaining time
// travels in the opt-in header, decreasing across retries.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::Error;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::Scope;
using tether::test::fails;
using tether::test::ok;
using tether::test::TestServer;
using Clock = std::chrono::steady_clock;

namespace {

struct Deadlines : ::testing::Test {
  TestServer server;
  Client client;
};

TEST_F(Deadlines, ARequestDeadlineShorterThanTheTimeoutWins) {
  Error e = fails(
      client.get(server.url("/headers-never"), {.timeout = 30s, .deadline = Clock::now() + 200ms}));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_STREQ(e.what(), "request deadline exceeded");
  EXPECT_TRUE(e.is_timeout());
}

TEST_F(Deadlines, AScopeDeadlineSaysSo) {
  Scope scope(Clock::now() + 200ms);
  Error e = fails(scope.get(client, server.url("/headers-never"),
                            {.timeout = 30s, .transitional = {.clarify_timeout_error = true}}));
  EXPECT_EQ(e.code(), ErrorCode::TimedOut);
  EXPECT_STREQ(e.what(), "scope deadline exceeded");
}

TEST_F(Deadlines, AShorterTimeoutStillApplies) {
  Error e = fails(
      client.get(server.url("/headers-never"), {.timeout = 150ms, .deadline = Clock::now() + 30s}));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_STREQ(e.what(), "timeout of 150ms exceeded");
}

TEST_F(Deadlines, ARequestWithinItsDeadlineSucceeds) {
  auto r = ok(client.get(server.url("/ok"), {.deadline = Clock::now() + 30s}));
  EXPECT_EQ(r.status, 200);
}

TEST_F(Deadlines, AnExpiredDeadlineOpensNoConnection) {
  Error e = fails(client.get(server.url("/ok"), {.deadline = Clock::now() - 1ms}));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_STREQ(e.what(), "request deadline exceeded");
  EXPECT_EQ(e.phase(), tether::RequestPhase::Queued);
  EXPECT_FALSE(e.maybe_delivered());
  Scope expired(Clock::now() - 1ms);
  Error s = fails(expired.get(client, server.url("/ok")));
  EXPECT_STREQ(s.what(), "scope deadline exceeded");
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(Deadlines, TheHeaderCarriesWhatRemains) {
  auto r = ok(client.get(server.url("/echo"),
                         {.deadline = Clock::now() + 5s, .deadline_header = "X-Request-Timeout"}));
  long long ms = std::stoll(r.data.json()["headers"]["x-request-timeout"].get<std::string>());
  EXPECT_GT(ms, 0);
  EXPECT_LE(ms, 5000);
  auto g = ok(client.get(server.url("/echo"), {.timeout = 2s,
                                               .deadline_header = "grpc-timeout",
                                               .deadline_format = tether::DeadlineFormat::Grpc}));
  EXPECT_EQ(g.data.json()["headers"]["grpc-timeout"], "2000m");
  auto none = ok(client.get(server.url("/echo"), {.deadline_header = "X-Request-Timeout"}));
  EXPECT_FALSE(none.data.json()["headers"].contains("x-request-timeout")) << "no limit, no header";
}

TEST_F(Deadlines, TheHeaderDecreasesAcrossRetries) {
  std::mutex mu;
  std::vector<long long> sent;
  RequestConfig config{
      .transform_request = {[&](tether::Body body, tether::Headers& headers) {
        std::lock_guard lock(mu);
        sent.push_back(std::stoll(std::string(*headers.get("X-Request-Timeout"))));
        return body;
      }},
      .retry = tether::RetryPolicy{.retries = 3, .delay = 50ms, .jitter = false},
      .deadline = Clock::now() + 20s,
      .deadline_header = "X-Request-Timeout",
  };
  auto r = ok(client.get(server.url("/flaky?key=dl-retry&fail=2"), std::move(config)));
  EXPECT_EQ(r.status, 200);
  std::lock_guard lock(mu);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_LE(sent[0], 20000);
  EXPECT_GT(sent[0], sent[1]);
  EXPECT_GT(sent[1], sent[2]);
  EXPECT_GT(sent[2], 0);
}

TEST_F(Deadlines, BackOffCountsAgainstTheDeadline) {
  // A back-off that would end past the deadline ends the request now.
  auto start = Clock::now();
  Error e =
      fails(client.get(server.url("/flaky?key=dl-backoff&fail=5"),
                       {.retry = tether::RetryPolicy{.retries = 3, .delay = 60s, .jitter = false},
                        .deadline = start + 20s}));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse) << "the error the request had, not a wait";
  auto tries = server.connections();
  std::size_t requests = 0;
  for (const auto& c : tries) requests += c.targets.size();
  EXPECT_EQ(requests, 1u);
}

TEST_F(Deadlines, ADeadlineHitDuringRetriesSaysSo) {
  Error e =
      fails(client.get(server.url("/flaky?key=dl-hang&fail=5&mode=hang"),
                       {.retry = tether::RetryPolicy{.retries = 5, .delay = 1ms, .jitter = false},
                        .deadline = Clock::now() + 300ms}));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_STREQ(e.what(), "request deadline exceeded");
}

TEST_F(Deadlines, ABadHeaderNameIsRefused) {
  Error e = fails(client.get(server.url("/ok"),
                             {.deadline = Clock::now() + 5s, .deadline_header = "Bad Name"}));
  EXPECT_EQ(e.code(), ErrorCode::BadOptionValue);
  EXPECT_EQ(server.accepted_count(), 0u);
}

}  // namespace
