#include "tether/future.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/manual_executor.hpp"
#include "tether/abort.hpp"

using namespace std::chrono_literals;
using tether::Error;
using tether::ErrorCode;
using tether::Future;
using tether::Promise;
using tether::test::ManualExecutor;

static_assert(!std::is_copy_constructible_v<Future<int>>);
static_assert(std::is_nothrow_move_constructible_v<Future<int>>);

namespace {

// A minimal coroutine type: eager, result reported through a std::promise.
template <class T>
struct Task {
  struct promise_type {
    std::promise<T> result;
    Task get_return_object() { return Task{result.get_future()}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_value(T v) { result.set_value(std::move(v)); }
    void unhandled_exception() { result.set_exception(std::current_exception()); }
  };
  std::future<T> result;
};

}  // namespace

TEST(Future, GetReturnsTheValue) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_FALSE(f.ready());
  EXPECT_TRUE(p.set_value(42));
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(f.get(), 42);
  EXPECT_FALSE(f.valid());
}

TEST(Future, GetThrowsTheError) {
  Promise<std::string> p;
  auto f = p.get_future();
  p.set_error(Error(ErrorCode::Network, "Network Error"));
  try {
    f.get();
    FAIL() << "did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Network);
  }
}

TEST(Future, ResultDoesNotThrow) {
  Promise<int> ok, bad;
  auto f1 = ok.get_future();
  auto f2 = bad.get_future();
  ok.set_value(1);
  bad.set_error(Error::canceled({}));
  auto r1 = f1.result();
  auto r2 = f2.result();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1.value(), 1);
  ASSERT_FALSE(r2);
  EXPECT_TRUE(r2.error().is_cancel());
  EXPECT_THROW(r2.value(), Error);
  EXPECT_THROW((void)r1.error(), Error);
}

TEST(Future, SettledExactlyOnce) {
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_TRUE(p.set_value(1));
  EXPECT_FALSE(p.set_value(2));
  EXPECT_FALSE(p.set_error(Error::canceled({})));
  EXPECT_EQ(f.get(), 1);
}

TEST(Future, WaitForTimesOutThenSucceeds) {
  Promise<void> p;
  auto f = p.get_future();
  EXPECT_FALSE(f.wait_for(10ms));
  EXPECT_FALSE(f.wait_for(std::chrono::microseconds(10)));
  p.set_value();
  EXPECT_TRUE(f.wait_for(0s));
  EXPECT_NO_THROW(f.get());
}

TEST(Future, SettlingWakesABlockedGet) {
  Promise<int> p;
  auto f = p.get_future();
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    EXPECT_EQ(f.get(), 7);
    returned = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(returned);
  p.set_value(7);
  waiter.join();
  EXPECT_TRUE(returned);
}

TEST(Future, AbortSettlesAtOnceAndWakesGet) {
  // The pattern the engine uses: the abort callback settles the future.
  tether::AbortController controller;
  auto promise = std::make_shared<Promise<int>>();
  auto f = promise->get_future();
  auto reg = controller.signal().on_abort(
      [promise](const tether::AbortReason& r) { promise->set_error(Error::canceled(r)); });
  std::thread aborter([&] {
    std::this_thread::sleep_for(10ms);
    controller.abort();
  });
  auto r = f.result();
  aborter.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_cancel());
  EXPECT_FALSE(promise->set_value(1));  // a late completion loses
}

TEST(Future, DroppedPromiseSettlesWithAnError) {
  Future<int> f;
  { f = Promise<int>().get_future(); }
  auto r = f.result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Unknown);
}

TEST(Future, MisuseIsAClearError) {
  Future<int> empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_THROW(empty.get(), Error);
  Promise<int> p;
  auto f = p.get_future();
  EXPECT_THROW(p.get_future(), Error);
  p.set_value(1);
  f.get();
  EXPECT_THROW(f.get(), Error);  // consumed
}

TEST(Future, ThenRunsOnTheExecutorNeverInsideSetValue) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  bool ran = false;
  auto g = p.get_future().then([&](int v) {
    ran = true;
    EXPECT_TRUE(ex->running_in_this_thread());
    return v * 2;
  });
  p.set_value(21);
  EXPECT_FALSE(ran);  // not inline in set_value
  EXPECT_EQ(ex->run_all(), 1u);
  EXPECT_TRUE(ran);
  ASSERT_TRUE(g.ready());
  EXPECT_EQ(g.get(), 42);
}

TEST(Future, ThenAttachedAfterSettlementIsStillPosted) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  p.set_value(1);
  bool ran = false;
  auto g = p.get_future().then([&](int v) {
    ran = true;
    return v + 1;
  });
  EXPECT_FALSE(ran);  // not inline in then()
  ex->run_all();
  EXPECT_TRUE(ran);
  EXPECT_EQ(g.get(), 2);
}

TEST(Future, ContinuationsRunOnTheExecutorThread) {
  Promise<int> p;  // default executor: a thread of its own
  auto caller = std::this_thread::get_id();
  auto g = p.get_future().then([&](int) { return std::this_thread::get_id(); });
  p.set_value(0);
  EXPECT_NE(g.get(), caller);
}

TEST(Future, ErrorSkipsThenAndReachesCatchError) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  bool then_ran = false;
  auto g = p.get_future()
               .then([&](int v) {
                 then_ran = true;
                 return v;
               })
               .catch_error([](const Error& e) { return e.is_cancel() ? -1 : -2; });
  p.set_error(Error::canceled({}));
  ex->run_all();
  EXPECT_FALSE(then_ran);
  EXPECT_EQ(g.get(), -1);
}

