#include "tether/abort.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "abort/signal_state.hpp"
#include "abort/timer_service.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"
#include "tether/error.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::AbortReason;
using tether::AbortRegistration;
using tether::AbortSignal;

#if defined(__SANITIZE_ADDRESS__)
// A registration destroyed after its callback threw used to write through a
// pointer into abort()'s dead stack frame; ASan sees that only with fake stacks.
extern "C" const char* __asan_default_options() {
  return "detect_stack_use_after_return=1";
}
#endif

namespace {

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST(AbortSignal, DefaultSignalNeverAborts) {
  AbortSignal signal;
  EXPECT_FALSE(signal.aborted());
  EXPECT_FALSE(signal.reason().has_value());
  EXPECT_NO_THROW(signal.throw_if_aborted());
  bool ran = false;
  auto reg = signal.on_abort([&](const AbortReason&) { ran = true; });
  EXPECT_FALSE(reg);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(signal.stop_token().stop_possible());
}

TEST(AbortSignal, AbortRunsEachCallbackOnceInRegistrationOrder) {
  AbortController controller;
  std::vector<int> order;
  auto r1 = controller.signal().on_abort([&](const AbortReason&) { order.push_back(1); });
  auto r2 = controller.signal().on_abort([&](const AbortReason&) { order.push_back(2); });
  auto r3 = controller.signal().on_abort([&](const AbortReason&) { order.push_back(3); });
  EXPECT_TRUE(controller.abort());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));  // all ran before abort() returned
  EXPECT_FALSE(controller.abort());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(AbortSignal, AbortReturnsTrueOnlyForTheCallThatAborted) {
  AbortController controller;
  EXPECT_TRUE(controller.abort({"AbortError", "first"}));
  EXPECT_FALSE(controller.abort({"Other", "second"}));
  EXPECT_FALSE(controller.abort());
}

TEST(AbortSignal, FirstReasonWins) {
  AbortController controller;
  controller.abort({"AbortError", "first"});
  controller.abort({"Other", "second"});
  ASSERT_TRUE(controller.signal().reason());
  EXPECT_EQ(*controller.signal().reason(), (AbortReason{"AbortError", "first"}));
}

TEST(AbortSignal, DefaultReasonIsAbortErrorWithNoMessage) {
  AbortController controller;
  controller.abort();
  EXPECT_EQ(controller.signal().reason()->name, "AbortError");
  EXPECT_EQ(controller.signal().reason()->message, "");
}

TEST(AbortSignal, CallbacksRunOnTheAbortingThreadAndSeeTheReason) {
  AbortController controller;
  std::thread::id ran_on;
  AbortReason seen;
  auto reg = controller.signal().on_abort([&](const AbortReason& r) {
    ran_on = std::this_thread::get_id();
    seen = r;
  });
  std::thread::id aborter;
  std::thread t([&] {
    aborter = std::this_thread::get_id();
    controller.abort({"AbortError", "from a thread"});
  });
  t.join();
  EXPECT_EQ(ran_on, aborter);
  EXPECT_EQ(seen.message, "from a thread");
}

TEST(AbortSignal, CallbackExecutesImmediatelyIfAlreadyAborted) {
  AbortController controller;
  controller.abort({"AbortError", "done"});
  std::thread::id ran_on;
  std::string message;
  auto reg = controller.signal().on_abort([&](const AbortReason& r) {
    ran_on = std::this_thread::get_id();
    message = r.message;
  });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(message, "done");
  EXPECT_FALSE(reg);  // nothing left registered
}

TEST(AbortSignal, DeregisteredCallbacksDontExecute) {
  AbortController controller;
  int runs = 0;
  {
    auto reg = controller.signal().on_abort([&](const AbortReason&) { ++runs; });
  }
  auto reg2 = controller.signal().on_abort([&](const AbortReason&) { ++runs; });
  reg2.reset();
  controller.abort();
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(tether::detail::listener_count(controller.signal()), 0u);
}

