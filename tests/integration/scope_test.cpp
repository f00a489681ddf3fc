// tether::Scope against the project's test server: closing aborts what runs
// (at the socket), waits, and nothing of the scope runs after it; nesting,
// parent signals, when_all and Latest under a scope.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::Error;
using tether::Future;
using tether::Response;
using tether::Scope;
using tether::test::fails;
using tether::test::ok;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

std::string reason_message(const Error& e) {
  return e.reason() ? e.reason()->message : "";
}

struct ScopeIntegration : ::testing::Test {
  TestServer server;
  Client client;
};

TEST_F(ScopeIntegration, ClosingAbortsInFlightRequestsAtTheSocket) {
  std::optional<Future<Response>> f;
  {
    Scope scope;
    f.emplace(scope.get(client, server.url("/headers-never?t=close1")));
    ASSERT_TRUE(server.wait_for_request("t=close1", kGenerous));
  }
  // Settled when the destructor returned.
  ASSERT_TRUE(f->ready());
  Error e = fails(std::move(*f));
  EXPECT_TRUE(e.is_cancel());
  EXPECT_EQ(reason_message(e), "scope closed");
  EXPECT_TRUE(server.wait_for_client_close("t=close1", kGenerous));
}

TEST_F(ScopeIntegration, ARequestOnAClosedScopeOpensNothing) {
  auto parent = std::make_unique<Scope>();
  Scope child(*parent);
  parent.reset();
  Error e = fails(child.get(client, server.url("/ok")));
  EXPECT_TRUE(e.is_cancel());
  EXPECT_EQ(e.phase(), tether::RequestPhase::Queued);
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(ScopeIntegration, TheRequestsOwnSignalStillCancels) {
  Scope scope;
  tether::AbortController mine;
  auto f = scope.get(client, server.url("/headers-never?t=own"), {.signal = mine.signal()});
  ASSERT_TRUE(server.wait_for_request("t=own", kGenerous));
  mine.abort({"AbortError", "mine"});
  Error e = fails(std::move(f));
  EXPECT_EQ(reason_message(e), "mine");
  EXPECT_FALSE(scope.aborted());
}

TEST_F(ScopeIntegration, DestructionWaitsForARunningContinuation) {
  auto scope = std::make_unique<Scope>();
  std::atomic<bool> started{false}, closing{false}, finished{false};
  auto out = scope->then(scope->get(client, server.url("/ok")), [&](Response r) {
    started = true;
    while (!closing) std::this_thread::yield();
    auto until = std::chrono::steady_clock::now() + 50ms;
    while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
    finished = true;
    return r.status;
  });
  while (!started) std::this_thread::yield();
  closing = true;
  scope.reset();
  EXPECT_TRUE(finished) << "the destructor returned while its continuation ran";
  EXPECT_EQ(out.get(), 200);
}

TEST_F(ScopeIntegration, PerRequestCallbacksAreTheScopes) {
  std::atomic<int> chunks{0};
  {
    Scope scope;
    auto f = scope.get(client, server.url("/drip?bytes=50&interval_ms=20&t=drip"),
                       {.on_data = [&](std::string_view) { ++chunks; }});
    ASSERT_TRUE(server.wait_for_request("t=drip", kGenerous));
    while (chunks == 0) std::this_thread::yield();
  }
  int seen = chunks;
  // Nothing of the scope's runs after it: give a late chunk a chance to show up.
  auto f = client.get(server.url("/ok"));
  EXPECT_EQ(ok(std::move(f)).status, 200);
  EXPECT_EQ(chunks.load(), seen);
}

TEST_F(ScopeIntegration, DestroyedOnTheEngineThreadWithoutDeadlock) {
  auto scope = std::make_unique<Scope>();
  std::atomic<bool> late_ran{false};
  auto pending = scope->get(client, server.url("/headers-never?t=engine"));
  auto late = scope->then(std::move(pending), [&](Response) { late_ran = true; });
  ASSERT_TRUE(server.wait_for_request("t=engine", kGenerous));
  // A plain continuation (not the scope's) on the engine thread closes it.
  auto done = client.get(server.url("/ok")).then([&](Response) { scope.reset(); });
  EXPECT_TRUE(done.wait_for(kGenerous));
  done.get();
  auto r = late.result();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_cancel());
  EXPECT_FALSE(late_ran);
}

