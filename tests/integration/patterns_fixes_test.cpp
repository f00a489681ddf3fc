// Review fixes of issue 14's patterns, each against the project's test server:
// a scope waits for its hedged requests, a hedge never sends what an
// interceptor made non-idempotent twice, a coalesced transfer never runs a
// caller's own callbacks for others, the deadline header counts the queue
// wait, the hedge delay starts when the first copy leaves the queue, an
// interceptor's signal is honoured in the queue, a queue slot is freed only
// once the aborted transfer is cancelled, a hedged success refills the retry
// budget once, and the fair queue and coalescing are heard by the event hook.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "abort/timer_service.hpp"
#include "client/client_core.hpp"
#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Client;
using tether::ClientOptions;
using tether::ErrorCode;
using tether::EventKind;
using tether::Future;
using tether::HedgePolicy;
using tether::RequestConfig;
using tether::Response;
using tether::Scope;
using tether::test::TestServer;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kGenerous = 20s;

std::string unique_key(const char* what) {
  static std::atomic<int> n{0};
  return std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

bool wait_until(const std::function<bool()>& done) {
  auto until = Clock::now() + kGenerous;
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

tether::detail::RequestQueue& queue_of(const Client& client) {
  return *tether::detail::ClientAccess::queue(client);
}

// How many /hedge or /counted requests `key` had, as the server counts them.
int count_of(TestServer& server, const std::string& key) {
  Client counter;
  return std::stoi(counter.get(server.url("/count?key=" + key)).get().data.text());
}

bool received(const TestServer& server, const std::string& tag) {
  for (const auto& c : server.connections()) {
    for (const auto& t : c.targets) {
      if (t.find(tag) != std::string::npos) return true;
    }
  }
  return false;
}

// Holds `client`'s engine thread until the returned gate is opened: nothing
// the engine would run (continuations, posted steps, transfers) runs meanwhile.
class EngineGate {
 public:
  explicit EngineGate(Client& client) {
    auto held = std::make_shared<std::promise<void>>();
    auto held_future = held->get_future();
    client.executor()->post([held, open = open_.get_future().share()] {
      held->set_value();
      open.wait();
    });
    held_future.wait();
  }
  ~EngineGate() { open(); }
  void open() {
    if (!opened_) opened_ = true, open_.set_value();
  }

 private:
  std::promise<void> open_;
  bool opened_ = false;
};

// Every engine task posted before this call has run when it returns (the
// engine runs its queue in order).
void drain(Client& client) {
  auto done = std::make_shared<std::promise<void>>();
  auto ran = done->get_future();
  client.executor()->post([done] { done->set_value(); });
  ran.wait();
}

// --- 1. a scope's close waits for its hedged requests ---

TEST(ScopeHedged, ClosingSettlesAHedgedRequestBeforeItReturns) {
  TestServer server;
  Client client;
  std::string key = unique_key("scope-hedge");
  std::optional<Future<Response>> future;
  std::optional<EngineGate> gate;
  {
    Scope scope;
    // The first copy never answers; the delay keeps the second from going.
    future = scope.get(client, server.url("/hedge?key=" + key),
                       RequestConfig{.hedge = HedgePolicy{.max_extra = 1, .delay = 60s}});
    ASSERT_TRUE(server.wait_for_request(key, kGenerous));
    // Nothing the engine would run later can settle it: ~Scope must have.
    gate.emplace(client);
  }
  EXPECT_TRUE(future->ready()) << "~Scope returned before its hedged request settled";
  gate.reset();
  auto e = tether::test::fails(std::move(*future));
  EXPECT_EQ(e.code(), ErrorCode::Canceled);
  EXPECT_EQ(e.reason()->message, "scope closed");
}

// --- 2. idempotence is checked after the request interceptors, per copy ---

TEST(HedgingFix, AnInterceptorThatMakesItAPostGetsItSentOnce) {
  TestServer server;
  Client client;
  client.interceptors().request.use([](RequestConfig c) {
    if (c.url.find("/hedge") != std::string::npos) c.method = "POST";
    return c;
  });
  std::string key = unique_key("hedge-post");
  // The first copy answers after 800ms; a second copy would have answered at once.
  Response r = tether::test::ok(
      client.get(server.url("/hedge?slow_ms=800&key=" + key),
                 RequestConfig{.hedge = HedgePolicy{.max_extra = 2, .delay = 10ms}}));
  EXPECT_EQ(r.data.text(), "1");
  EXPECT_EQ(r.hedge_copy, 0);
  EXPECT_EQ(count_of(server, key), 1) << "a POST was sent more than once";
}

// --- 3. a coalesced transfer never runs a caller's own callbacks for others ---

TEST(CoalescingFix, ALeadersOwnCallbacksAreNotTheFollowersAfterItsScopeCloses) {
  TestServer server;
  Client client(RequestConfig{}, ClientOptions{.coalesce = {.enabled = true}});
  std::string key = unique_key("coalesce-scope");
  std::string url = server.url("/counted?ms=1000&key=" + key);
  std::atomic<int> leader_calls{0};
  std::optional<Future<Response>> follower;
  {
    Scope scope;
    auto leader = scope.get(client, url, RequestConfig{.validate_status = [&](int status) {
                              ++leader_calls;
                              return status == 200;
                            }});
    follower = client.get(url);
  }  // the leader is aborted (and its callbacks closed) here
  const int at_close = leader_calls.load();
  Response r = tether::test::ok(std::move(*follower));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(leader_calls.load(), at_close);
}

// --- 4. the deadline header is computed when the request leaves the queue ---

TEST(DeadlineFix, TheHeaderCountsTheTimeQueued) {
  TestServer server;
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  const auto start = Clock::now();
  // Holds the only slot for at least 1500ms after `start`.
  auto blocker = client.get(server.url("/counted?ms=1500&key=" + unique_key("blocker")));
  auto queued = client.get(server.url("/echo"), RequestConfig{.deadline = start + 10s,
                                                              .deadline_header = "X-Time-Left"});
  Response r = tether::test::ok(std::move(queued));
  long long sent = std::stoll(r.data.json()["headers"]["x-time-left"].get<std::string>());
  // It left the queue at least 1500ms after `start`: at most 8500ms were left.
  EXPECT_LE(sent, 8500) << "the header was computed when the request entered the queue";
  EXPECT_GT(sent, 0);
  EXPECT_EQ(tether::test::ok(std::move(blocker)).status, 200);
}

// --- 5. the hedge delay starts when the first copy leaves the queue ---

TEST(HedgingFix, NoCopyIsLaunchedWhileTheFirstIsQueued) {
  TestServer server;
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController hold, caller;
  std::string blocker_tag = unique_key("blocker");
  auto blocker = client.get(server.url("/headers-never?" + blocker_tag),
                            RequestConfig{.signal = hold.signal()});
  ASSERT_TRUE(server.wait_for_request(blocker_tag, kGenerous));
  std::string key = unique_key("queued-hedge");
  auto hedged = client.get(server.url("/hedge?key=" + key),
                           RequestConfig{.signal = caller.signal(),
                                         .hedge = HedgePolicy{.max_extra = 1, .delay = 20ms}});
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  // Well past the hedge delay: a timer due then fires after the hedge's would
  // have, and the engine then runs what that one posted first.
  auto later = std::make_shared<std::promise<void>>();
  auto fired = later->get_future();
  tether::detail::TimerService::instance().schedule(Clock::now() + 300ms,
                                                    [later] { later->set_value(); });
  fired.wait();
  drain(client);
  EXPECT_EQ(queue_of(client).waiting(), 1u) << "a second copy went while the first was queued";
  // Once the first copy is sent, the delay runs and the second copy follows.
  hold.abort();
  EXPECT_TRUE(server.wait_for_request(key, kGenerous).has_value());
  EXPECT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  caller.abort();
  EXPECT_EQ(tether::test::fails(std::move(hedged)).code(), ErrorCode::Canceled);
  EXPECT_EQ(tether::test::fails(std::move(blocker)).code(), ErrorCode::Canceled);
}

// --- 6. a signal an interceptor attached is honoured in the queue ---

TEST(QueueFix, AnInterceptorsSignalAbortsQueuedRequestsBeforeTheyStart) {
  TestServer server;
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController controller;
  client.interceptors().request.use([&controller](RequestConfig c) {
    if (c.url.find("after") == std::string::npos) c.signal = controller.signal();
    return c;
  });
  std::string running_tag = unique_key("running");
  auto running = client.get(server.url("/headers-never?" + running_tag));
  ASSERT_TRUE(server.wait_for_request(running_tag, kGenerous));
  // Registered after the running request, before the queued ones: it runs
  // while the queued ones have not heard the abort yet, and waits until the
  // queue has either started one of them or aborted them all.
  std::string queued_tag = unique_key("queued");
  auto registration = controller.signal().on_abort([&](const tether::AbortReason&) {
    wait_until([&] { return queue_of(client).waiting() == 0 || received(server, queued_tag); });
  });
  std::vector<Future<Response>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(client.get(server.url("/ok?" + queued_tag)));
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 5; }));
  controller.abort();
  for (auto& f : queued) EXPECT_EQ(tether::test::fails(std::move(f)).code(), ErrorCode::Canceled);
  EXPECT_EQ(tether::test::fails(std::move(running)).code(), ErrorCode::Canceled);
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok?after"))).status, 200);
  EXPECT_FALSE(received(server, queued_tag)) << "a queued request whose signal fired was sent";
}

