// An abort in every phase of a request: the future settles Canceled at once
// (on the aborting thread), and the server sees the connection close.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "abort/signal_state.hpp"
#include "abort/timer_service.hpp"
#include "client/client_core.hpp"
#include "support/raw_listeners.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Client;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::RequestPhase;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

std::string unique_tag() {
  static std::atomic<int> n{0};
  return "t=" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

struct Fixture : ::testing::Test {
  TestServer server;
  Client client;

  // Waits (bounded) until the engine holds a transfer in `phase`: the tests
  // wait on the state itself, never on a sleep that guesses how long it takes.
  bool wait_for_phase(RequestPhase phase) {
    auto& engine = tether::detail::ClientAccess::engine(client);
    auto until = std::chrono::steady_clock::now() + kGenerous;
    while (std::chrono::steady_clock::now() < until) {
      auto phases = engine.transfer_phases();
      if (std::find(phases.begin(), phases.end(), phase) != phases.end()) return true;
      std::this_thread::sleep_for(1ms);
    }
    return false;
  }

  // Starts `config`, waits until the server has the request headers, aborts,
  // and checks the outcome and that the server saw the close.
  void abort_after_request_arrived(RequestConfig config, const std::string& tag,
                                   RequestPhase expected_phase) {
    AbortController controller;
    config.signal = controller.signal();
    auto future = client.request(std::move(config));
    ASSERT_TRUE(server.wait_for_request(tag, kGenerous)) << "the request never arrived";
    ASSERT_TRUE(wait_for_phase(expected_phase)) << "the request never reached its phase";
    auto before = TestServer::Clock::now();
    ASSERT_TRUE(controller.abort());
    // Settled inside abort(), on this thread.
    ASSERT_TRUE(future.ready());
    auto result = future.result();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code(), ErrorCode::Canceled);
    EXPECT_STREQ(result.error().what(), "canceled");
    EXPECT_EQ(result.error().phase(), expected_phase);
    EXPECT_TRUE(result.error().maybe_delivered());
    auto closed = server.wait_for_client_close(tag, kGenerous);
    ASSERT_TRUE(closed) << "the server never saw the connection close";
    EXPECT_GE(*closed, before);
  }
};

}  // namespace

