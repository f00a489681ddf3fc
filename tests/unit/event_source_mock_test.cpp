// EventSource over the test kit's MockTransport (no socket): the last event
// ID as WHATWG defines it, and what close() guarantees about callbacks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "tether/client.hpp"
#include "tether/sse.hpp"
#include "tether/testing.hpp"

namespace tether {
namespace {

using namespace std::chrono_literals;
using testing::MockTransport;
using testing::Reply;

constexpr auto kLimit = 30s;

Reply stream(std::string body) {
  Reply r;
  r.headers.set("Content-Type", "text/event-stream");
  r.body = std::move(body);
  return r;
}

Result<void> settle(EventSource& source) {
  auto done = source.finished();
  if (!done.wait_for(kLimit)) {
    ADD_FAILURE() << "the stream never ended";
    source.close();
  }
  return done.result();
}

TEST(EventSourceMockTest, AnIdWithoutDataIsTheLastEventIdOnceDispatched) {
  auto mock = MockTransport::create();
  // Event "a" has ID 1; then an event with no data sets 2 (dispatched: it
  // counts); then an ID 3 whose blank line never comes (it does not).
  mock->on({}, stream("id: 1\ndata: a\n\nid: 2\n\nid: 3\ndata: cut"));
  Client client({}, {.transport = mock});
  EventSourceOptions options;
  options.max_reconnects = 0;  // the end of the body is a drop: the stream ends
  EventSource source(client, "http://sse.test/stream", std::move(options));
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(source.last_event_id(), "2");
}

TEST(EventSourceMockTest, AReconnectionSendsTheLastDispatchedId) {
  auto mock = MockTransport::create();
  mock->on({}, stream("id: 1\ndata: a\n\nid: 2\n\nid: 3\ndata: cut"), testing::Times::Once);
  Reply stop;
  stop.status = 204;
  mock->on({}, stop);
  Client client({}, {.transport = mock});
  EventSourceOptions options;
  options.retry = 1ms;
  EventSource source(client, "http://sse.test/stream", std::move(options));
  auto outcome = settle(source);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().what();
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_FALSE(sent[0].headers.has("Last-Event-ID"));
  EXPECT_EQ(sent[1].headers.get("Last-Event-ID").value_or(""), "2");
  EXPECT_EQ(source.last_event_id(), "2");
}

// on_error runs on the engine thread when close() is called from another:
// close() must not return before it has finished, and no callback may start
// after it returned.
TEST(EventSourceMockTest, NoCallbackRunsAfterCloseReturns) {
  auto mock = MockTransport::create();
  mock->on({}, stream("data: a\n\n"));  // every connection drops after one event
  Client client({}, {.transport = mock});

  std::mutex mu;
  std::condition_variable cv;
  bool in_on_error = false;
  bool closing = false;
  std::atomic<bool> close_returned{false};
  std::atomic<int> after_close{0};  // callbacks that began or ended after close() returned
  auto observe = [&] {
    if (close_returned.load()) after_close.fetch_add(1);
  };
  EventSourceOptions options;
  options.retry = 1ms;
  options.on_open = [&](const ResponseHead&) { observe(); };
  options.on_event = [&](const SseEvent&) { observe(); };
  options.on_error = [&](const Error&) {
    observe();
    std::unique_lock lock(mu);
    if (!in_on_error) {
      in_on_error = true;
      cv.notify_all();
      // Held until the closer is about to call close(), then a while more
      // (long enough for close() to return unless it waits for this call).
      cv.wait_for(lock, kLimit, [&] { return closing; });
      cv.wait_for(lock, 1s, [&] { return close_returned.load(); });
    }
    observe();
  };
  EventSource source(client, "http://sse.test/stream", std::move(options));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kLimit, [&] { return in_on_error; }));
  }
  std::thread closer([&] {
    {
      std::lock_guard lock(mu);
      closing = true;
      cv.notify_all();
    }
    source.close();
    std::lock_guard lock(mu);
    close_returned = true;
    cv.notify_all();
  });
  closer.join();
  auto outcome = settle(source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_EQ(after_close.load(), 0);
  EXPECT_EQ(source.ready_state(), EventSource::ReadyState::Closed);
}

TEST(EventSourceMockTest, CloseFromInsideACallbackReturnsAtOnce) {
  auto mock = MockTransport::create();
  mock->on({}, stream("data: 1\n\ndata: 2\n\n"));
  Client client({}, {.transport = mock});
  std::vector<std::string> seen;  // engine thread only, read after the end
  std::unique_ptr<EventSource> source;
  std::mutex mu;
  EventSourceOptions options;
  options.on_event = [&](const SseEvent& e) {
    seen.push_back(e.data);
    std::lock_guard lock(mu);
    source->close();  // would wait for itself forever if close() did not know
  };
  {
    std::lock_guard lock(mu);
    source = std::make_unique<EventSource>(client, "http://sse.test/stream", std::move(options));
  }
  auto outcome = settle(*source);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_EQ(seen, std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace tether
