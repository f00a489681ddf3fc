// Coroutines returning tether::Future, and the combinators, driven by hand
// through ManualExecutors (no timing, no network).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/manual_executor.hpp"
#include "tether/future.hpp"

using namespace std::chrono_literals;
using tether::Error;
using tether::ErrorCode;
using tether::Future;
using tether::Promise;
using tether::Result;
using tether::test::ManualExecutor;

namespace {

Future<int> twice(Future<int> f) {
  int v = co_await f;
  co_return v * 2;
}

Future<int> sum(Future<int> a, Future<int> b) {
  int x = co_await a;
  int y = co_await b;
  co_return x + y;
}

Future<void> record(Future<int> f, int& out) {
  out = co_await f;
}

Future<int> throws_error(Future<int> f) {
  co_await f;
  throw Error(ErrorCode::BadResponse, "bad one");
}

Future<int> throws_foreign(Future<int> f) {
  co_await f;
  throw std::runtime_error("boom");
}

Future<int> throws_before_awaiting() {
  throw std::logic_error("early");
  co_return 0;
}

Future<std::unique_ptr<int>> move_only(Future<int> f) {
  co_return std::make_unique<int>(co_await f);
}

Future<bool> resumed_on(Future<int> f, std::shared_ptr<ManualExecutor> ex) {
  co_await f;
  co_return ex->running_in_this_thread();
}

// A coroutine awaiting a coroutine.
Future<int> nested(Future<int> f) {
  int v = co_await twice(std::move(f));
  co_return v + 1;
}

// What a coroutine's locals and parameters report when they die: whether the
// coroutine's future was already settled then, and that they died at all.
struct Death {
  Future<int>* future = nullptr;  // set by the caller once the coroutine returned it
  bool died = false;
  bool future_ready_then = false;
};

class Recorder {
 public:
  explicit Recorder(Death& d) : d_(&d) {}
  Recorder(Recorder&& other) noexcept : d_(std::exchange(other.d_, nullptr)) {}
  Recorder& operator=(Recorder&&) = delete;
  ~Recorder() {
    if (!d_) return;  // moved from: the caller's argument, not the coroutine's copy
    d_->died = true;
    d_->future_ready_then = d_->future && d_->future->ready();
  }

 private:
  Death* d_;
};

Future<int> with_local(Future<int> f, Death& d) {
  Recorder local(d);
  co_return co_await f;
}

Future<int> with_parameter(Future<int> f, Recorder) {
  co_return co_await f;
}

Future<int> throws_with_both(Future<int> f, Death& d, Recorder) {
  Recorder local(d);
  co_await f;
  throw Error(ErrorCode::BadResponse, "after the await");
}

template <class T>
std::vector<Future<T>> futures_of(std::vector<Promise<T>>& ps) {
  std::vector<Future<T>> fs;
  for (auto& p : ps) fs.push_back(p.get_future());
  return fs;
}

}  // namespace

TEST(FutureCoroutineReturn, CoReturnsAValueAfterAwaiting) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = twice(p.get_future());
  EXPECT_FALSE(f.ready());
  p.set_value(21);
  EXPECT_FALSE(f.ready());  // resumes on the executor, not inside set_value
  ex->run_all();
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.get(), 42);
}

TEST(FutureCoroutineReturn, SeveralAwaitsAndNesting) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> a(ex), b(ex), c(ex);
  auto s = sum(a.get_future(), b.get_future());
  auto n = nested(c.get_future());
  b.set_value(2);
  c.set_value(5);
  ex->run_all();
  EXPECT_FALSE(s.ready());  // still waits for a
  a.set_value(1);
  ex->run_all();
  EXPECT_EQ(s.get(), 3);
  EXPECT_EQ(n.get(), 11);
}

TEST(FutureCoroutineReturn, VoidCoroutine) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  int out = 0;
  auto f = record(p.get_future(), out);
  p.set_value(7);
  ex->run_all();
  EXPECT_NO_THROW(f.get());
  EXPECT_EQ(out, 7);
}

TEST(FutureCoroutineReturn, AnAwaitedErrorPropagatesAsIs) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = twice(p.get_future());
  p.set_error(Error::canceled({}));
  ex->run_all();
  auto r = f.result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Canceled);
}

TEST(FutureCoroutineReturn, ThrownErrorsBecomeTheFuturesError) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p1(ex), p2(ex);
  auto tether_error = throws_error(p1.get_future());
  auto foreign = throws_foreign(p2.get_future());
  p1.set_value(1);
  p2.set_value(1);
  ex->run_all();
  auto r1 = tether_error.result();
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code(), ErrorCode::BadResponse);
  EXPECT_STREQ(r1.error().what(), "bad one");
  auto r2 = foreign.result();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code(), ErrorCode::Unknown);
  EXPECT_NE(std::string(r2.error().what()).find("boom"), std::string::npos);
  EXPECT_THROW(std::rethrow_exception(r2.error().cause()), std::runtime_error);
}

