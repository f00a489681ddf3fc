// Fair queues (ClientOptions::max_requests / max_requests_per_origin) against
// the project's test server: the limits hold at the server, priorities and
// origins decide the order, and a queued request that is aborted, times out
// or outlives its client settles at once and never opens a socket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/client_core.hpp"
#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Client;
using tether::ClientOptions;
using tether::ErrorCode;
using tether::Future;
using tether::Priority;
using tether::RequestConfig;
using tether::RequestPhase;
using tether::Response;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 20s;

std::string unique_tag() {
  static std::atomic<int> n{0};
  return "q=" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

bool wait_until(const std::function<bool()>& done) {
  auto until = std::chrono::steady_clock::now() + kGenerous;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

// Every request target the server received, in arrival order.
std::vector<std::pair<TestServer::Clock::time_point, std::string>> arrivals(
    const std::vector<const TestServer*>& servers) {
  std::vector<std::pair<TestServer::Clock::time_point, std::string>> all;
  for (const auto* server : servers) {
    for (const auto& c : server->connections()) {
      for (std::size_t i = 0; i < c.targets.size(); ++i) {
        all.emplace_back(c.request_times[i], c.targets[i]);
      }
    }
  }
  std::sort(all.begin(), all.end());
  return all;
}

bool received(const TestServer& server, const std::string& tag) {
  for (const auto& [when, target] : arrivals({&server})) {
    if (target.find(tag) != std::string::npos) return true;
  }
  return false;
}

struct QueueTest : ::testing::Test {
  TestServer server;

  static tether::detail::RequestQueue& queue_of(const Client& client) {
    return *tether::detail::ClientAccess::queue(client);
  }

  // A request that holds a slot until `controller` aborts it (the server never
  // answers), once the server has it.
  Future<Response> blocker(Client& client, AbortController& controller) {
    std::string tag = unique_tag();
    auto future = client.get(server.url("/headers-never?" + tag),
                             RequestConfig{.signal = controller.signal()});
    EXPECT_TRUE(server.wait_for_request(tag, kGenerous)) << "the blocker never arrived";
    return future;
  }
};

TEST_F(QueueTest, NoLimitsMeansNoQueue) {
  Client client(RequestConfig{}, ClientOptions{});
  EXPECT_EQ(tether::detail::ClientAccess::queue(client), nullptr);
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok"))).status, 200);
}

TEST_F(QueueTest, NeverMoreThanTheLimitAtTheServer) {
  constexpr std::size_t kLimit = 3;
  constexpr auto kDelay = 100ms;
  Client client(RequestConfig{}, ClientOptions{.max_requests = kLimit});
  std::vector<Future<Response>> futures;
  for (int i = 0; i < 12; ++i)
    futures.push_back(client.get(server.url("/delay/100?" + unique_tag())));
  for (auto& f : futures) EXPECT_EQ(tether::test::ok(std::move(f)).status, 200);
  // The server answers each request kDelay after it arrived, and the queue
  // starts the next only once a response is in: at any arrival, the requests
  // that arrived less than kDelay before it are all still at the server.
  auto all = arrivals({&server});
  ASSERT_EQ(all.size(), 12u);
  std::size_t most = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::size_t at_once = 0;
    for (std::size_t j = 0; j <= i; ++j) {
      if (all[i].first - all[j].first < kDelay) ++at_once;
    }
    most = std::max(most, at_once);
  }
  EXPECT_LE(most, kLimit);
  EXPECT_EQ(queue_of(client).running(), 0u);
  EXPECT_EQ(queue_of(client).waiting(), 0u);
}

TEST_F(QueueTest, NextQueuedRequestStartsWhenOneEnds) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 2});
  AbortController first, second;
  auto a = blocker(client, first);
  auto b = blocker(client, second);
  std::string tag = unique_tag();
  auto c = client.get(server.url("/ok?" + tag));
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  EXPECT_FALSE(received(server, tag));
  first.abort();  // any outcome frees the slot
  EXPECT_EQ(tether::test::ok(std::move(c)).status, 200);
  second.abort();
  EXPECT_EQ(tether::test::fails(std::move(a)).code(), ErrorCode::Canceled);
  EXPECT_EQ(tether::test::fails(std::move(b)).code(), ErrorCode::Canceled);
}