TEST(AbortSignal, CallbackThatDeregistersItselfDoesNotDeadlock) {
  AbortController controller;
  std::optional<AbortRegistration> self;
  bool later_ran = false;
  self.emplace(controller.signal().on_abort([&](const AbortReason&) { self.reset(); }));
  auto later = controller.signal().on_abort([&](const AbortReason&) { later_ran = true; });
  controller.abort();
  EXPECT_FALSE(self.has_value());
  EXPECT_TRUE(later_ran);
}

TEST(AbortSignal, CallbackCanDeregisterALaterCallback) {
  AbortController controller;
  std::optional<AbortRegistration> second;
  auto first = controller.signal().on_abort([&](const AbortReason&) { second.reset(); });
  bool second_ran = false;
  second.emplace(controller.signal().on_abort([&](const AbortReason&) { second_ran = true; }));
  controller.abort();
  EXPECT_FALSE(second_ran);
}

TEST(AbortSignal, CallbackMayAbortAgainAndRegisterMore) {
  AbortController controller;
  bool nested_result = true;
  bool inner_ran = false;
  AbortRegistration inner;
  auto reg = controller.signal().on_abort([&](const AbortReason&) {
    nested_result = controller.abort();
    inner = controller.signal().on_abort([&](const AbortReason&) { inner_ran = true; });
  });
  controller.abort();
  EXPECT_FALSE(nested_result);
  EXPECT_TRUE(inner_ran);  // already aborted: ran at once
}

TEST(AbortSignal, DestroyingRegistrationWaitsForItsCallbackRunningElsewhere) {
  AbortController controller;
  std::promise<void> started;
  std::atomic<bool> finished{false};
  auto reg = controller.signal().on_abort([&](const AbortReason&) {
    started.set_value();
    std::this_thread::sleep_for(100ms);
    finished = true;
  });
  std::thread aborter([&] { controller.abort(); });
  started.get_future().wait();
  reg.reset();  // must not return while the callback still runs
  EXPECT_TRUE(finished.load());
  aborter.join();
}

TEST(AbortSignal, MovedRegistrationKeepsTheCallback) {
  AbortController controller;
  int runs = 0;
  AbortRegistration outer;
  {
    auto reg = controller.signal().on_abort([&](const AbortReason&) { ++runs; });
    outer = std::move(reg);
    EXPECT_FALSE(reg);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  }
  EXPECT_TRUE(outer);
  controller.abort();
  EXPECT_EQ(runs, 1);
}

TEST(AbortSignal, AssigningOverALiveRegistrationReleasesIt) {
  AbortController controller;
  int first = 0, second = 0;
  auto reg = controller.signal().on_abort([&](const AbortReason&) { ++first; });
  reg = controller.signal().on_abort([&](const AbortReason&) { ++second; });
  controller.abort();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST(AbortSignal, DestroyingTheControllerDoesNotAbort) {
  AbortSignal signal;
  bool ran = false;
  AbortRegistration reg;
  {
    AbortController controller;
    signal = controller.signal();
    reg = signal.on_abort([&](const AbortReason&) { ran = true; });
  }
  EXPECT_FALSE(signal.aborted());
  EXPECT_FALSE(ran);
}

TEST(AbortSignal, CopiesShareOneState) {
  AbortController controller;
  AbortSignal a = controller.signal();
  AbortSignal b = a;
  EXPECT_EQ(a, b);
  controller.abort();
  EXPECT_TRUE(a.aborted());
  EXPECT_TRUE(b.aborted());
  EXPECT_NE(a, AbortSignal{});
}

TEST(AbortSignal, ThrowIfAbortedThrowsCanceledWithTheReason) {
  AbortController controller;
  EXPECT_NO_THROW(controller.signal().throw_if_aborted());
  controller.abort({"AbortError", "stop"});
  try {
    controller.signal().throw_if_aborted();
    FAIL() << "did not throw";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::Canceled);
    EXPECT_TRUE(e.is_cancel());
    EXPECT_STREQ(e.what(), "canceled");
    ASSERT_TRUE(e.reason());
    EXPECT_EQ(e.reason()->message, "stop");
  }
}

