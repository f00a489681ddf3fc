// Latest and Debouncer: state-based tests (condition waits, no sleeps).
#include "tether/latest.hpp"

#include "tether/client.hpp"
#include "tether/executor.hpp"
#include "tether/testing.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using tether::AbortSignal;
using tether::Debouncer;
using tether::Latest;

namespace {

// A flag and a log that tests wait on, bounded generously.
class Probe {
 public:
  // Notifies under the lock: a waiter may destroy the Probe as soon as it
  // sees the entry.
  void add(std::string entry) {
    std::lock_guard lock(mu_);
    log_.push_back(std::move(entry));
    cv_.notify_all();
  }
  bool wait_for_size(std::size_t n, std::chrono::seconds limit = 30s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return log_.size() >= n; });
  }
  std::vector<std::string> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> log_;
};

// Counts its live copies: a fn's captures, seen from the test.
class Counted {
 public:
  explicit Counted(std::atomic<int>& live) : live_(&live) { ++*live_; }
  Counted(const Counted& other) : live_(other.live_) { ++*live_; }
  Counted& operator=(const Counted&) = delete;
  ~Counted() { --*live_; }

 private:
  std::atomic<int>* live_;
};

// Polls a state that announces nothing, bounded generously.
template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Holds the default executor's one thread until released, so that a fn the
// timer handed over cannot start.
class BlockedExecutor {
 public:
  BlockedExecutor() {
    auto started = std::make_shared<std::promise<void>>();
    auto started_future = started->get_future();
    tether::default_executor()->post([started, gate = gate_.get_future().share()] {
      started->set_value();
      gate.wait();
    });
    started_future.wait();
  }
  ~BlockedExecutor() { release(); }
  BlockedExecutor(const BlockedExecutor&) = delete;
  BlockedExecutor& operator=(const BlockedExecutor&) = delete;
  void release() {
    if (!released_) gate_.set_value();
    released_ = true;
  }
  // Returns once everything posted before now has run.
  static void drain() {
    std::promise<void> done;
    auto future = done.get_future();
    tether::default_executor()->post([&done] { done.set_value(); });
    future.wait();
  }

 private:
  std::promise<void> gate_;
  bool released_ = false;
};

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------
// Latest

TEST(Latest, CurrentIsANeverAbortingSignalBeforeTheFirstNext) {
  Latest latest;
  EXPECT_FALSE(latest.current().aborted());
  latest.abort();  // nothing handed out: nothing to abort, no failure
  EXPECT_FALSE(latest.current().aborted());
}

TEST(Latest, NextAbortsThePreviousSignalAsSuperseded) {
  Latest latest;
  AbortSignal first = latest.next();
  EXPECT_FALSE(first.aborted());
  AbortSignal second = latest.next();
  EXPECT_TRUE(first.aborted());
  EXPECT_FALSE(second.aborted());
  ASSERT_TRUE(first.reason().has_value());
  EXPECT_EQ(first.reason()->name, "AbortError");
  EXPECT_NE(first.reason()->message.find("superseded"), std::string::npos);
  EXPECT_TRUE(latest.current() == second);
}

TEST(Latest, AbortAbortsTheCurrentSignalAndNextStartsAfresh) {
  Latest latest;
  AbortSignal s = latest.next();
  latest.abort();
  EXPECT_TRUE(s.aborted());
  EXPECT_EQ(s.reason()->name, "AbortError");
  AbortSignal fresh = latest.next();
  EXPECT_FALSE(fresh.aborted());
  EXPECT_EQ(s.reason()->message, "aborted");  // the first reason stays
}

TEST(Latest, DestructionDoesNotAbort) {
  AbortSignal s;
  {
    Latest latest;
    s = latest.next();
  }
  EXPECT_FALSE(s.aborted());
}

// The abort runs outside Latest's lock: a callback may use the Latest again.
TEST(Latest, CallbacksMayCallBackIntoLatest) {
  Latest latest;
  AbortSignal first = latest.next();
  AbortSignal from_callback;
  auto registration =
      first.on_abort([&](const tether::AbortReason&) { from_callback = latest.current(); });
  AbortSignal second = latest.next();
  EXPECT_TRUE(from_callback == second);
}

TEST(Latest, AThrowingCallbackLeavesTheFreshSignalCurrent) {
  Latest latest;
  AbortSignal first = latest.next();
  auto registration =
      first.on_abort([](const tether::AbortReason&) { throw std::runtime_error("cb"); });
  EXPECT_THROW(latest.next(), std::runtime_error);
  EXPECT_TRUE(first.aborted());
  EXPECT_FALSE(latest.current().aborted());
  EXPECT_FALSE(latest.current() == first);
}

