// tether::Scope without a network: guarded continuations, closing, nesting,
// parent signals, Latest under a scope; and the deadline helpers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "patterns/deadline.hpp"
#include "support/manual_executor.hpp"
#include "tether/latest.hpp"
#include "tether/scope.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Error;
using tether::Future;
using tether::Promise;
using tether::Scope;
using tether::test::ManualExecutor;

namespace {

constexpr auto kGenerous = 10s;

std::string reason_message(const Error& e) {
  return e.reason() ? e.reason()->message : "";
}

TEST(Scope, ContinuationRunsWhileOpen) {
  auto ex = std::make_shared<ManualExecutor>();
  Scope scope;
  Promise<int> p(ex);
  auto out = scope.then(p.get_future(), [](int v) { return v + 1; });
  p.set_value(41);
  ex->run_all();
  ASSERT_TRUE(out.ready());
  EXPECT_EQ(out.get(), 42);
}

TEST(Scope, NoContinuationRunsAfterClose) {
  auto ex = std::make_shared<ManualExecutor>();
  std::atomic<int> ran{0};
  Promise<int> p(ex);
  Promise<int> q(ex);
  std::optional<Future<int>> out;
  std::optional<Future<int>> recovered;
  {
    Scope scope;
    out.emplace(scope.then(p.get_future(), [&](int v) { return ++ran + v; }));
    recovered.emplace(scope.catch_error(q.get_future(), [&](const Error&) { return ++ran; }));
  }
  p.set_value(1);
  q.set_error(Error(tether::ErrorCode::Network, "boom"));
  ex->run_all();
  EXPECT_EQ(ran.load(), 0);
  auto r = out->result();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_cancel());
  EXPECT_EQ(reason_message(r.error()), "scope closed");
  auto r2 = recovered->result();
  ASSERT_FALSE(r2);
  EXPECT_TRUE(r2.error().is_cancel());
}

TEST(Scope, AbortKeepsContinuationsRunning) {
  auto ex = std::make_shared<ManualExecutor>();
  Scope scope;
  EXPECT_TRUE(scope.abort());
  EXPECT_FALSE(scope.abort());
  EXPECT_TRUE(scope.aborted());
  EXPECT_EQ(scope.signal().reason()->message, "scope aborted");
  Promise<int> p(ex);
  auto out = scope.then(p.get_future(), [](int v) { return v * 2; });
  p.set_value(4);
  ex->run_all();
  EXPECT_EQ(out.get(), 8);
}

TEST(Scope, DestructionWaitsForARunningContinuation) {
  auto ex = std::make_shared<ManualExecutor>();
  auto scope = std::make_unique<Scope>();
  std::atomic<bool> started{false}, closing{false}, finished{false};
  Promise<int> p(ex);
  auto out = scope->then(p.get_future(), [&](int v) {
    started = true;
    while (!closing) std::this_thread::yield();
    // Give a destructor that does not wait every chance to return first.
    auto until = std::chrono::steady_clock::now() + 50ms;
    while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
    finished = true;
    return v;
  });
  p.set_value(1);
  std::thread runner([&] { ex->run_all(); });
  while (!started) std::this_thread::yield();
  closing = true;
  scope.reset();
  EXPECT_TRUE(finished) << "the destructor returned while its continuation ran";
  runner.join();
  EXPECT_EQ(out.get(), 1);
}

TEST(Scope, DestroyedInsideItsOwnContinuation) {
  auto ex = std::make_shared<ManualExecutor>();
  auto scope = std::make_unique<Scope>();
  Promise<int> p(ex);
  Promise<int> later(ex);
  std::atomic<bool> other_ran{false};
  auto other = scope->then(later.get_future(), [&](int v) {
    other_ran = true;
    return v;
  });
  auto out = scope->then(p.get_future(), [&](int v) {
    scope.reset();  // must not wait for itself
    return v + 1;
  });
  p.set_value(1);
  later.set_value(2);
  ex->run_all();
  EXPECT_EQ(out.get(), 2);
  EXPECT_FALSE(other_ran);
  EXPECT_TRUE(other.result().error().is_cancel());
}