// --- 7. an aborted try keeps its slot until its transfer is cancelled ---

TEST(QueueFix, AnAbortedTransferKeepsItsSlotUntilTheEngineCancelsIt) {
  TestServer server;
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1});
  AbortController controller;
  std::string running_tag = unique_key("running");
  auto running = client.get(server.url("/headers-never?" + running_tag),
                            RequestConfig{.signal = controller.signal()});
  ASSERT_TRUE(server.wait_for_request(running_tag, kGenerous));
  std::string queued_tag = unique_key("queued");
  auto queued = client.get(server.url("/ok?" + queued_tag));
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  {
    // The engine cannot cancel the transfer while held: the slot stays taken.
    EngineGate gate(client);
    controller.abort();
    EXPECT_TRUE(running.ready());
    EXPECT_EQ(queue_of(client).waiting(), 1u) << "the slot was freed before the cancel";
    EXPECT_EQ(queue_of(client).running(), 1u);
  }
  EXPECT_EQ(tether::test::ok(std::move(queued)).status, 200);
  EXPECT_EQ(tether::test::fails(std::move(running)).code(), ErrorCode::Canceled);
  EXPECT_TRUE(wait_until([&] { return queue_of(client).running() == 0; }));
}

// --- 8. a hedged success refills the retry budget once ---