TEST_F(QueueTest, HigherPriorityLeavesFirstAndFifoWithinOne) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold;
  auto held = blocker(client, hold);
  std::vector<std::pair<Priority, std::string>> order = {
      {Priority::Low, "low-1"},       {Priority::Normal, "normal-1"}, {Priority::High, "high-1"},
      {Priority::Normal, "normal-2"}, {Priority::High, "high-2"},     {Priority::Low, "low-2"}};
  std::vector<Future<Response>> futures;
  for (const auto& [priority, name] : order) {
    futures.push_back(client.get(server.url("/ok?p=" + name), RequestConfig{.priority = priority}));
  }
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == order.size(); }));
  hold.abort();
  for (auto& f : futures) EXPECT_EQ(tether::test::ok(std::move(f)).status, 200);
  std::vector<std::string> seen;
  for (const auto& [when, target] : arrivals({&server})) {
    if (auto at = target.find("p="); at != std::string::npos) seen.push_back(target.substr(at + 2));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"high-1", "high-2", "normal-1", "normal-2", "low-1",
                                            "low-2"}));
}

TEST_F(QueueTest, OriginsTakeTurns) {
  TestServer other;
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold;
  auto held = blocker(client, hold);
  std::vector<Future<Response>> futures;
  for (int i = 0; i < 4; ++i)
    futures.push_back(client.get(server.url("/ok?o=a" + std::to_string(i))));
  for (int i = 0; i < 2; ++i)
    futures.push_back(client.get(other.url("/ok?o=b" + std::to_string(i))));
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 6; }));
  hold.abort();
  for (auto& f : futures) EXPECT_EQ(tether::test::ok(std::move(f)).status, 200);
  std::vector<std::string> seen;
  for (const auto& [when, target] : arrivals({&server, &other})) {
    if (auto at = target.find("o="); at != std::string::npos) seen.push_back(target.substr(at + 2));
  }
  // The busy origin queued four first; the other still gets every second turn.
  EXPECT_EQ(seen, (std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "a3"}));
}

TEST_F(QueueTest, PerOriginLimitDoesNotHoldOtherOrigins) {
  TestServer other;
  Client client(RequestConfig{}, ClientOptions{.max_requests_per_origin = 1});
  AbortController hold;
  auto held = blocker(client, hold);
  std::string tag = unique_tag();
  auto same_origin = client.get(server.url("/ok?" + tag));
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  EXPECT_EQ(tether::test::ok(client.get(other.url("/ok"))).status, 200);
  EXPECT_FALSE(received(server, tag));
  EXPECT_EQ(queue_of(client).waiting(), 1u);
  hold.abort();
  EXPECT_EQ(tether::test::ok(std::move(same_origin)).status, 200);
}

TEST_F(QueueTest, QueuedAbortSettlesAtOnceAndOpensNoSocket) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold, controller;
  auto held = blocker(client, hold);
  std::string tag = unique_tag();
  auto queued = client.get(server.url("/ok?" + tag), RequestConfig{.signal = controller.signal()});
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  ASSERT_TRUE(controller.abort({"AbortError", "user left"}));
  ASSERT_TRUE(queued.ready());  // on this thread, inside abort()
  EXPECT_EQ(queue_of(client).waiting(), 0u);
  auto e = tether::test::fails(std::move(queued));
  EXPECT_EQ(e.code(), ErrorCode::Canceled);
  EXPECT_EQ(e.phase(), RequestPhase::Queued);
  EXPECT_FALSE(e.maybe_delivered());
  // The slot frees; a later request gets through, and the aborted one never did.
  hold.abort();
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok"))).status, 200);
  EXPECT_FALSE(received(server, tag));
  EXPECT_EQ(server.accepted_count(), 2u);  // the blocker's and the last one's
}

TEST_F(QueueTest, OneAbortOfRunningAndQueuedRequestsStartsNoneOfTheQueued) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 2});
  AbortController controller;
  std::vector<Future<Response>> running, queued;
  std::vector<std::string> running_tags;
  for (int i = 0; i < 2; ++i) {
    running_tags.push_back(unique_tag());
    running.push_back(client.get(server.url("/headers-never?" + running_tags.back()),
                                 RequestConfig{.signal = controller.signal()}));
  }
  for (const auto& tag : running_tags) ASSERT_TRUE(server.wait_for_request(tag, kGenerous));
  for (int i = 0; i < 50; ++i) {
    queued.push_back(
        client.get(server.url("/ok?queued"), RequestConfig{.signal = controller.signal()}));
  }
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 50; }));
  // The running ones registered first: their slots free before the queued
  // ones hear the abort, and none of those may start.
  controller.abort();
  for (auto& f : queued) {
    ASSERT_TRUE(f.ready());
    auto e = tether::test::fails(std::move(f));
    EXPECT_EQ(e.code(), ErrorCode::Canceled);
    EXPECT_EQ(e.phase(), RequestPhase::Queued) << e.what();
  }
  for (auto& f : running) EXPECT_EQ(tether::test::fails(std::move(f)).code(), ErrorCode::Canceled);
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok?after"))).status, 200);
  EXPECT_FALSE(received(server, "queued"));
  EXPECT_EQ(queue_of(client).running(), 0u);
}