// A thread_local Scope is destroyed at thread exit, after whatever thread
// storage its entries used was created (and so destroyed first): closing it
// must not read that storage (ASan saw a use-after-free when it was a vector).
TEST(Scope, AThreadLocalScopeClosesAtThreadExit) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  Future<int> out;
  std::thread([&] {
    thread_local Scope scope;
    out = scope.then(p.get_future(), [](int v) { return v + 1; });
    p.set_value(1);
    ex->run_all();  // the continuation runs on this thread, inside the scope
  }).join();
  ASSERT_TRUE(out.ready());
  EXPECT_EQ(out.get(), 2);
}

// Entries nest on a thread: an inner scope's entry closed from inside an
// outer scope's continuation still lets each close without waiting on itself.
TEST(Scope, NestedEntriesOfTwoScopesOnOneThread) {
  auto ex = std::make_shared<ManualExecutor>();
  auto outer = std::make_unique<Scope>();
  auto inner = std::make_unique<Scope>();
  Promise<int> p(ex);
  auto out = outer->then(p.get_future(), [&](int v) {
    auto guarded = inner->guard([&](int x) {
      inner.reset();  // held by this thread: must not wait for itself
      outer.reset();  // likewise
      return x * 10;
    });
    return guarded(v);
  });
  p.set_value(4);
  ex->run_all();
  EXPECT_EQ(out.get(), 40);
  EXPECT_FALSE(inner);
  EXPECT_FALSE(outer);
}

TEST(Scope, ChildAbortsWithParentNotTheOtherWay) {
  Scope parent;
  {
    Scope child(parent);
    child.abort({"AbortError", "child only"});
    EXPECT_FALSE(parent.aborted());
  }
  EXPECT_FALSE(parent.aborted()) << "a child's destruction leaves the parent alone";
  Scope child(parent);
  parent.abort({"AbortError", "parent"});
  ASSERT_TRUE(child.aborted());
  EXPECT_EQ(child.signal().reason()->message, "parent");
}

TEST(Scope, ParentClosingRefusesTheChildsWork) {
  auto ex = std::make_shared<ManualExecutor>();
  auto parent = std::make_unique<Scope>();
  Scope child(*parent);
  Promise<int> p(ex);
  std::atomic<bool> ran{false};
  auto out = child.then(p.get_future(), [&](int v) {
    ran = true;
    return v;
  });
  parent.reset();
  EXPECT_TRUE(child.aborted());
  p.set_value(1);
  ex->run_all();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(out.result().error().is_cancel());
}

TEST(Scope, HangsUnderASignal) {
  AbortController controller;
  Scope scope(controller.signal());
  EXPECT_FALSE(scope.aborted());
  controller.abort({"AbortError", "from above"});
  ASSERT_TRUE(scope.aborted());
  EXPECT_EQ(scope.signal().reason()->message, "from above");
}

TEST(Scope, DeadlineIsTheEarlierOfItsOwnAndItsParents) {
  auto now = std::chrono::steady_clock::now();
  Scope parent(now + 1s);
  Scope later(parent, now + 5s);
  Scope sooner(parent, now + 100ms);
  Scope none;
  EXPECT_EQ(later.deadline(), now + 1s);
  EXPECT_EQ(sooner.deadline(), now + 100ms);
  EXPECT_FALSE(none.deadline());
}

TEST(Scope, GuardedCallableThrowsCanceledOnceClosed) {
  std::function<int()> fn;
  {
    Scope scope;
    fn = scope.guard([] { return 7; });
    EXPECT_EQ(fn(), 7);
  }
  try {
    fn();
    ADD_FAILURE() << "a closed scope's callable ran";
  } catch (const Error& e) {
    EXPECT_TRUE(e.is_cancel());
  }
}

TEST(Scope, WhenAllFailureAbortsTheScope) {
  auto ex = std::make_shared<ManualExecutor>();
  Scope scope;
  Promise<int> a(ex), b(ex);
  std::vector<Future<int>> fs;
  fs.push_back(a.get_future());
  fs.push_back(b.get_future());
  auto all = scope.when_all(std::move(fs));
  a.set_error(Error(tether::ErrorCode::Network, "first failure"));
  ex->run_all();
  ASSERT_TRUE(scope.aborted());
  EXPECT_NE(scope.signal().reason()->message.find("first failure"), std::string::npos);
  auto r = all.result();
  ASSERT_FALSE(r);
  EXPECT_STREQ(r.error().what(), "first failure");
  b.set_value(2);
  ex->run_all();
}