TEST(RetryBudgetFix, AHedgedSuccessRefillsOnce) {
  TestServer server;
  Client client(RequestConfig{}, ClientOptions{.retry_budget = tether::RetryBudgetOptions{
                                                   .max_tokens = 10, .token_ratio = 0.5}});
  auto* budget = tether::detail::ClientAccess::retry_budget(client);
  for (int i = 0; i < 4; ++i) budget->try_spend();
  ASSERT_DOUBLE_EQ(budget->tokens(), 6.0);
  RequestConfig config{.retry = tether::RetryPolicy{.retries = 2},
                       .hedge = HedgePolicy{.max_extra = 1, .delay = 60s}};
  EXPECT_EQ(tether::test::ok(client.get(server.url("/ok"), config)).status, 200);
  EXPECT_DOUBLE_EQ(budget->tokens(), 6.5);
}

// --- 10. observability: the fair queue and coalesced followers are heard ---

// What the hook heard (copied: the event's pointers live during the call only).
struct Heard {
  EventKind kind;
  std::uint64_t id;
  std::chrono::microseconds queued{0};  // Finished: the transfer's
};

struct Recorder {
  std::mutex mu;
  std::vector<Heard> heard;
  tether::EventHook hook() {
    return [this](const tether::RequestEvent& e) {
      std::lock_guard lock(mu);
      heard.push_back(
          {e.kind, e.request_id,
           e.transfer ? std::chrono::duration_cast<std::chrono::microseconds>(e.transfer->queued)
                      : std::chrono::microseconds(0)});
    };
  }
  // The request's lifecycle events (phase changes left out).
  std::vector<EventKind> lifecycle_of(std::uint64_t id) {
    std::lock_guard lock(mu);
    std::vector<EventKind> out;
    for (const auto& h : heard) {
      if (h.id == id && h.kind != EventKind::PhaseChanged) out.push_back(h.kind);
    }
    return out;
  }
  std::size_t count(EventKind kind) {
    std::lock_guard lock(mu);
    return static_cast<std::size_t>(std::count_if(
        heard.begin(), heard.end(), [kind](const Heard& h) { return h.kind == kind; }));
  }
};