TEST(AbortSignal, StaticAbortIsAlreadyAborted) {
  auto plain = AbortSignal::abort();
  EXPECT_TRUE(plain.aborted());
  EXPECT_EQ(plain.reason()->name, "AbortError");
  auto custom = AbortSignal::abort({"Custom", "why"});
  EXPECT_EQ(*custom.reason(), (AbortReason{"Custom", "why"}));
}

// --- callbacks that throw (issue 8, defect 3) ---

TEST(AbortSignalThrowingCallback, OthersStillRunAndAbortRethrowsTheFirst) {
  AbortController controller;
  std::vector<int> order;
  auto r1 = controller.signal().on_abort([&](const AbortReason&) { order.push_back(1); });
  auto r2 = controller.signal().on_abort([&](const AbortReason&) {
    order.push_back(2);
    throw std::runtime_error("first");
  });
  auto r3 = controller.signal().on_abort([&](const AbortReason&) {
    order.push_back(3);
    throw std::logic_error("second");
  });
  auto r4 = controller.signal().on_abort([&](const AbortReason&) { order.push_back(4); });
  try {
    controller.abort();
    FAIL() << "abort() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_TRUE(controller.signal().aborted());
  EXPECT_FALSE(controller.abort());  // already aborted: nothing runs, nothing throws
  EXPECT_EQ(tether::detail::listener_count(controller.signal()), 0u);
}

TEST(AbortSignalThrowingCallback, ItsRegistrationIsSafeToDestroyOnTheSameThread) {
  AbortController controller;
  std::optional<AbortRegistration> reg;
  reg.emplace(controller.signal().on_abort([](const AbortReason&) { throw 42; }));
  EXPECT_THROW(controller.abort(), int);
  reg.reset();  // touched a dead stack frame before: ASan reports it
  auto later = controller.signal().on_abort([](const AbortReason&) {});
  EXPECT_FALSE(later);  // ran at once, as on any aborted signal
}

TEST(AbortSignalThrowingCallback, ItsRegistrationIsSafeToDestroyOnAnotherThread) {
  AbortController controller;
  auto reg = std::make_shared<AbortRegistration>(
      controller.signal().on_abort([](const AbortReason&) { throw std::runtime_error("x"); }));
  EXPECT_THROW(controller.abort(), std::runtime_error);
  // Before the fix this waited forever for a callback that would never finish.
  auto done = std::async(std::launch::async, [reg] { reg->reset(); });
  EXPECT_EQ(done.wait_for(10s), std::future_status::ready);
}

TEST(AbortSignalThrowingCallback, ACallbackMayDestroyItsOwnRegistrationAndThrow) {
  AbortController controller;
  std::optional<AbortRegistration> self;
  bool later_ran = false;
  self.emplace(controller.signal().on_abort([&](const AbortReason&) {
    self.reset();
    throw std::runtime_error("after reset");
  }));
  auto later = controller.signal().on_abort([&](const AbortReason&) { later_ran = true; });
  EXPECT_THROW(controller.abort(), std::runtime_error);
  EXPECT_TRUE(later_ran);
}

TEST(AbortSignalThrowingCallback, DependentsOfAnyStillFire) {
  AbortController source;
  auto any = AbortSignal::any({source.signal()});
  auto nested = AbortSignal::any({any});
  bool any_ran = false, nested_ran = false;
  auto thrower =
      source.signal().on_abort([](const AbortReason&) { throw std::runtime_error("s"); });
  auto r1 = any.on_abort([&](const AbortReason&) { any_ran = true; });
  auto r2 = nested.on_abort([&](const AbortReason&) { nested_ran = true; });
  EXPECT_THROW(source.abort(), std::runtime_error);
  EXPECT_TRUE(any_ran);
  EXPECT_TRUE(nested_ran);
}

TEST(AbortSignalThrowingCallback, ACallbackOfADependentIsRethrownFromTheSourcesAbort) {
  AbortController source;
  auto any = AbortSignal::any({source.signal()});
  bool source_ran = false;
  auto r1 = any.on_abort([](const AbortReason&) { throw std::runtime_error("dependent"); });
  auto r2 = source.signal().on_abort([&](const AbortReason&) { source_ran = true; });
  EXPECT_THROW(source.abort(), std::runtime_error);
  EXPECT_TRUE(source_ran);
  EXPECT_TRUE(any.aborted());
}

TEST(AbortSignalThrowingCallback, TheStopTokenIsStillRequested) {
  AbortController controller;
  std::stop_token token = controller.signal().stop_token();
  auto reg = controller.signal().on_abort([](const AbortReason&) { throw 1; });
  EXPECT_THROW(controller.abort(), int);
  EXPECT_TRUE(token.stop_requested());
}

TEST(AbortSignalThrowingCallback, OnAnAbortedSignalTheExceptionLeavesOnAbort) {
  auto signal = AbortSignal::abort();
  EXPECT_THROW(
      { auto reg = signal.on_abort([](const AbortReason&) { throw std::runtime_error("now"); }); },
      std::runtime_error);
  EXPECT_EQ(tether::detail::listener_count(signal), 0u);
}

TEST(AbortSignalThrowingCallback, OnTheTimerThreadTheExceptionIsDroppedAndOthersRun) {
  auto signal = AbortSignal::timeout(1ms);
  std::atomic<bool> other_ran{false};
  auto thrower = signal.on_abort([](const AbortReason&) { throw std::runtime_error("timer"); });
  auto other = signal.on_abort([&](const AbortReason&) { other_ran = true; });
  EXPECT_TRUE(wait_until([&] { return other_ran.load(); }));
  // The timer thread survived: a later timeout still fires.
  auto next = AbortSignal::timeout(1ms);
  EXPECT_TRUE(wait_until([&] { return next.aborted(); }));
}

TEST(AbortSignalThrowingCallback, ThroughAStopTokenTheExceptionIsDroppedAndOthersRun) {
  std::stop_source source;
  auto signal = AbortSignal::from(source.get_token());
  bool other_ran = false;
  auto thrower = signal.on_abort([](const AbortReason&) { throw std::runtime_error("stop"); });
  auto other = signal.on_abort([&](const AbortReason&) { other_ran = true; });
  EXPECT_TRUE(source.request_stop());  // a std::stop_callback that threw would terminate
  EXPECT_TRUE(signal.aborted());
  EXPECT_TRUE(other_ran);
}

TEST(AbortSignalThrowingCallback, RequestsOnTheSignalStillSettle) {
  // Tether's own callbacks come after the user's throwing one: the requests
  // must still settle as canceled.
  tether::test::TestServer server;
  tether::Client client;
  AbortController controller;
  auto before = controller.signal().on_abort([](const AbortReason&) { throw 1; });
  auto first = client.get(server.url("/headers-never"), {.signal = controller.signal()});
  auto second = client.get(server.url("/headers-never"), {.signal = controller.signal()});
  auto after = controller.signal().on_abort([](const AbortReason&) { throw 2; });
  EXPECT_THROW(controller.abort(), int);
  for (auto* f : {&first, &second}) {
    auto r = f->result();
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is_cancel());
  }
}