TEST_F(QueueTest, QueuedTimeoutCountsTheTimeQueued) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold;
  auto held = blocker(client, hold);
  std::string tag = unique_tag();
  auto queued = client.get(server.url("/ok?" + tag), RequestConfig{.timeout = 200ms});
  ASSERT_TRUE(queued.wait_for(kGenerous));
  auto e = tether::test::fails(std::move(queued));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_EQ(e.phase(), RequestPhase::Queued);
  EXPECT_STREQ(e.what(), "timeout of 200ms exceeded");
  EXPECT_EQ(queue_of(client).waiting(), 0u);
  hold.abort();
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok"))).status, 200);
  EXPECT_FALSE(received(server, tag));
}

TEST_F(QueueTest, TimeoutSpansQueueAndTransfer) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold;
  auto held = blocker(client, hold);
  std::string tag = unique_tag();
  auto started = std::chrono::steady_clock::now();
  auto queued =
      client.get(server.url("/headers-never?" + tag),
                 RequestConfig{.timeout = 1500ms, .transitional = {.clarify_timeout_error = true}});
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  hold.abort();
  ASSERT_TRUE(server.wait_for_request(tag, kGenerous));  // it left the queue in time
  ASSERT_TRUE(queued.wait_for(kGenerous));
  auto e = tether::test::fails(std::move(queued));
  EXPECT_EQ(e.code(), ErrorCode::TimedOut);
  EXPECT_EQ(e.phase(), RequestPhase::AwaitHeaders);
  // The user's timeout is named, not what was left of it for the transfer.
  EXPECT_STREQ(e.what(), "timeout of 1500ms exceeded");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1500ms);
}

TEST_F(QueueTest, WholeRequestTimeoutWithRetriesCountsTheQueue) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold;
  auto held = blocker(client, hold);
  std::string tag = unique_tag();
  auto queued =
      client.get(server.url("/ok?" + tag),
                 RequestConfig{.timeout = 300ms, .retry = tether::RetryPolicy{.retries = 2}});
  ASSERT_TRUE(queued.wait_for(kGenerous));
  auto e = tether::test::fails(std::move(queued));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_EQ(e.phase(), RequestPhase::Queued);
  EXPECT_STREQ(e.what(), "timeout of 300ms exceeded");
  hold.abort();
  EXPECT_FALSE(received(server, tag));
}

TEST_F(QueueTest, DestroyingTheClientSettlesTheQueueAndOpensNothing) {
  std::vector<Future<Response>> queued;
  AbortController hold;
  {
    Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
    auto held = blocker(client, hold);
    for (int i = 0; i < 100; ++i) {
      queued.push_back(
          client.get(server.url("/ok?queued"),
                     RequestConfig{.priority = i % 2 ? Priority::High : Priority::Low}));
    }
    ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 100; }));
  }
  for (auto& f : queued) {
    ASSERT_TRUE(f.ready());
    auto e = tether::test::fails(std::move(f));
    EXPECT_EQ(e.code(), ErrorCode::Canceled);
    EXPECT_EQ(e.phase(), RequestPhase::Queued);
    ASSERT_TRUE(e.reason());
    EXPECT_EQ(e.reason()->message, "client destroyed");
  }
  EXPECT_FALSE(received(server, "queued"));
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(QueueTest, InterceptedRequestsQueueToo) {
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  std::atomic<int> seen{0};
  client.interceptors().request.use([&](RequestConfig c) {
    ++seen;
    return c;
  });
  AbortController hold, controller;
  auto held = blocker(client, hold);
  std::string tag = unique_tag();
  auto queued = client.get(server.url("/ok?" + tag), RequestConfig{.signal = controller.signal()});
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  controller.abort();
  auto e = tether::test::fails(std::move(queued));
  EXPECT_EQ(e.phase(), RequestPhase::Queued);
  hold.abort();
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok"))).status, 200);
  EXPECT_FALSE(received(server, tag));
  EXPECT_EQ(seen.load(), 3);
}

}  // namespace