TEST_F(Fixture, AlreadyAbortedSignalFailsAtOnceAndOpensNoConnection) {
  auto signal = tether::AbortSignal::abort();
  auto future = client.get(server.url("/ok"), {.signal = signal});
  ASSERT_TRUE(future.ready());
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  EXPECT_EQ(result.error().phase(), RequestPhase::Queued);
  EXPECT_FALSE(result.error().maybe_delivered());
  // A request made after it goes through the same FIFO queue: once it has
  // been answered, the aborted one would have connected first.
  ASSERT_TRUE(client.get(server.url("/ok")).result());
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(Fixture, AbortWhileQueuedOpensNoConnection) {
  // Hold the engine's loop so the request stays queued.
  std::promise<void> release;
  std::promise<void> holding;
  client.executor()->post([&] {
    holding.set_value();
    release.get_future().wait();
  });
  holding.get_future().wait();
  AbortController controller;
  auto future = client.get(server.url("/ok"), {.signal = controller.signal()});
  controller.abort();
  ASSERT_TRUE(future.ready());
  auto result = future.result();
  release.set_value();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().phase(), RequestPhase::Queued);
  EXPECT_FALSE(result.error().maybe_delivered());
  // The queued start and its cancel meet in one batch: nothing is opened.
  auto& engine = tether::detail::ClientAccess::engine(client);
  for (int i = 0; i < 1000 && engine.active_transfers() > 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(engine.active_transfers(), 0u);
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(Fixture, AbortWhileConnecting) {
  tether::test::StalledListener listener;  // connecting never completes
  std::string url = listener.url();
  AbortController controller;
  auto future = client.get(url, {.signal = controller.signal()});
  ASSERT_TRUE(wait_for_phase(RequestPhase::Connect));
  controller.abort();
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  EXPECT_EQ(result.error().phase(), RequestPhase::Connect);
  EXPECT_FALSE(result.error().maybe_delivered());
}

TEST_F(Fixture, AbortDuringTlsHandshake) {
  tether::test::SilentServer silent;
  auto accepted = silent.accepted();
  auto closed = silent.closed();
  AbortController controller;
  auto future = client.get("https://127.0.0.1:" + std::to_string(silent.port()) + "/",
                           {.signal = controller.signal()});
  ASSERT_EQ(accepted.wait_for(kGenerous), std::future_status::ready);
  ASSERT_TRUE(wait_for_phase(RequestPhase::Tls));
  controller.abort();
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  EXPECT_EQ(result.error().phase(), RequestPhase::Tls);
  EXPECT_FALSE(result.error().maybe_delivered());
  EXPECT_EQ(closed.wait_for(kGenerous), std::future_status::ready);
}

TEST_F(Fixture, AbortWhileSendingTheBody) {
  auto tag = unique_tag();
  RequestConfig config{.method = "POST", .url = server.url("/sink-stall?" + tag)};
  config.data = std::string(64 << 20, 'x');  // far more than the socket buffers hold
  abort_after_request_arrived(std::move(config), tag, RequestPhase::Send);
}

TEST_F(Fixture, AbortWhileSendingReachesTheServerWhateverTheProtocolTurnsOutToBe) {
  // Asked for HTTP/2 on http:// (an Upgrade attempt), the engine cannot know
  // before a response whether the connection is shared, so it does not shut
  // it early; the close curl makes on removal must still be a reset, or the
  // server, which stopped reading, would never see it.
  auto tag = unique_tag();
  RequestConfig config{.method = "POST", .url = server.url("/sink-stall?" + tag)};
  config.data = std::string(64 << 20, 'x');
  config.http_version = tether::HttpVersion::Http2;
  abort_after_request_arrived(std::move(config), tag, RequestPhase::Send);
}

TEST_F(Fixture, AbortWhileWaitingForHeaders) {
  auto tag = unique_tag();
  abort_after_request_arrived({.url = server.url("/headers-never?" + tag)}, tag,
                              RequestPhase::AwaitHeaders);
}

TEST_F(Fixture, AbortWhileReceivingTheBody) {
  auto tag = unique_tag();
  abort_after_request_arrived({.url = server.url("/stall?" + tag)}, tag, RequestPhase::Body);
}

TEST_F(Fixture, AbortAfterARedirect) {
  auto tag = unique_tag();
  // The tag's '=' goes percent-encoded in the first URL, so only the request
  // after the redirect carries the tag as the server sees it.
  std::string encoded = "t%3D" + tag.substr(2);
  abort_after_request_arrived({.url = server.url("/redirect-to?url=/headers-never%3F" + encoded)},
                              tag, RequestPhase::AwaitHeaders);
}

TEST_F(Fixture, AbortMidStream) {
  auto tag = unique_tag();
  std::promise<void> first_chunk;
  std::atomic<bool> got{false};
  AbortController controller;
  RequestConfig config{.url = server.url("/drip?bytes=100&interval_ms=20&" + tag),
                       .signal = controller.signal()};
  config.response_type = tether::ResponseType::Stream;
  config.on_data = [&](std::string_view) {
    if (!got.exchange(true)) first_chunk.set_value();
  };
  auto future = client.request(std::move(config));
  ASSERT_EQ(first_chunk.get_future().wait_for(kGenerous), std::future_status::ready);
  controller.abort();
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().phase(), RequestPhase::Body);
  EXPECT_TRUE(server.wait_for_client_close(tag, kGenerous));
}

TEST_F(Fixture, AbortAfterSettlementIsIgnored) {
  AbortController controller;
  auto future = client.get(server.url("/ok"), {.signal = controller.signal()});
  ASSERT_TRUE(future.wait_for(kGenerous));
  EXPECT_TRUE(controller.abort());
  auto result = future.result();
  ASSERT_TRUE(result);
  EXPECT_EQ(result.value().status, 200);
}

TEST_F(Fixture, CancelTokenMessageReachesTheError) {
  auto tag = unique_tag();
  auto source = tether::CancelToken::source();
  auto future = client.get(server.url("/headers-never?" + tag), {.cancel_token = source.token});
  ASSERT_TRUE(server.wait_for_request(tag, kGenerous));
  source.cancel("Operation canceled by the user.");
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(tether::is_cancel(result.error()));
  EXPECT_STREQ(result.error().what(), "Operation canceled by the user.");
  EXPECT_TRUE(server.wait_for_client_close(tag, kGenerous));
}

TEST_F(Fixture, OneSignalCancelsManyRequests) {
  AbortController controller;
  std::vector<tether::Future<tether::Response>> futures;
  std::vector<std::string> tags;
  for (int i = 0; i < 20; ++i) {
    tags.push_back(unique_tag());
    futures.push_back(
        client.get(server.url("/headers-never?" + tags.back()), {.signal = controller.signal()}));
  }
  for (auto& tag : tags) ASSERT_TRUE(server.wait_for_request(tag, kGenerous));
  controller.abort();
  for (auto& f : futures) {
    ASSERT_TRUE(f.ready());
    EXPECT_TRUE(f.result().error().is_cancel());
  }
  for (auto& tag : tags) EXPECT_TRUE(server.wait_for_client_close(tag, kGenerous));
}

TEST_F(Fixture, NothingIsLeftBehindAfterManyAborts) {
  auto timers_before = tether::detail::TimerService::instance().pending();
  AbortController long_lived;  // shared by every request, never aborted
  for (int round = 0; round < 30; ++round) {
    const char* paths[] = {"/headers-never", "/stall", "/drip?bytes=50&interval_ms=10", "/ok"};
    for (const char* path : paths) {
      AbortController controller;
      auto tag = unique_tag();
      std::string url = server.url(
          std::string(path) + (std::string(path).find('?') == std::string::npos ? "?" : "&") + tag);
      RequestConfig config{.url = url,
                           .signal = tether::AbortSignal::any(
                               {controller.signal(), long_lived.signal(),
                                tether::AbortSignal::timeout(std::chrono::hours(1))})};
      config.idle_timeout = std::chrono::hours(1);
      auto future = client.request(std::move(config));
      if (round % 3 != 0) server.wait_for_request(tag, kGenerous);
      controller.abort();
      (void)future.result();
    }
  }
  auto& engine = tether::detail::ClientAccess::engine(client);
  for (int i = 0; i < 5000 && engine.active_transfers() > 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(engine.active_transfers(), 0u);
  EXPECT_EQ(engine.idle_timers(), 0u);
  EXPECT_EQ(tether::detail::listener_count(long_lived.signal()), 0u);
  EXPECT_EQ(tether::detail::TimerService::instance().pending(), timers_before);
  auto next = client.get(server.url("/ok")).result();
  ASSERT_TRUE(next);
  EXPECT_EQ(next.value().data.text(), "ok");
}

TEST_F(Fixture, AnAbortedConnectionIsNotReused) {
  auto tag = unique_tag();
  AbortController controller;
  auto future = client.get(server.url("/stall?" + tag), {.signal = controller.signal()});
  ASSERT_TRUE(server.wait_for_request(tag, kGenerous));
  controller.abort();
  ASSERT_TRUE(server.wait_for_client_close(tag, kGenerous));
  auto next = client.get(server.url("/ok?after")).result();
  ASSERT_TRUE(next);
  EXPECT_EQ(server.accepted_count(), 2u);
}

TEST(ClientLifetime, DestroyingTheClientCancelsRequestsInFlight) {
  TestServer server;
  auto tag = unique_tag();
  tether::Future<tether::Response> future;
  {
    Client client;
    future = client.get(server.url("/headers-never?" + tag));
    ASSERT_TRUE(server.wait_for_request(tag, kGenerous));
  }
  ASSERT_TRUE(future.ready());
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  ASSERT_TRUE(result.error().reason());
  EXPECT_EQ(result.error().reason()->message, "client destroyed");
  EXPECT_TRUE(server.wait_for_client_close(tag, kGenerous));
}

TEST(ClientLifetime, ContinuationsStillRunAfterTheClientIsGone) {
  TestServer server;
  tether::Future<int> chained;
  {
    Client client;
    chained = client.get(server.url("/headers-never"))
                  .then([](tether::Response) { return 0; },
                        [](const tether::Error& e) { return e.is_cancel() ? 1 : 2; });
  }
  EXPECT_EQ(chained.get(), 1);
}