TEST(FutureCoroutineReturn, ThrowingBeforeTheFirstAwaitFailsTheFuture) {
  auto f = throws_before_awaiting();
  auto r = f.result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Unknown);
  EXPECT_NE(std::string(r.error().what()).find("early"), std::string::npos);
}

TEST(FutureCoroutineReturn, MoveOnlyValue) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = move_only(p.get_future());
  p.set_value(3);
  ex->run_all();
  EXPECT_EQ(*f.get(), 3);
}

TEST(FutureCoroutineReturn, ResumesAndSettlesOnTheAwaitedFuturesExecutor) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = resumed_on(p.get_future(), ex);
  // Continuations of the coroutine's future run where the coroutine finished.
  bool then_on_executor = false;
  auto g = std::move(f).then([&](bool on_executor) {
    then_on_executor = ex->running_in_this_thread();
    return on_executor;
  });
  p.set_value(0);
  ex->run_all();
  ASSERT_TRUE(g.ready());
  EXPECT_TRUE(g.get());
  EXPECT_TRUE(then_on_executor);
}

TEST(FutureCoroutineReturn, BlockingFromTheThreadItResumesOnThrows) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  auto f = twice(p.get_future());
  std::optional<ErrorCode> refused;
  ex->post([&] {
    try {
      f.wait();  // would deadlock: the coroutine resumes on this very thread
    } catch (const Error& e) {
      refused = e.code();
    }
  });
  ex->run_all();
  EXPECT_EQ(refused, ErrorCode::BadOptionValue);
  p.set_value(1);
  ex->run_all();
  EXPECT_EQ(f.get(), 2);
}

TEST(FutureCoroutineReturn, DroppingTheFutureLetsTheCoroutineFinish) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  int out = 0;
  { auto dropped = record(p.get_future(), out); }
  p.set_value(4);
  ex->run_all();  // resumes the frame, which then frees itself (ASan: no leak)
  EXPECT_EQ(out, 4);
}

TEST(FutureCoroutineReturn, LocalsAreDestroyedBeforeTheFutureSettles) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  Death d;
  auto f = with_local(p.get_future(), d);
  d.future = &f;
  p.set_value(6);
  ex->run_all();
  EXPECT_EQ(f.get(), 6);
  EXPECT_TRUE(d.died);
  EXPECT_FALSE(d.future_ready_then);
}

TEST(FutureCoroutineReturn, ParameterCopiesAreDestroyedBeforeTheFutureSettles) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  Death d;
  auto f = with_parameter(p.get_future(), Recorder(d));
  EXPECT_FALSE(d.died);  // the copy lives in the suspended frame
  d.future = &f;
  p.set_value(8);
  ex->run_all();
  EXPECT_EQ(f.get(), 8);
  EXPECT_TRUE(d.died);
  EXPECT_FALSE(d.future_ready_then);
}

TEST(FutureCoroutineReturn, LocalsAndParametersAreDestroyedBeforeAThrownErrorSettles) {
  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  Death local, parameter;
  auto f = throws_with_both(p.get_future(), local, Recorder(parameter));
  local.future = &f;
  parameter.future = &f;
  p.set_value(1);
  ex->run_all();
  auto r = f.result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::BadResponse);
  EXPECT_TRUE(local.died);
  EXPECT_FALSE(local.future_ready_then);
  EXPECT_TRUE(parameter.died);
  EXPECT_FALSE(parameter.future_ready_then);
}

// The caller blocks in get() on another thread than the one the coroutine
// finishes on: once get() returns, the coroutine's locals are gone.
TEST(FutureCoroutineReturn, LocalsAreGoneWhenABlockedGetReturns) {
  Promise<int> p;  // default executor: the coroutine finishes on its thread
  Death d;
  auto f = with_local(p.get_future(), d);
  std::thread t([&] { p.set_value(3); });
  EXPECT_EQ(f.get(), 3);
  EXPECT_TRUE(d.died);
  t.join();
}

TEST(FutureCoroutineReturn, AcrossThreads) {
  Promise<int> p;  // default executor
  auto f = twice(p.get_future());
  std::thread t([&] { p.set_value(5); });
  t.join();
  EXPECT_EQ(f.get(), 10);
}

// --- combinators ---

TEST(Combinators, WhenAllGivesTheValuesInOrder) {
  auto ex = std::make_shared<ManualExecutor>();
  std::vector<Promise<int>> ps;
  for (int i = 0; i < 3; ++i) ps.emplace_back(ex);
  auto all = tether::when_all(futures_of(ps));
  ps[2].set_value(3);
  ps[0].set_value(1);
  ex->run_all();
  EXPECT_FALSE(all.ready());
  ps[1].set_value(2);
  ex->run_all();
  EXPECT_EQ(all.get(), (std::vector<int>{1, 2, 3}));
}