// --- timeout ---

TEST(AbortSignalTimeout, AbortsWithTimeoutError) {
  auto signal = AbortSignal::timeout(20ms);
  std::atomic<bool> ran{false};
  auto reg = signal.on_abort([&](const AbortReason& r) {
    EXPECT_EQ(r.name, "TimeoutError");
    ran = true;
  });
  ASSERT_TRUE(wait_until([&] { return signal.aborted(); }));
  EXPECT_EQ(signal.reason()->name, "TimeoutError");
  EXPECT_TRUE(wait_until([&] { return ran.load(); }));
}

TEST(AbortSignalTimeout, ZeroTimeoutAbortsSoon) {
  auto signal = AbortSignal::timeout(0ms);
  EXPECT_TRUE(wait_until([&] { return signal.aborted(); }));
}

TEST(AbortSignalTimeout, DoesNotKeepAThreadPerSignal) {
  (void)AbortSignal::timeout(1h);  // the shared timer thread may start here
  std::size_t before = thread_count();
  std::vector<AbortSignal> signals;
  for (int i = 0; i < 2000; ++i) signals.push_back(AbortSignal::timeout(1h));
  EXPECT_EQ(thread_count(), before);
  for (auto& s : signals) EXPECT_FALSE(s.aborted());
}

TEST(AbortSignalTimeout, DroppingTheSignalDropsItsTimer) {
  auto& timers = tether::detail::TimerService::instance();
  std::size_t before = timers.pending();
  {
    std::vector<AbortSignal> signals;
    for (int i = 0; i < 100; ++i) signals.push_back(AbortSignal::timeout(1h));
    EXPECT_EQ(timers.pending(), before + 100);
  }
  EXPECT_EQ(timers.pending(), before);
}