TEST(Scope, WhenAnyValueAbortsTheScope) {
  auto ex = std::make_shared<ManualExecutor>();
  Scope scope;
  Promise<int> a(ex), b(ex);
  std::vector<Future<int>> fs;
  fs.push_back(a.get_future());
  fs.push_back(b.get_future());
  auto any = scope.when_any(std::move(fs));
  b.set_value(2);
  ex->run_all();
  EXPECT_EQ(any.get(), 2);
  EXPECT_TRUE(scope.aborted());
  a.set_value(1);
  ex->run_all();
}

TEST(LatestUnderScope, AbortsWithTheParent) {
  Scope scope;
  tether::Latest latest(scope.signal());
  auto first = latest.next();
  auto second = latest.next();
  EXPECT_TRUE(first.aborted());
  EXPECT_FALSE(second.aborted());
  EXPECT_EQ(latest.current(), second);
  scope.abort({"AbortError", "page closed"});
  ASSERT_TRUE(second.aborted());
  EXPECT_EQ(second.reason()->message, "page closed");
  auto third = latest.next();
  EXPECT_TRUE(third.aborted()) << "a Latest under an aborted scope hands out aborted signals";
}

TEST(LatestUnderScope, AParentlessLatestIsUnchanged) {
  tether::Latest latest;
  auto s = latest.next();
  EXPECT_FALSE(s.aborted());
  latest.abort();
  EXPECT_TRUE(s.aborted());
  EXPECT_EQ(latest.current(), tether::AbortSignal{});
}

// --- deadline helpers ---

using tether::detail::Limit;

TEST(Deadline, TheEarliestLimitBinds) {
  auto now = std::chrono::steady_clock::now();
  tether::RequestConfig c;
  EXPECT_FALSE(tether::detail::limit_for_try(c, std::nullopt, now));
  c.timeout = 500ms;
  auto left = tether::detail::limit_for_try(c, std::nullopt, now);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->bound, Limit::Timeout);
  EXPECT_EQ(left->left, 500ms);
  c.deadline = now + 200ms;
  left = tether::detail::limit_for_try(c, std::nullopt, now);
  EXPECT_EQ(left->bound, Limit::Deadline);
  EXPECT_EQ(left->left, 200ms);
  c.scope_deadline = now + 100ms;
  left = tether::detail::limit_for_try(c, std::nullopt, now);
  EXPECT_EQ(left->bound, Limit::ScopeDeadline);
  left = tether::detail::limit_for_try(c, now + 50ms, now);
  EXPECT_EQ(left->bound, Limit::WholeTimeout);
  // Half a millisecond left is one, not "no timeout".
  tether::RequestConfig d;
  d.deadline = now + 500us;
  EXPECT_EQ(tether::detail::limit_for_try(d, std::nullopt, now)->left, 1ms);
  d.deadline = now - 1ms;
  EXPECT_LE(tether::detail::limit_for_try(d, std::nullopt, now)->left.count(), 0);
}

TEST(Deadline, HeaderValues) {
  using tether::DeadlineFormat;
  using tether::detail::deadline_header_value;
  EXPECT_EQ(deadline_header_value(1500ms, std::nullopt), "1500");
  EXPECT_EQ(deadline_header_value(-3ms, DeadlineFormat::Milliseconds), "0");
  EXPECT_EQ(deadline_header_value(1500ms, DeadlineFormat::Grpc), "1500m");
  EXPECT_EQ(deadline_header_value(std::chrono::milliseconds(100'000'000), DeadlineFormat::Grpc),
            "100000S");
}

TEST(Deadline, ErrorsFollowAxiosTimeoutCodes) {
  tether::RequestConfig c;
  auto e = tether::detail::deadline_error(c, Limit::Deadline);
  EXPECT_EQ(e.code(), tether::ErrorCode::Timeout);
  EXPECT_STREQ(e.what(), "request deadline exceeded");
  EXPECT_TRUE(e.is_timeout());
  EXPECT_EQ(e.transport(), tether::TransportError::Timeout);
  c.transitional.clarify_timeout_error = true;
  e = tether::detail::deadline_error(c, Limit::ScopeDeadline);
  EXPECT_EQ(e.code(), tether::ErrorCode::TimedOut);
  EXPECT_STREQ(e.what(), "scope deadline exceeded");
}

}  // namespace
