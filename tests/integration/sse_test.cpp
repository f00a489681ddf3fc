// EventSource against the test server's scripted streams: parsing across
// reads, reconnection with Last-Event-ID and the server's retry delay, the
// responses that stop reconnecting, abort, the idle timeout and the limits.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "support/test_server.hpp"
#include "tether/client.hpp"
#include "tether/sse.hpp"

namespace tether {
namespace {

using namespace std::chrono_literals;
using test::TestServer;

constexpr auto kLimit = 30s;

// Query-string encoding for /sse-script's body (every byte but [A-Za-z0-9]).
std::string encode(std::string_view s) {
  constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// What a stream delivered, waited on by the test thread.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<SseEvent> events;
  std::vector<std::string> errors;
  int opens = 0;

  EventSourceOptions hooks(EventSourceOptions options = {}) {
    options.on_open = [this](const ResponseHead&) {
      std::lock_guard lock(mu);
      ++opens;
      cv.notify_all();
    };
    options.on_event = [this](const SseEvent& e) {
      std::lock_guard lock(mu);
      events.push_back(e);
      cv.notify_all();
    };
    options.on_error = [this](const Error& e) {
      std::lock_guard lock(mu);
      errors.emplace_back(e.what());
      cv.notify_all();
    };
    return options;
  }
  bool wait_events(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kLimit, [&] { return events.size() >= n; });
  }
  bool wait_errors(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kLimit, [&] { return errors.size() >= n; });
  }
  std::vector<std::string> data() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.data);
    return out;
  }
};

Result<void> settle(EventSource& source) {
  auto done = source.finished();
  if (!done.wait_for(kLimit)) {
    ADD_FAILURE() << "the stream never ended";
    source.close();
  }
  return done.result();
}

class SseTest : public ::testing::Test {
 protected:
  TestServer server;
  Client client;
  Recorder rec;
};

TEST_F(SseTest, EventsArriveAcrossSplitReadsWithEveryLineEnd) {
  const std::string body =
      "\xEF\xBB\xBF: comment\r\nevent: greet\r\ndata: hello\r\ndata: world\r\nid: 1\r\n\r\n"
      "data: cr\rdata: only\r\r"
      "event: last\ndata: lf\n\n";
  for (int chunk : {1, 3, 7}) {
    Recorder local;
    EventSourceOptions options = local.hooks();
    options.max_reconnects = 0;  // the script closes after its events
    EventSource source(client,
                       server.url("/sse-script?chunk=" + std::to_string(chunk) +
                                  "&interval_ms=1&body=" + encode(body)),
                       std::move(options));
    ASSERT_TRUE(local.wait_events(3)) << "chunk " << chunk;
    std::lock_guard lock(local.mu);
    EXPECT_EQ(local.events[0], (SseEvent{"greet", "hello\nworld", "1"}));
    EXPECT_EQ(local.events[1], (SseEvent{"message", "cr\nonly", "1"}));
    EXPECT_EQ(local.events[2], (SseEvent{"last", "lf", "1"}));
  }
}

TEST_F(SseTest, ReconnectsWithLastEventIdUntilThe204) {
  EventSourceOptions options = rec.hooks();
  options.retry = 1h;  // the server's retry: 5 must win, or this never ends
  EventSource source(client, server.url("/sse-resume?events=5&per_conn=2&retry=5"),
                     std::move(options));
  auto outcome = settle(source);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().what();
  EXPECT_EQ(rec.data(),
            (std::vector<std::string>{"event 0", "event 1", "event 2", "event 3", "event 4"}));
  EXPECT_EQ(source.last_event_id(), "4");
  EXPECT_EQ(source.connections(), 3);
  EXPECT_EQ(rec.opens, 3);
  EXPECT_EQ(rec.errors.size(), 3u);  // three drops; the fourth connection got the 204
  EXPECT_EQ(server.accepted_count(), 4u);
  EXPECT_EQ(source.ready_state(), EventSource::ReadyState::Closed);
}

TEST_F(SseTest, AGivenLastEventIdResumesTheStream) {
  EventSourceOptions options = rec.hooks();
  options.last_event_id = "2";
  options.retry = 5ms;
  EventSource source(client, server.url("/sse-resume?events=4"), std::move(options));
  ASSERT_TRUE(settle(source).has_value());
  EXPECT_EQ(rec.data(), std::vector<std::string>{"event 3"});
}