// --- any ---

TEST(AbortSignalAny, AbortsWithTheFirstSourcesReason) {
  AbortController a, b;
  auto any = AbortSignal::any({a.signal(), b.signal()});
  EXPECT_FALSE(any.aborted());
  b.abort({"AbortError", "b"});
  a.abort({"AbortError", "a"});
  ASSERT_TRUE(any.aborted());
  EXPECT_EQ(any.reason()->message, "b");
}

TEST(AbortSignalAny, RunsItsCallbacksWhenASourceAborts) {
  AbortController a, b;
  auto any = AbortSignal::any({a.signal(), b.signal()});
  int runs = 0;
  auto reg = any.on_abort([&](const AbortReason& r) {
    ++runs;
    EXPECT_EQ(r.message, "a");
  });
  a.abort({"AbortError", "a"});
  b.abort();
  EXPECT_EQ(runs, 1);
}

TEST(AbortSignalAny, AlreadyAbortedSourceAbortsAtCreation) {
  AbortController a;
  auto done = AbortSignal::abort({"AbortError", "early"});
  auto any = AbortSignal::any({a.signal(), done});
  ASSERT_TRUE(any.aborted());
  EXPECT_EQ(any.reason()->message, "early");
  EXPECT_EQ(tether::detail::listener_count(a.signal()), 0u);
}

TEST(AbortSignalAny, NestedAnyPropagates) {
  AbortController a, b, c;
  auto inner = AbortSignal::any({a.signal(), b.signal()});
  auto outer = AbortSignal::any({inner, c.signal()});
  a.abort({"AbortError", "deep"});
  ASSERT_TRUE(outer.aborted());
  EXPECT_EQ(outer.reason()->message, "deep");
}

TEST(AbortSignalAny, EmptyOrDefaultSourcesNeverAbort) {
  auto none = AbortSignal::any({});
  auto defaults = AbortSignal::any({AbortSignal{}, AbortSignal{}});
  EXPECT_FALSE(none.aborted());
  EXPECT_FALSE(defaults.aborted());
}

TEST(AbortSignalAny, DependentsHaveTheReasonBeforeAnyCallbackRuns) {
  // DOM "signal abort": reasons reach dependents before abort steps run.
  AbortController source;
  AbortSignal dependent;
  bool dependent_was_aborted = false;
  auto reg = source.signal().on_abort(
      [&](const AbortReason&) { dependent_was_aborted = dependent.aborted(); });
  dependent = AbortSignal::any({source.signal()});
  source.abort();
  EXPECT_TRUE(dependent_was_aborted);
}

TEST(AbortSignalAny, TimeoutSourceGivesTimeoutError) {
  AbortController user;
  auto any = AbortSignal::any({user.signal(), AbortSignal::timeout(10ms)});
  ASSERT_TRUE(wait_until([&] { return any.aborted(); }));
  EXPECT_EQ(any.reason()->name, "TimeoutError");
}

