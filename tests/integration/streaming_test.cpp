// Streaming downloads: the status and headers come first (on_response), a
// rejected status is not streamed, and FlowControl pauses and resumes the body
// (back-pressure) while an abort still reaches the socket at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

namespace tether {
namespace {

using namespace std::chrono_literals;
using test::fails;
using test::ok;
using test::TestServer;

constexpr auto kLimit = 30s;

// A request must settle within kLimit; result() after it never blocks.
#define ASSERT_SETTLES(future) ASSERT_TRUE((future).wait_for(kLimit)) << "the request never settled"

bool is_pattern(const std::string& body) {
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != TestServer::pattern_byte(i)) return false;
  }
  return true;
}

class StreamingTest : public ::testing::Test {
 protected:
  TestServer server;
  Client client;
};

TEST_F(StreamingTest, ResponseHeadComesBeforeTheFirstChunk) {
  std::mutex mu;
  std::vector<std::string> events;
  std::string body;
  int status = 0;
  std::string length;
  auto r = ok(client.get(server.url("/bytes/100000"),
                         {.response_type = ResponseType::Stream,
                          .on_response =
                              [&](const ResponseHead& head) {
                                std::lock_guard lock(mu);
                                events.push_back("response");
                                status = head.status;
                                length = head.headers.get("Content-Length").value_or("");
                              },
                          .on_data =
                              [&](std::string_view chunk) {
                                std::lock_guard lock(mu);
                                if (events.empty() || events.back() != "data")
                                  events.push_back("data");
                                body.append(chunk);
                              }}));
  EXPECT_EQ(r.status, 200);
  std::lock_guard lock(mu);
  ASSERT_EQ(events, (std::vector<std::string>{"response", "data"}));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(length, "100000");
  EXPECT_EQ(body.size(), 100000u);
  EXPECT_TRUE(is_pattern(body));
}

TEST_F(StreamingTest, RejectedStatusIsNotStreamedAndKeepsItsBody) {
  std::atomic<int> chunks{0};
  std::atomic<bool> heard{false};
  auto e = fails(client.get(server.url("/status/404?body=missing"),
                            {.response_type = ResponseType::Stream,
                             .on_response = [&](const ResponseHead&) { heard = true; },
                             .on_data = [&](std::string_view) { ++chunks; }}));
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_EQ(chunks.load(), 0);
  EXPECT_FALSE(heard.load());
  ASSERT_TRUE(e.response());
  EXPECT_EQ(e.response()->status, 404);
  EXPECT_EQ(e.response()->data.to_string(), "missing");
}

TEST_F(StreamingTest, ValidateStatusDecidesWhatStreams) {
  std::string body;
  auto r = ok(client.get(server.url("/status/404?body=streamed"),
                         {.response_type = ResponseType::Stream,
                          .validate_status = [](int) { return true; },
                          .on_data = [&](std::string_view chunk) { body.append(chunk); }}));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body, "streamed");
}

TEST_F(StreamingTest, OnResponseThrowingFailsTheRequestWithItsMessage) {
  auto e = fails(client.get(
      server.url("/bytes/1000"),
      {.on_response = [](const ResponseHead&) { throw std::runtime_error("wrong type"); },
       .on_data = [](std::string_view) {}}));
  EXPECT_NE(std::string(e.what()).find("wrong type"), std::string::npos) << e.what();
}

struct StatusCheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST_F(StreamingTest, ValidateStatusThrowingAtTheHeadKeepsItsCause) {
  std::atomic<int> chunks{0};
  auto future = client.get(
      server.url("/bytes/1000"),
      {.validate_status = [](int) -> bool { throw StatusCheckFailed("status table missing"); },
       .on_data = [&](std::string_view) { ++chunks; }});
  ASSERT_SETTLES(future);
  auto e = fails(std::move(future));
  EXPECT_NE(std::string(e.what()).find("status table missing"), std::string::npos) << e.what();
  ASSERT_TRUE(e.cause());
  EXPECT_THROW(std::rethrow_exception(e.cause()), StatusCheckFailed);
  EXPECT_EQ(chunks.load(), 0);
}

TEST_F(StreamingTest, PauseHoldsTheBodyAndResumeDeliversTheRest) {
  constexpr std::size_t kSize = 8 * 1024 * 1024;
  FlowControl flow;
  std::mutex mu;
  std::string body;
  std::promise<void> first;
  bool paused_once = false;
  auto future = client.get(server.url("/bytes/" + std::to_string(kSize)),
                           {.response_type = ResponseType::Stream,
                            .on_data =
                                [&](std::string_view chunk) {
                                  std::lock_guard lock(mu);
                                  body.append(chunk);
                                  if (!paused_once) {
                                    paused_once = true;
                                    flow.pause();  // from inside on_data
                                    first.set_value();
                                  }
                                },
                            .flow = flow});
  ASSERT_EQ(first.get_future().wait_for(kLimit), std::future_status::ready);
  EXPECT_TRUE(flow.paused());
  std::size_t held;
  {
    std::lock_guard lock(mu);
    held = body.size();
  }
  // While paused nothing more arrives, however long the server has to send
  // the rest (a loopback transfer of 8 MiB would otherwise be long done).
  EXPECT_FALSE(future.wait_for(500ms));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(body.size(), held);
  }
  flow.resume();  // from another thread: wakes the engine through its mailbox
  auto r = ok(std::move(future));
  EXPECT_EQ(r.status, 200);
  std::lock_guard lock(mu);
  EXPECT_EQ(body.size(), kSize);
  EXPECT_TRUE(is_pattern(body));
}