TEST(Latest, ConcurrentNextLeavesExactlyTheLastSignalLive) {
  Latest latest;
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::vector<AbortSignal>> handed(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) handed[std::size_t(t)].push_back(latest.next());
    });
  }
  for (auto& thread : threads) thread.join();
  int live = 0;
  for (const auto& signals : handed) {
    for (const auto& s : signals) live += s.aborted() ? 0 : 1;
  }
  EXPECT_EQ(live, 1);
  EXPECT_FALSE(latest.current().aborted());
}

// ---------------------------------------------------------------------------
// Debouncer

TEST(Debouncer, RunsOnceTheCallsAreQuiet) {
  Probe probe;
  Debouncer debounce(10ms);
  debounce.call([&] { probe.add("ran"); });
  ASSERT_TRUE(probe.wait_for_size(1));
  EXPECT_FALSE(debounce.pending());
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"ran"}));
}

TEST(Debouncer, ABurstRunsOnlyTheLastFn) {
  Probe probe;
  // A quiet period far longer than the loop below takes.
  Debouncer debounce(1s);
  for (int i = 1; i <= 5; ++i) {
    debounce.call([&probe, i] { probe.add("call " + std::to_string(i)); });
    EXPECT_TRUE(debounce.pending());
  }
  ASSERT_TRUE(probe.wait_for_size(1));
  debounce.call([&] { probe.add("after"); });
  ASSERT_TRUE(probe.wait_for_size(2));
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"call 5", "after"}));
}

TEST(Debouncer, CancelDropsThePendingFn) {
  Probe probe;
  Debouncer debounce(1s);
  debounce.call([&] { probe.add("canceled"); });
  EXPECT_TRUE(debounce.cancel());
  EXPECT_FALSE(debounce.pending());
  EXPECT_FALSE(debounce.cancel());
  debounce.call([&] { probe.add("kept"); });
  ASSERT_TRUE(probe.wait_for_size(1));
  // Same quiet period, scheduled later: had the first survived, it came first.
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"kept"}));
}

TEST(Debouncer, WhatFnThrowsGoesToOnError) {
  Probe probe;
  Debouncer debounce(1ms, [&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      probe.add(ex.what());
    }
  });
  debounce.call([] { throw std::runtime_error("preview failed"); });
  ASSERT_TRUE(probe.wait_for_size(1));
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"preview failed"}));
  // And the Debouncer still works.
  debounce.call([&] { probe.add("next"); });
  ASSERT_TRUE(probe.wait_for_size(2));
}

TEST(Debouncer, WithoutOnErrorAThrowIsDropped) {
  Probe probe;
  Debouncer debounce(1ms);
  debounce.call([&] {
    probe.add("throwing");
    throw 42;  // not even a std::exception
  });
  ASSERT_TRUE(probe.wait_for_size(1));
  debounce.call([&] { probe.add("survived"); });
  ASSERT_TRUE(probe.wait_for_size(2));
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"throwing", "survived"}));
}

TEST(Debouncer, DestructionDropsThePendingFn) {
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  {
    Debouncer debounce(1s);
    debounce.call([token = std::move(token)] {});
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_TRUE(watch.expired());
}

TEST(Debouncer, DestructionWaitsForARunningFn) {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, destroying = false;
  std::atomic<bool> finished{false};
  auto debounce = std::make_unique<Debouncer>(1ms);
  debounce->call([&] {
    std::unique_lock lock(mu);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return destroying; });
    // Still running while the destructor is entered: a destructor that did
    // not wait would return before this.
    cv.wait_for(lock, 50ms, [] { return false; });
    finished = true;
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return started; }));
    destroying = true;
  }
  cv.notify_all();
  debounce.reset();
  EXPECT_TRUE(finished);
}

TEST(Debouncer, FnMayDestroyItsOwnDebouncer) {
  Probe probe;
  auto debounce = std::make_unique<Debouncer>(1ms);
  debounce->call([&] {
    debounce.reset();  // must not wait for itself
    probe.add("destroyed from fn");
  });
  ASSERT_TRUE(probe.wait_for_size(1));
  EXPECT_EQ(debounce, nullptr);
}

TEST(Debouncer, FnMayCancelAndCallItsOwnDebouncer) {
  Probe probe;
  Debouncer debounce(1ms);
  debounce.call([&] {
    debounce.cancel();
    debounce.call([&] { probe.add("second"); });
    probe.add("first");
  });
  ASSERT_TRUE(probe.wait_for_size(2));
  EXPECT_EQ(probe.log(), (std::vector<std::string>{"first", "second"}));
}