TEST_F(SseTest, A204StopsAtOnce) {
  EventSourceOptions options = rec.hooks();
  options.retry = 5ms;
  EventSource source(client, server.url("/sse-script?status=204"), std::move(options));
  ASSERT_TRUE(settle(source).has_value());
  EXPECT_EQ(rec.opens, 0);
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(SseTest, ANon2xxStatusStopsReconnecting) {
  EventSourceOptions options = rec.hooks();
  options.retry = 5ms;
  EventSource source(client, server.url("/status/503"), std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code(), ErrorCode::BadResponse);
  ASSERT_TRUE(outcome.error().response());
  EXPECT_EQ(outcome.error().response()->status, 503);
  EXPECT_EQ(server.accepted_count(), 1u);
  EXPECT_TRUE(rec.errors.empty());
}

// Review fix: a client whose validate_status lets any status through still
// opens a stream on a 2xx only (WHATWG), and does not reconnect.
TEST_F(SseTest, ANon2xxStreamFailsWhateverTheClientsValidateStatus) {
  Client lenient(RequestConfig{.validate_status = [](int) { return true; }});
  EventSourceOptions options = rec.hooks();
  options.retry = 5ms;
  EventSource source(lenient, server.url("/sse-script?status=500&body=" + encode("data: x\n\n")),
                     std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code(), ErrorCode::BadResponse);
  EXPECT_TRUE(rec.events.empty());
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(SseTest, AWrongContentTypeStopsReconnecting) {
  EventSourceOptions options = rec.hooks();
  options.retry = 5ms;
  EventSource source(client,
                     server.url("/sse-script?ctype=text/plain&body=" + encode("data: x\n\n")),
                     std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code(), ErrorCode::BadResponse);
  EXPECT_NE(std::string(outcome.error().what()).find("text/plain"), std::string::npos)
      << outcome.error().what();
  EXPECT_TRUE(rec.events.empty());
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(SseTest, AbortClosesTheSocketAndStopsReconnecting) {
  AbortController controller;
  EventSourceOptions options = rec.hooks();
  options.signal = controller.signal();
  options.retry = 5ms;
  EventSource source(client,
                     server.url("/sse-script?t=abort1&end=stall&body=" + encode("data: first\n\n")),
                     std::move(options));
  ASSERT_TRUE(rec.wait_events(1));
  EXPECT_EQ(source.ready_state(), EventSource::ReadyState::Open);
  controller.abort();
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_TRUE(server.wait_for_client_close("t=abort1", kLimit));
  EXPECT_EQ(server.accepted_count(), 1u);
  EXPECT_TRUE(rec.errors.empty());
}

TEST_F(SseTest, CloseDuringTheReconnectWaitEndsAtOnce) {
  EventSourceOptions options = rec.hooks();
  options.retry = 1h;
  EventSource source(client, server.url("/sse-script?body=" + encode("data: x\n\n")),
                     std::move(options));
  ASSERT_TRUE(rec.wait_errors(1));  // dropped; now waiting an hour
  EXPECT_EQ(source.ready_state(), EventSource::ReadyState::Connecting);
  source.close();
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(SseTest, DestroyingTheEventSourceClosesTheStream) {
  Future<void> done;
  {
    EventSource source(client,
                       server.url("/sse-script?t=dtor&end=stall&body=" + encode("data: x\n\n")),
                       rec.hooks());
    done = source.finished();
    ASSERT_TRUE(rec.wait_events(1));
  }
  ASSERT_TRUE(done.wait_for(kLimit));
  EXPECT_TRUE(done.result().error().is_cancel());
  EXPECT_TRUE(server.wait_for_client_close("t=dtor", kLimit));
}

TEST_F(SseTest, ASilentStreamReconnectsAfterTheIdleTimeout) {
  EventSourceOptions options = rec.hooks();
  options.idle_timeout = 200ms;
  options.retry = 5ms;
  EventSource source(client, server.url("/sse-resume?events=4&per_conn=2&end=stall"),
                     std::move(options));
  ASSERT_TRUE(settle(source).has_value());
  EXPECT_EQ(rec.data(), (std::vector<std::string>{"event 0", "event 1", "event 2", "event 3"}));
  ASSERT_EQ(rec.errors.size(), 2u);
  EXPECT_NE(rec.errors[0].find("idle timeout"), std::string::npos) << rec.errors[0];
}

TEST_F(SseTest, MaxReconnectsEndsWithTheLastError) {
  EventSourceOptions options = rec.hooks();
  options.retry = 5ms;
  options.backoff = 2.0;
  options.max_reconnects = 2;
  EventSource source(client, server.url("/close"), std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code(), ErrorCode::Network);
  EXPECT_NE(std::string(outcome.error().what()).find("gave up after 2"), std::string::npos)
      << outcome.error().what();
  EXPECT_EQ(server.accepted_count(), 3u);
  EXPECT_EQ(rec.errors.size(), 2u);
}

TEST_F(SseTest, WhatOnEventThrowsEndsTheStream) {
  EventSourceOptions options;
  options.retry = 5ms;
  options.on_event = [](const SseEvent&) { throw std::runtime_error("handler broke"); };
  EventSource source(client, server.url("/sse-resume?events=5"), std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_STREQ(outcome.error().what(), "handler broke");
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(SseTest, AnEventOverMaxEventBytesEndsTheStream) {
  EventSourceOptions options = rec.hooks();
  options.retry = 5ms;
  options.max_event_bytes = 64;
  EventSource source(
      client, server.url("/sse-script?end=stall&body=" + encode("data: " + std::string(200, 'x'))),
      std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code(), ErrorCode::BadResponse);
  EXPECT_NE(std::string(outcome.error().what()).find("max_event_bytes"), std::string::npos);
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(SseTest, AbortInsideOnEventSilencesTheRestOfTheChunk) {
  std::vector<std::string> seen;  // engine thread only, read after the end
  AbortController controller;
  EventSourceOptions options;
  options.signal = controller.signal();
  options.on_event = [&](const SseEvent& e) {
    seen.push_back(e.data);
    controller.abort();  // as close() would, from inside a callback
  };
  EventSource source(client, server.url("/sse-script?body=" + encode("data: 1\n\ndata: 2\n\n")),
                     std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_EQ(seen, std::vector<std::string>{"1"});
}

TEST_F(SseTest, AnAbortedSignalOpensNothing) {
  EventSourceOptions options = rec.hooks();
  options.signal = AbortSignal::abort();
  EventSource source(client, server.url("/sse-resume"), std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_EQ(server.accepted_count(), 0u);
}

}  // namespace
}  // namespace tether
