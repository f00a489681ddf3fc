// Hedged requests (issue 14): after the delay a second copy goes out, the
// first success wins and the loser's socket is closed at the server; POST and
// PATCH are never hedged; the budget caps the extra copies; the caller's
// abort aborts every copy.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ClientOptions;
using tether::HedgePolicy;
using tether::RequestConfig;
using tether::Response;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

// How many /hedge or /counted requests `key` had, as the server counts them.
int count_of(Client& client, TestServer& server, const std::string& key) {
  return std::stoi(client.get(server.url("/count?key=" + key)).get().data.text());
}

// The connections whose requests contained `tag`, in accept order.
std::vector<TestServer::Connection> tagged(const TestServer& server, const std::string& tag) {
  std::vector<TestServer::Connection> out;
  for (auto& c : server.connections()) {
    if (std::any_of(c.targets.begin(), c.targets.end(),
                    [&](const std::string& t) { return t.find(tag) != std::string::npos; })) {
      out.push_back(c);
    }
  }
  return out;
}

// Polls the server's records until `pred` holds for the tagged connections.
template <class Pred>
bool wait_tagged(const TestServer& server, const std::string& tag, Pred pred) {
  auto until = std::chrono::steady_clock::now() + kGenerous;
  while (std::chrono::steady_clock::now() < until) {
    if (pred(tagged(server, tag))) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(Hedging, SecondCopyWinsAndTheLosersSocketIsClosed) {
  TestServer server;
  // A client default: every GET of this client is hedged.
  Client client(RequestConfig{.hedge = HedgePolicy{.max_extra = 1, .delay = 20ms}});
  // The first copy never answers; the hedge does, at once.
  tether::AbortController caller;
  Response r =
      client.get(server.url("/hedge?key=win"), RequestConfig{.signal = caller.signal()}).get();
  EXPECT_EQ(r.data.text(), "2");
  EXPECT_EQ(r.hedge_copy, 1);
  // The loser is aborted through the hedge's own controller: the caller's
  // signal is left alone, and the response carries it (not a copy's signal).
  EXPECT_TRUE(r.config.signal == caller.signal());
  EXPECT_FALSE(caller.signal().aborted());
  EXPECT_EQ(count_of(client, server, "win"), 2);
  // The loser (the first connection) is closed by the client, the winner's
  // connection stays for reuse.
  EXPECT_TRUE(wait_tagged(server, "hedge?key=win", [](const auto& conns) {
    return conns.size() == 2 && conns[0].client_closed.has_value();
  }));
  auto conns = tagged(server, "hedge?key=win");
  ASSERT_EQ(conns.size(), 2u);
  EXPECT_FALSE(conns[1].client_closed.has_value());
}

TEST(Hedging, NoCopyWhenTheFirstAnswersBeforeTheDelay) {
  TestServer server;
  Client client;
  Response r = client
                   .get(server.url("/counted?key=quick"),
                        RequestConfig{.hedge = HedgePolicy{.max_extra = 2, .delay = 30s}})
                   .get();
  EXPECT_EQ(r.data.text(), "1");
  EXPECT_EQ(r.hedge_copy, 0);
  EXPECT_EQ(count_of(client, server, "quick"), 1);
}

TEST(Hedging, PostAndPatchAreNeverHedged) {
  TestServer server;
  Client client(RequestConfig{.hedge = HedgePolicy{.max_extra = 3, .delay = 1ms}});
  for (std::string method : {"POST", "PATCH"}) {
    std::string key = "write-" + method;
    RequestConfig config{.method = method, .url = server.url("/hedge?slow_ms=300&key=" + key)};
    config.data = std::string("x");
    Response r = client.request(config).get();
    EXPECT_EQ(r.data.text(), "1") << method;
    EXPECT_EQ(r.hedge_copy, 0) << method;
    EXPECT_EQ(count_of(client, server, key), 1) << method;
  }
}

TEST(Hedging, TheBudgetCapsTheExtraCopies) {
  TestServer server;
  // Two tokens and none earned: two hedges at most, whatever is sent.
  Client client(RequestConfig{}, ClientOptions{.hedge_budget = {.ratio = 0, .max_tokens = 2}});
  HedgePolicy policy{.max_extra = 1, .delay = 5ms};
  std::vector<tether::Future<Response>> futures;
  for (int i = 0; i < 5; ++i) {
    futures.push_back(client.get(server.url("/hedge?slow_ms=1500&key=budget" + std::to_string(i)),
                                 RequestConfig{.hedge = policy}));
  }
  int hedged = 0;
  for (auto& f : futures) hedged += f.get().hedge_copy == 1 ? 1 : 0;
  EXPECT_EQ(hedged, 2);
  int sent = 0;
  for (int i = 0; i < 5; ++i) sent += count_of(client, server, "budget" + std::to_string(i));
  EXPECT_EQ(sent, 7);
}

TEST(Hedging, TheCallersAbortAbortsEveryCopy) {
  TestServer server;
  Client client;
  tether::AbortController controller;
  RequestConfig config{.signal = controller.signal(),
                       .hedge = HedgePolicy{.max_extra = 1, .delay = 10ms}};
  auto future = client.get(server.url("/counted?ms=60000&key=abort"), config);
  ASSERT_TRUE(wait_tagged(server, "counted?ms=60000&key=abort",
                          [](const auto& conns) { return conns.size() == 2; }));
  controller.abort({"AbortError", "user left"});
  ASSERT_TRUE(future.wait_for(kGenerous));
  auto result = future.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  EXPECT_EQ(result.error().reason()->message, "user left");
  EXPECT_TRUE(wait_tagged(server, "counted?ms=60000&key=abort", [](const auto& conns) {
    return conns.size() == 2 && conns[0].client_closed && conns[1].client_closed;
  }));
}

TEST(Hedging, AnErrorAnswerSettlesWhenNoCopyIsLeft) {
  TestServer server;
  Client client;
  auto result = client
                    .get(server.url("/status/404"),
                         RequestConfig{.hedge = HedgePolicy{.max_extra = 1, .delay = 30s}})
                    .result();
  ASSERT_FALSE(result);
  ASSERT_TRUE(result.error().response());
  EXPECT_EQ(result.error().response()->status, 404);
}

TEST(Hedging, ABadPolicyFailsTheRequestAndSendsNothing) {
  TestServer server;
  Client client;
  for (auto policy : {HedgePolicy{.percentile = 1.5}, HedgePolicy{.delay = -1ms}}) {
    auto result =
        client.get(server.url("/counted?key=bad"), RequestConfig{.hedge = policy}).result();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code(), tether::ErrorCode::BadOptionValue);
    EXPECT_NE(std::string(result.error().what()).find("hedge."), std::string::npos);
  }
  EXPECT_EQ(count_of(client, server, "bad"), 0);
}

}  // namespace