TEST(AbortSignalAny, HoldsNoRegistrationOnASourceOnceGone) {
  AbortController source;
  {
    auto any = AbortSignal::any({source.signal()});
    auto reg = any.on_abort([](const AbortReason&) {});
    EXPECT_EQ(tether::detail::listener_count(source.signal()), 1u);
  }
  EXPECT_EQ(tether::detail::listener_count(source.signal()), 0u);
}

TEST(AbortSignalAny, ALongLivedSourceDoesNotGrowUnderAMillionShortLivedDependents) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  constexpr int kIterations = 200'000;  // sanitizers make each one ~20x slower
#else
  constexpr int kIterations = 1'000'000;
#endif
  AbortController source;
  AbortController other;
  auto run = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto dependent = AbortSignal::any({source.signal(), other.signal()});
      auto reg = dependent.on_abort([](const AbortReason&) {});
    }
  };
  run(1000);  // warm up allocator caches
  std::size_t heap_before = mallinfo2().uordblks;
  run(kIterations);
  std::size_t heap_after = mallinfo2().uordblks;
  EXPECT_EQ(tether::detail::listener_count(source.signal()), 0u);
  EXPECT_EQ(tether::detail::listener_count(other.signal()), 0u);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  EXPECT_LT(heap_after, heap_before + 64 * 1024) << "heap grew by " << heap_after - heap_before;
#else
  (void)heap_before;
  (void)heap_after;
#endif
}

TEST(AbortSignalAny, AbortedDependentLetsGoOfItsOtherSources) {
  AbortController a, b;
  auto any = AbortSignal::any({a.signal(), b.signal()});
  a.abort();
  EXPECT_EQ(tether::detail::listener_count(b.signal()), 0u);
  EXPECT_TRUE(any.aborted());
}

// --- std::stop_token interop ---

TEST(AbortSignalStopToken, FromTokenAbortsOnRequestStop) {
  std::stop_source source;
  auto signal = AbortSignal::from(source.get_token());
  bool ran = false;
  auto reg = signal.on_abort([&](const AbortReason& r) {
    ran = true;
    EXPECT_EQ(r.name, "AbortError");
  });
  EXPECT_FALSE(signal.aborted());
  source.request_stop();
  EXPECT_TRUE(signal.aborted());
  EXPECT_TRUE(ran);
}

TEST(AbortSignalStopToken, FromStoppedTokenIsAborted) {
  std::stop_source source;
  source.request_stop();
  EXPECT_TRUE(AbortSignal::from(source.get_token()).aborted());
}

TEST(AbortSignalStopToken, FromTokenThatCannotStopNeverAborts) {
  auto signal = AbortSignal::from(std::stop_token{});
  EXPECT_FALSE(signal.aborted());
}

TEST(AbortSignalStopToken, SignalOutlivedByTokenIsSafe) {
  std::stop_source source;
  { auto signal = AbortSignal::from(source.get_token()); }
  EXPECT_TRUE(source.request_stop());
}

TEST(AbortSignalStopToken, StopTokenIsStoppedByAbort) {
  AbortController controller;
  std::stop_token token = controller.signal().stop_token();
  EXPECT_TRUE(token.stop_possible());
  EXPECT_FALSE(token.stop_requested());
  bool callback_ran = false;
  std::stop_callback cb(token, [&] { callback_ran = true; });
  controller.abort();
  EXPECT_TRUE(token.stop_requested());
  EXPECT_TRUE(callback_ran);
}

TEST(AbortSignalStopToken, StopTokenAfterAbortIsAlreadyStopped) {
  AbortController controller;
  controller.abort();
  EXPECT_TRUE(controller.signal().stop_token().stop_requested());
}

TEST(AbortSignalStopToken, JthreadStopsOnAbort) {
  AbortController controller;
  std::atomic<bool> exited{false};
  std::jthread worker([&, token = controller.signal().stop_token()] {
    while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
    exited = true;
  });
  controller.abort();
  worker.join();
  EXPECT_TRUE(exited);
}