TEST_F(StreamingTest, PauseAndResumeManyTimes) {
  constexpr std::size_t kSize = 2 * 1024 * 1024;
  FlowControl flow;
  std::atomic<std::size_t> received{0};
  std::atomic<int> pauses{0};
  std::mutex mu;
  std::condition_variable cv;
  bool pause_seen = false;  // guarded by mu
  bool done = false;        // guarded by mu
  // Every chunk pauses; a second thread resumes whenever it hears of a pause.
  auto future = client.get(server.url("/bytes/" + std::to_string(kSize)),
                           {.response_type = ResponseType::Stream,
                            .on_data =
                                [&](std::string_view chunk) {
                                  received += chunk.size();
                                  ++pauses;
                                  flow.pause();
                                  {
                                    std::lock_guard lock(mu);
                                    pause_seen = true;
                                  }
                                  cv.notify_one();
                                },
                            .flow = flow});
  std::thread resumer([&] {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return pause_seen || done; });
      if (done) return;
      pause_seen = false;
      lock.unlock();
      flow.resume();
      lock.lock();
    }
  });
  bool settled = future.wait_for(kLimit);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_one();
  resumer.join();
  ASSERT_TRUE(settled) << "the request never settled";
  auto r = future.result();
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(received.load(), kSize);
  EXPECT_GT(pauses.load(), 1);
}

TEST_F(StreamingTest, AbortOfAPausedTransferReachesTheSocket) {
  FlowControl flow;
  AbortController controller;
  std::promise<void> first;
  std::atomic<bool> once{false};
  auto future = client.get(server.url("/bytes/8388608?t=paused-abort"),
                           {.signal = controller.signal(),
                            .response_type = ResponseType::Stream,
                            .on_data =
                                [&](std::string_view) {
                                  if (!once.exchange(true)) {
                                    flow.pause();
                                    first.set_value();
                                  }
                                },
                            .flow = flow});
  ASSERT_EQ(first.get_future().wait_for(kLimit), std::future_status::ready);
  controller.abort();
  auto e = fails(std::move(future));
  EXPECT_EQ(e.code(), ErrorCode::Canceled);
  EXPECT_TRUE(server.wait_for_client_close("paused-abort", kLimit));
}

TEST_F(StreamingTest, PausedTransferDoesNotTripTheIdleTimeout) {
  FlowControl flow;
  std::promise<void> first;
  std::atomic<bool> once{false};
  std::atomic<std::size_t> received{0};
  auto future = client.get(server.url("/bytes/4194304"), {.response_type = ResponseType::Stream,
                                                          .idle_timeout = 200ms,
                                                          .on_data =
                                                              [&](std::string_view chunk) {
                                                                received += chunk.size();
                                                                if (!once.exchange(true)) {
                                                                  flow.pause();
                                                                  first.set_value();
                                                                }
                                                              },
                                                          .flow = flow});
  ASSERT_EQ(first.get_future().wait_for(kLimit), std::future_status::ready);
  // Paused for longer than the idle timeout: the user's choice, not a stall.
  EXPECT_FALSE(future.wait_for(600ms));
  flow.resume();
  ASSERT_SETTLES(future);
  auto r = future.result();
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(received.load(), 4194304u);
}

TEST_F(StreamingTest, OneFlowControlDrivesTwoRequests) {
  constexpr std::size_t kSize = 4 * 1024 * 1024;
  FlowControl flow;
  flow.pause();  // both hold their first chunk until resume()
  std::atomic<std::size_t> first{0};
  std::atomic<std::size_t> second{0};
  auto request = [&](std::atomic<std::size_t>& received) {
    return client.get(server.url("/bytes/" + std::to_string(kSize)),
                      {.response_type = ResponseType::Stream,
                       .on_data = [&](std::string_view chunk) { received += chunk.size(); },
                       .flow = flow});
  };
  auto a = request(first);
  auto b = request(second);
  // Time for both to reach their first chunk and pause on it.
  EXPECT_FALSE(a.wait_for(300ms));
  EXPECT_FALSE(b.wait_for(1ms));
  EXPECT_EQ(first.load() + second.load(), 0u);
  flow.resume();  // wakes both
  ASSERT_SETTLES(a);
  ASSERT_SETTLES(b);
  EXPECT_EQ(ok(std::move(a)).status, 200);
  EXPECT_EQ(ok(std::move(b)).status, 200);
  EXPECT_EQ(first.load(), kSize);
  EXPECT_EQ(second.load(), kSize);
}