TEST(QueueFix, TheHookHearsTheQueueAndTheTransferCountsItsTime) {
  TestServer server;
  Recorder recorder;
  Client client(RequestConfig{}, ClientOptions{.max_requests = 1, .on_event = recorder.hook()});
  AbortController hold;
  std::string blocker_tag = unique_key("blocker");
  auto blocker = client.get(server.url("/headers-never?" + blocker_tag),
                            RequestConfig{.signal = hold.signal()});
  ASSERT_TRUE(server.wait_for_request(blocker_tag, kGenerous));
  auto queued = client.get(server.url("/ok?" + unique_key("queued")));
  ASSERT_TRUE(wait_until([&] { return queue_of(client).waiting() == 1; }));
  // The slot frees no sooner than 200ms after the request was queued.
  tether::detail::TimerService::instance().schedule(Clock::now() + 200ms,
                                                    [&hold] { hold.abort(); });
  Response r = tether::test::ok(std::move(queued));
  EXPECT_GE(r.transfer.queued, 200ms) << "TransferInfo::queued leaves out the fair queue";
  EXPECT_EQ(tether::test::fails(std::move(blocker)).code(), ErrorCode::Canceled);
  client = Client();  // its engine is shut down: every event was delivered

  std::uint64_t id = 0;
  {
    std::lock_guard lock(recorder.mu);
    for (const auto& h : recorder.heard) {
      if (h.kind == EventKind::Queued) id = h.id;
    }
  }
  ASSERT_NE(id, 0u) << "no Queued event";
  EXPECT_EQ(recorder.lifecycle_of(id),
            (std::vector<EventKind>{EventKind::Started, EventKind::Queued, EventKind::Dequeued,
                                    EventKind::Finished}));
  std::lock_guard lock(recorder.mu);
  for (const auto& h : recorder.heard) {
    if (h.id == id && h.kind == EventKind::Finished) {
      EXPECT_GE(h.queued, 200ms);
    }
  }
}

TEST(CoalescingFix, AFollowerHasItsOwnStartedAndFinished) {
  TestServer server;
  Recorder recorder;
  Client client(RequestConfig{},
                ClientOptions{.on_event = recorder.hook(), .coalesce = {.enabled = true}});
  std::string key = unique_key("coalesce-events");
  std::string url = server.url("/counted?ms=300&key=" + key);
  auto leader = client.get(url);
  auto follower = client.get(url);
  EXPECT_EQ(tether::test::ok(std::move(leader)).data.text(), "1");
  EXPECT_EQ(tether::test::ok(std::move(follower)).data.text(), "1");
  EXPECT_EQ(count_of(server, key), 1);
  client = Client();  // every event was delivered
  EXPECT_EQ(recorder.count(EventKind::Started), 2u);
  EXPECT_EQ(recorder.count(EventKind::Finished), 2u);
  std::lock_guard lock(recorder.mu);
  ASSERT_EQ(recorder.heard.size() >= 2, true);
  std::vector<std::uint64_t> started;
  for (const auto& h : recorder.heard) {
    if (h.kind == EventKind::Started) started.push_back(h.id);
  }
  ASSERT_EQ(started.size(), 2u);
  EXPECT_NE(started[0], started[1]);
}

}  // namespace