TEST(Combinators, WhenAllFailsWithTheFirstError) {
  auto ex = std::make_shared<ManualExecutor>();
  std::vector<Promise<int>> ps;
  for (int i = 0; i < 3; ++i) ps.emplace_back(ex);
  auto all = tether::when_all(futures_of(ps));
  ps[1].set_error(Error(ErrorCode::Network, "first"));
  ex->run_all();
  ASSERT_TRUE(all.ready());  // does not wait for the others
  ps[0].set_error(Error(ErrorCode::Network, "second"));
  ps[2].set_value(3);
  ex->run_all();
  auto r = all.result();
  ASSERT_FALSE(r);
  EXPECT_STREQ(r.error().what(), "first");
}

TEST(Combinators, WhenAllOfVoidAndOfNothing) {
  auto ex = std::make_shared<ManualExecutor>();
  std::vector<Promise<void>> ps;
  for (int i = 0; i < 2; ++i) ps.emplace_back(ex);
  auto all = tether::when_all(futures_of(ps));
  ps[0].set_value();
  ps[1].set_value();
  ex->run_all();
  EXPECT_NO_THROW(all.get());
  EXPECT_TRUE(tether::when_all(std::vector<Future<int>>{}).get().empty());
  EXPECT_TRUE(tether::all_settled(std::vector<Future<int>>{}).get().empty());
}

TEST(Combinators, AllSettledGivesEveryOutcome) {
  auto ex = std::make_shared<ManualExecutor>();
  std::vector<Promise<std::string>> ps;
  for (int i = 0; i < 3; ++i) ps.emplace_back(ex);
  auto settled = tether::all_settled(futures_of(ps));
  ps[0].set_value("a");
  ps[1].set_error(Error::canceled({}));
  ex->run_all();
  EXPECT_FALSE(settled.ready());
  ps[2].set_value("c");
  ex->run_all();
  auto outcomes = settled.get();
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].value(), "a");
  EXPECT_EQ(outcomes[1].error().code(), ErrorCode::Canceled);
  EXPECT_EQ(outcomes[2].value(), "c");
}

TEST(Combinators, WhenAnyGivesTheFirstValueSkippingErrors) {
  auto ex = std::make_shared<ManualExecutor>();
  std::vector<Promise<int>> ps;
  for (int i = 0; i < 3; ++i) ps.emplace_back(ex);
  auto any = tether::when_any(futures_of(ps));
  ps[0].set_error(Error(ErrorCode::Network, "down"));
  ex->run_all();
  EXPECT_FALSE(any.ready());
  ps[2].set_value(30);
  ps[1].set_value(20);
  ex->run_all();
  EXPECT_EQ(any.get(), 30);
}

TEST(Combinators, WhenAnyFailsOnlyWhenAllFail) {
  auto ex = std::make_shared<ManualExecutor>();
  std::vector<Promise<int>> ps;
  for (int i = 0; i < 2; ++i) ps.emplace_back(ex);
  auto any = tether::when_any(futures_of(ps));
  ps[1].set_error(Error(ErrorCode::Network, "second"));
  ex->run_all();
  EXPECT_FALSE(any.ready());
  ps[0].set_error(Error(ErrorCode::Network, "first"));
  ex->run_all();
  auto r = any.result();
  ASSERT_FALSE(r);
  EXPECT_STREQ(r.error().what(), "first");  // the first future's error
}

TEST(Combinators, BadInputFailsClearly) {
  auto none = tether::when_any(std::vector<Future<int>>{}).result();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::BadOptionValue);
  EXPECT_NE(std::string(none.error().what()).find("no futures"), std::string::npos);

  auto ex = std::make_shared<ManualExecutor>();
  Promise<int> p(ex);
  std::vector<Future<int>> fs;
  fs.push_back(p.get_future());
  fs.emplace_back();  // no state
  auto r = tether::when_all(std::move(fs)).result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::BadOptionValue);
}

TEST(Combinators, SettledFromManyThreads) {
  constexpr int kThreads = 8;
  std::vector<Promise<int>> ps(kThreads);  // default executor
  auto all = tether::when_all(futures_of(ps));
  std::vector<Promise<int>> ps2(kThreads);
  auto settled = tether::all_settled(futures_of(ps2));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ps[i].set_value(i);
      if (i % 2) {
        ps2[i].set_error(Error(ErrorCode::Network, "odd"));
      } else {
        ps2[i].set_value(i);
      }
    });
  }
  for (auto& t : threads) t.join();
  auto values = all.get();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(values[i], i);
  auto outcomes = settled.get();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(outcomes[i].has_value(), i % 2 == 0);
}