TEST(Debouncer, NoThreadPerDebouncer) {
  // Warm up the shared services first.
  {
    Probe probe;
    Debouncer warm(1ms);
    warm.call([&] { probe.add("warm"); });
    ASSERT_TRUE(probe.wait_for_size(1));
  }
  const std::size_t before = thread_count();
  std::vector<std::unique_ptr<Debouncer>> many;
  for (int i = 0; i < 200; ++i) {
    many.push_back(std::make_unique<Debouncer>(1h));
    many.back()->call([] {});
  }
  EXPECT_LT(thread_count(), before + 5);
}

TEST(Debouncer, ConcurrentCallsCancelsAndDestruction) {
  std::atomic<int> runs{0};
  std::atomic<int> live{0};
  constexpr int kThreads = 4;
  constexpr int kEach = 300;
  {
    Debouncer debounce(1ms);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          if ((i + t) % 7 == 0) {
            debounce.cancel();
          } else {
            debounce.call([&runs, counted = Counted(live)] { runs.fetch_add(1); });
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    // Destroyed here, perhaps while a fn runs: it waits for that one.
  }
  const int after_destruction = runs.load();
  // Every fn's captures are gone once the destructor returned.
  EXPECT_EQ(live.load(), 0);
  // Nothing runs once the destructor has returned: a marker posted behind any
  // straggler on the same serial executor sees the same count.
  Probe probe;
  Debouncer marker(1ms);
  marker.call([&] { probe.add(std::to_string(runs.load())); });
  ASSERT_TRUE(probe.wait_for_size(1));
  EXPECT_EQ(probe.log().front(), std::to_string(after_destruction));
}

// The window between the timer handing fn to the executor and fn starting.
TEST(Debouncer, CancelDropsAFnAlreadyHandedToTheExecutor) {
  std::atomic<int> live{0};
  std::atomic<bool> ran{false};
  Debouncer debounce(1ms);
  {
    BlockedExecutor blocked;
    debounce.call([&ran, counted = Counted(live)] { ran = true; });
    ASSERT_TRUE(eventually([&] { return !debounce.pending(); }));  // the timer fired
    EXPECT_EQ(live.load(), 1);
    EXPECT_TRUE(debounce.cancel());
    EXPECT_EQ(live.load(), 0);  // its captures went with cancel()
    EXPECT_FALSE(debounce.cancel());
  }
  BlockedExecutor::drain();
  EXPECT_FALSE(ran.load());
}

TEST(Debouncer, DestructionDropsAFnAlreadyHandedToTheExecutor) {
  std::atomic<int> live{0};
  std::atomic<bool> ran{false};
  {
    BlockedExecutor blocked;
    auto debounce = std::make_unique<Debouncer>(1ms);
    debounce->call([&ran, counted = Counted(live)] { ran = true; });
    ASSERT_TRUE(eventually([&] { return !debounce->pending(); }));
    debounce.reset();
    EXPECT_EQ(live.load(), 0);  // not destroyed later on the executor's thread
  }
  BlockedExecutor::drain();
  EXPECT_FALSE(ran.load());
}

TEST(Debouncer, BadArgumentsAreRefused) {
  EXPECT_THROW(Debouncer(-1ms), std::invalid_argument);
  Debouncer debounce(1s);
  EXPECT_THROW(debounce.call({}), std::invalid_argument);
  EXPECT_FALSE(debounce.pending());
}

TEST(Debouncer, AHugeQuietPeriodDoesNotOverflow) {
  Debouncer debounce(std::chrono::milliseconds::max());
  debounce.call([] {});
  // Had now() + quiet wrapped, the timer would be due at once.
  BlockedExecutor::drain();
  EXPECT_TRUE(debounce.pending());
  EXPECT_TRUE(debounce.cancel());
}

// Latest over a Client whose answers are mocked: no socket needed to see the
// superseded request settle Canceled and its pending answer dropped.
TEST(LatestOverMock, ANewRequestDropsThePendingAnswerOfTheOldOne) {
  using tether::testing::Reply;
  auto mock = tether::testing::MockTransport::create();
  mock->on({.url = "http://api.test/q?v=1"}, Reply::hang());
  mock->on({.url = "http://api.test/q?v=2"}, Reply::text(200, "two"));
  tether::Client client({}, {.transport = mock});
  Latest latest;
  auto first = client.get("http://api.test/q?v=1", {.signal = latest.next()});
  ASSERT_TRUE(mock->wait_for_requests(1, 30s));
  EXPECT_EQ(mock->pending(), 1u);
  auto second = client.get("http://api.test/q?v=2", {.signal = latest.next()});
  auto r1 = first.result();
  ASSERT_FALSE(r1);
  EXPECT_TRUE(r1.error().is_cancel());
  EXPECT_EQ(r1.error().phase(), tether::RequestPhase::AwaitHeaders);
  auto r2 = second.result();
  ASSERT_TRUE(r2) << r2.error().what();
  EXPECT_EQ(r2.value().data.text(), "two");
  EXPECT_EQ(mock->pending(), 0u);
}