namespace {

// The event hook hears a hedge: the extra copy is a request of its own whose
// Started is followed by Hedged (attempt 1), and the losing copy ends Aborted.
TEST(Hedging, TheEventHookHearsTheHedge) {
  TestServer server;
  std::mutex mu;
  std::vector<tether::RequestEvent> events;  // (no pointers kept: copied fields only)
  ClientOptions options;
  options.on_event = [&](const tether::RequestEvent& e) {
    std::lock_guard lock(mu);
    tether::RequestEvent copy;
    copy.kind = e.kind;
    copy.request_id = e.request_id;
    copy.attempt = e.attempt;
    events.push_back(copy);
  };
  Client client(RequestConfig{.hedge = HedgePolicy{.max_extra = 1, .delay = 20ms}},
                std::move(options));
  Response r = client.get(server.url("/hedge?key=events")).get();
  EXPECT_EQ(r.hedge_copy, 1);
  client = Client();  // the old client's engine is shut down: every event was delivered

  std::lock_guard lock(mu);
  auto hedged = std::find_if(events.begin(), events.end(), [](const tether::RequestEvent& e) {
    return e.kind == tether::EventKind::Hedged;
  });
  ASSERT_NE(hedged, events.end());
  EXPECT_EQ(hedged->attempt, 1);
  // Right after the same request's Started.
  ASSERT_NE(hedged, events.begin());
  auto started = std::find_if(events.begin(), hedged, [&](const tether::RequestEvent& e) {
    return e.request_id == hedged->request_id;
  });
  ASSERT_NE(started, hedged);
  EXPECT_EQ(started->kind, tether::EventKind::Started);
  EXPECT_EQ(std::count_if(
                events.begin(), events.end(),
                [](const tether::RequestEvent& e) { return e.kind == tether::EventKind::Hedged; }),
            1);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const tether::RequestEvent& e) {
                            return e.kind == tether::EventKind::Finished;
                          }),
            2);  // one per copy
}

}  // namespace