TEST_F(StreamingTest, FlowControlIsReusableAfterItsRequestEnds) {
  FlowControl flow;
  for (int i = 0; i < 2; ++i) {
    std::promise<void> got;
    std::atomic<bool> once{false};
    auto future = client.get(server.url("/bytes/4194304"), {.response_type = ResponseType::Stream,
                                                            .on_data =
                                                                [&](std::string_view) {
                                                                  if (!once.exchange(true)) {
                                                                    flow.pause();
                                                                    got.set_value();
                                                                  }
                                                                },
                                                            .flow = flow});
    ASSERT_EQ(got.get_future().wait_for(kLimit), std::future_status::ready);
    flow.resume();
    ASSERT_SETTLES(future);
    EXPECT_EQ(ok(std::move(future)).status, 200);
  }
}

// A retry would run on_response and on_data again from byte 0 on top of what
// they already had.
TEST_F(StreamingTest, TryThatStreamedPartOfTheBodyIsNotRetried) {
  std::string body;
  std::atomic<int> heads{0};
  auto future = client.get(server.url("/flaky?key=streamed-half&mode=half&fail=1"),
                           {.response_type = ResponseType::Stream,
                            .on_response = [&](const ResponseHead&) { ++heads; },
                            .on_data = [&](std::string_view chunk) { body.append(chunk); },
                            .retry = RetryPolicy{.retries = 2, .delay = 1ms}});
  ASSERT_SETTLES(future);
  auto e = fails(std::move(future));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_NE(std::string(e.what()).find("not retried"), std::string::npos) << e.what();
  EXPECT_EQ(heads.load(), 1);
  EXPECT_EQ(body.size(), 500u);
  EXPECT_TRUE(is_pattern(body));
}

TEST_F(StreamingTest, TryThatFailedBeforeStreamingIsStillRetried) {
  std::string body;
  auto future = client.get(server.url("/flaky?key=streamed-before&fail=1&status=503"),
                           {.response_type = ResponseType::Stream,
                            .on_data = [&](std::string_view chunk) { body.append(chunk); },
                            .retry = RetryPolicy{.retries = 2, .delay = 1ms}});
  ASSERT_SETTLES(future);
  EXPECT_EQ(ok(std::move(future)).status, 200);
  EXPECT_EQ(body, R"({"tries":2})");
}

// The chunk curl held while paused comes through on_write inside
// curl_easy_pause; refusing it must still settle the request.
TEST_F(StreamingTest, OnDataThrowingOnTheChunkHeldWhilePausedSettles) {
  FlowControl flow;
  std::promise<void> first;
  std::atomic<int> calls{0};
  auto future =
      client.get(server.url("/bytes/8388608"), {.response_type = ResponseType::Stream,
                                                .on_data =
                                                    [&](std::string_view) {
                                                      if (++calls == 1) {
                                                        flow.pause();
                                                        first.set_value();
                                                        return;
                                                      }
                                                      throw std::runtime_error("disk full");
                                                    },
                                                .flow = flow});
  ASSERT_EQ(first.get_future().wait_for(kLimit), std::future_status::ready);
  // Time for the next chunk to arrive and be held (nothing settles meanwhile).
  EXPECT_FALSE(future.wait_for(300ms));
  flow.resume();
  ASSERT_SETTLES(future);
  auto e = fails(std::move(future));
  EXPECT_NE(std::string(e.what()).find("disk full"), std::string::npos) << e.what();
  EXPECT_EQ(calls.load(), 2);  // nothing more reached on_data once it threw
}

TEST_F(StreamingTest, MaxContentLengthExceededByTheChunkHeldWhilePausedSettles) {
  FlowControl flow;
  std::promise<void> first;
  std::atomic<std::size_t> received{0};
  auto future = client.get(server.url("/drip?bytes=20&interval_ms=10"),
                           {.response_type = ResponseType::Stream,
                            .max_content_length = 1,
                            .on_data =
                                [&](std::string_view chunk) {
                                  if (received.fetch_add(chunk.size()) == 0) {
                                    flow.pause();
                                    first.set_value();
                                  }
                                },
                            .flow = flow});
  ASSERT_EQ(first.get_future().wait_for(kLimit), std::future_status::ready);
  EXPECT_FALSE(future.wait_for(300ms));
  flow.resume();
  ASSERT_SETTLES(future);
  auto e = fails(std::move(future));
  EXPECT_NE(std::string(e.what()).find("maxContentLength"), std::string::npos) << e.what();
  EXPECT_EQ(received.load(), 1u);
}

}  // namespace
}  // namespace tether