TEST_F(ScopeIntegration, DestroyedFromItsOwnContinuation) {
  auto scope = std::make_unique<Scope>();
  auto other = scope->get(client, server.url("/headers-never?t=self"));
  auto out = scope->then(scope->get(client, server.url("/ok")), [&](Response r) {
    scope.reset();
    return r.status;
  });
  ASSERT_TRUE(out.wait_for(kGenerous));
  EXPECT_EQ(out.get(), 200);
  EXPECT_TRUE(fails(std::move(other)).is_cancel());
  EXPECT_TRUE(server.wait_for_client_close("t=self", kGenerous));
}

TEST_F(ScopeIntegration, NestedScopes) {
  Scope parent;
  auto outer = parent.get(client, server.url("/headers-never?t=outer"));
  {
    Scope child(parent);
    auto inner = child.get(client, server.url("/headers-never?t=inner"));
    ASSERT_TRUE(server.wait_for_request("t=inner", kGenerous));
  }
  // The child's requests ended with it; the parent's go on.
  EXPECT_TRUE(server.wait_for_client_close("t=inner", kGenerous));
  EXPECT_FALSE(outer.ready());
  Scope child(parent);
  auto inner = child.get(client, server.url("/headers-never?t=inner2"));
  parent.abort({"AbortError", "leaving the page"});
  Error e = fails(std::move(inner));
  EXPECT_EQ(reason_message(e), "leaving the page");
  EXPECT_TRUE(fails(std::move(outer)).is_cancel());
}

TEST_F(ScopeIntegration, UnderAParentSignal) {
  tether::AbortController page;
  Scope scope(page.signal());
  auto f = scope.get(client, server.url("/headers-never?t=parent"));
  ASSERT_TRUE(server.wait_for_request("t=parent", kGenerous));
  page.abort({"AbortError", "navigated away"});
  EXPECT_EQ(reason_message(fails(std::move(f))), "navigated away");
  EXPECT_TRUE(server.wait_for_client_close("t=parent", kGenerous));
}

TEST_F(ScopeIntegration, WhenAllAbortsTheOthersAtTheServer) {
  Scope scope;
  std::vector<Future<Response>> fs;
  fs.push_back(scope.get(client, server.url("/headers-never?t=all-a")));
  fs.push_back(scope.get(client, server.url("/headers-never?t=all-b")));
  ASSERT_TRUE(server.wait_for_request("t=all-a", kGenerous));
  ASSERT_TRUE(server.wait_for_request("t=all-b", kGenerous));
  fs.push_back(scope.get(client, server.url("/status/500")));
  auto all = scope.when_all(std::move(fs));
  ASSERT_TRUE(all.wait_for(kGenerous));
  auto r = all.result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), tether::ErrorCode::BadResponse);
  EXPECT_TRUE(server.wait_for_client_close("t=all-a", kGenerous));
  EXPECT_TRUE(server.wait_for_client_close("t=all-b", kGenerous));
}

TEST_F(ScopeIntegration, LatestUnderAScope) {
  auto scope = std::make_unique<Scope>();
  tether::Latest latest(scope->signal());
  auto first = scope->get(client, server.url("/headers-never?t=l1"), {.signal = latest.next()});
  auto second = scope->get(client, server.url("/headers-never?t=l2"), {.signal = latest.next()});
  EXPECT_EQ(reason_message(fails(std::move(first))), "superseded by a newer request");
  ASSERT_TRUE(server.wait_for_request("t=l2", kGenerous));
  scope.reset();
  EXPECT_EQ(reason_message(fails(std::move(second))), "scope closed");
  EXPECT_TRUE(server.wait_for_client_close("t=l2", kGenerous));
  EXPECT_TRUE(latest.next().aborted());
}

}  // namespace