TEST(Future, CatchErrorPassesValuesThrough) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto g = p.get_future().catch_error([](const Error&) { return 0; });
  p.set_value(5);
  ex->run_all();
  EXPECT_EQ(g.get(), 5);
}

TEST(Future, ThenWithBothCallbacks) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> ok(ex), bad(ex);
  auto on_value = [](int v) { return std::to_string(v); };
  auto on_error = [](const Error& e) { return std::string("error: ") + e.what(); };
  auto a = ok.get_future().then(on_value, on_error);
  auto b = bad.get_future().then(on_value, on_error);
  ok.set_value(3);
  bad.set_error(Error(ErrorCode::Network, "Network Error"));
  ex->run_all();
  EXPECT_EQ(a.get(), "3");
  EXPECT_EQ(b.get(), "error: Network Error");
}

TEST(Future, ThrowingCallbackBecomesTheError) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p1(ex), p2(ex);
  auto a = p1.get_future().then([](int) -> int { throw std::runtime_error("boom"); });
  auto b = p2.get_future().then([](int) -> int { throw Error(ErrorCode::BadResponse, "bad"); });
  p1.set_value(0);
  p2.set_value(0);
  ex->run_all();
  auto ra = a.result();
  ASSERT_FALSE(ra);
  EXPECT_EQ(ra.error().code(), ErrorCode::Unknown);
  EXPECT_STREQ(ra.error().what(), "boom");
  auto rb = b.result();
  ASSERT_FALSE(rb);
  EXPECT_EQ(rb.error().code(), ErrorCode::BadResponse);
}

TEST(Future, CatchErrorMayRethrow) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto g = p.get_future().catch_error([](const Error& e) -> int { throw e; });
  p.set_error(Error(ErrorCode::Timeout, "timeout of 5ms exceeded"));
  ex->run_all();
  auto r = g.result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Timeout);
}

TEST(Future, ThenReturningAFutureIsFlattened) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> first(ex);
  Promise<std::string> second(ex);
  Future<std::string> inner = second.get_future();
  Future<std::string> g = first.get_future().then([&](int) { return std::move(inner); });
  first.set_value(1);
  ex->run_all();
  EXPECT_FALSE(g.ready());
  second.set_value("done");
  ex->run_all();
  EXPECT_EQ(g.get(), "done");
}

TEST(Future, VoidChains) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<void> p(ex);
  int steps = 0;
  auto g = p.get_future().then([&] { ++steps; }).then([&] {
    ++steps;
    return steps;
  });
  p.set_value();
  ex->run_all();
  EXPECT_EQ(g.get(), 2);
}

TEST(Future, MoveOnlyValues) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<std::unique_ptr<int>> p(ex);
  auto g = p.get_future().then([](std::unique_ptr<int> v) { return *v + 1; });
  p.set_value(std::make_unique<int>(41));
  ex->run_all();
  EXPECT_EQ(g.get(), 42);
}

TEST(Future, GetOnTheExecutorThreadThrowsInsteadOfDeadlocking) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> outer(ex), pending(ex);
  auto never = pending.get_future();
  std::optional<ErrorCode> code;
  auto g = outer.get_future().then([&](int) {
    try {
      never.get();
    } catch (const Error& e) {
      code = e.code();
    }
    return 0;
  });
  outer.set_value(0);
  ex->run_all();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, ErrorCode::BadOptionValue);
}

TEST(Future, ReadyHelpers) {
  EXPECT_EQ(tether::make_ready_future(3).get(), 3);
  EXPECT_NO_THROW(tether::make_ready_future().get());
  EXPECT_THROW(tether::make_error_future<int>(Error::canceled({})).get(), Error);
}

// --- co_await ---

namespace {
Task<int> add_one(Future<int>& f, std::shared_ptr<ManualExecutor> ex, bool& resumed_on_executor) {
  int v = co_await f;
  resumed_on_executor = ex->running_in_this_thread();
  co_return v + 1;
}

Task<std::string> describe(Future<int>& f) {
  try {
    co_await f;
    co_return "value";
  } catch (const Error& e) {
    co_return std::string("caught ") + tether::to_string(e.code());
  }
}
}  // namespace

TEST(FutureCoroutine, CoAwaitResumesOnTheExecutorWithTheValue) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = p.get_future();
  bool on_executor = false;
  auto task = add_one(f, ex, on_executor);
  EXPECT_EQ(task.result.wait_for(0s), std::future_status::timeout);
  p.set_value(41);
  EXPECT_EQ(task.result.wait_for(0s), std::future_status::timeout);  // not inline
  ex->run_all();
  EXPECT_EQ(task.result.get(), 42);
  EXPECT_TRUE(on_executor);
}

TEST(FutureCoroutine, CoAwaitOnASettledFutureStillResumesOnTheExecutor) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  p.set_value(1);
  auto f = p.get_future();
  bool on_executor = false;
  auto task = add_one(f, ex, on_executor);
  ex->run_all();
  EXPECT_EQ(task.result.get(), 2);
  EXPECT_TRUE(on_executor);
}

TEST(FutureCoroutine, CoAwaitThrowsTheError) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = p.get_future();
  auto task = describe(f);
  p.set_error(Error::canceled({}));
  ex->run_all();
  EXPECT_EQ(task.result.get(), "caught ERR_CANCELED");
}

TEST(FutureCoroutine, CoAwaitAcrossThreads) {
  Promise<int> p;  // default executor thread
  auto f = p.get_future();
  auto ex = std::make_shared<ManualExecutor>();  // only used for the flag
  bool unused = false;
  auto task = add_one(f, ex, unused);
  std::thread t([&] { p.set_value(9); });
  t.join();
  EXPECT_EQ(task.result.get(), 10);
}
