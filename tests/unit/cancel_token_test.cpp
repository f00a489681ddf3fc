#include "tether/cancel_token.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "tether/error.hpp"

using tether::Cancel;
using tether::CancelToken;

TEST(CancelToken, SourceCancelWithMessage) {
  auto source = CancelToken::source();
  EXPECT_FALSE(source.token.requested());
  EXPECT_FALSE(source.token.reason());
  source.cancel("Operation canceled by the user.");
  EXPECT_TRUE(source.token.requested());
  ASSERT_TRUE(source.token.reason());
  EXPECT_EQ(source.token.reason()->message, "Operation canceled by the user.");
}

TEST(CancelToken, FirstMessageWins) {
  auto source = CancelToken::source();
  source.cancel("first");
  source.cancel("second");
  EXPECT_EQ(source.token.reason()->message, "first");
}

TEST(CancelToken, SubscribersRunOnceInsideCancel) {
  auto source = CancelToken::source();
  std::vector<std::string> seen;
  auto a = source.token.subscribe([&](const Cancel& c) { seen.push_back("a:" + c.message); });
  auto b = source.token.subscribe([&](const Cancel& c) { seen.push_back("b:" + c.message); });
  source.cancel("bye");
  EXPECT_EQ(seen, (std::vector<std::string>{"a:bye", "b:bye"}));
  source.cancel("again");
  EXPECT_EQ(seen.size(), 2u);
}

TEST(CancelToken, SubscribeAfterCancelRunsAtOnce) {
  auto source = CancelToken::source();
  source.cancel("late");
  std::string seen;
  auto reg = source.token.subscribe([&](const Cancel& c) { seen = c.message; });
  EXPECT_EQ(seen, "late");
}

TEST(CancelToken, UnsubscribedListenerDoesNotRun) {
  auto source = CancelToken::source();
  bool ran = false;
  {
    auto reg = source.token.subscribe([&](const Cancel&) { ran = true; });
  }
  source.cancel();
  EXPECT_FALSE(ran);
}

TEST(CancelToken, ThrowIfRequestedCarriesTheMessage) {
  auto source = CancelToken::source();
  EXPECT_NO_THROW(source.token.throw_if_requested());
  source.cancel("Operation canceled by the user.");
  try {
    source.token.throw_if_requested();
    FAIL() << "did not throw";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::Canceled);
    EXPECT_TRUE(tether::is_cancel(e));
    EXPECT_STREQ(e.what(), "Operation canceled by the user.");
  }
}

TEST(CancelToken, EmptyMessageGivesCanceled) {
  auto source = CancelToken::source();
  source.cancel();
  EXPECT_EQ(source.token.reason()->message, "");
  try {
    source.token.throw_if_requested();
    FAIL() << "did not throw";
  } catch (const tether::Error& e) {
    EXPECT_STREQ(e.what(), "canceled");
  }
}

TEST(CancelToken, ExecutorRunsOnceInsideTheConstructor) {
  int calls = 0;
  CancelToken::CancelFunction cancel;
  CancelToken token([&](CancelToken::CancelFunction c) {
    ++calls;
    cancel = std::move(c);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(token.requested());
  std::thread t([&] { cancel("from another thread"); });
  t.join();
  EXPECT_TRUE(token.requested());
  EXPECT_EQ(token.reason()->message, "from another thread");
  cancel("ignored");
  EXPECT_EQ(token.reason()->message, "from another thread");
  EXPECT_EQ(calls, 1);
}

TEST(CancelToken, EmptyExecutorThrowsInvalidArgument) {
  EXPECT_THROW(CancelToken(nullptr), std::invalid_argument);
}

TEST(CancelToken, CancelFunctionOutlivingTheTokenIsHarmless) {
  CancelToken::CancelFunction cancel;
  {
    CancelToken token([&](CancelToken::CancelFunction c) { cancel = std::move(c); });
  }
  EXPECT_NO_THROW(cancel("nobody listens"));
}

TEST(CancelToken, SignalIsTheSameCancellation) {
  auto source = CancelToken::source();
  auto signal = source.token.signal();
  bool ran = false;
  auto reg = signal.on_abort([&](const tether::AbortReason& r) {
    ran = true;
    EXPECT_EQ(r.name, "CanceledError");
    EXPECT_EQ(r.message, "via token");
  });
  source.cancel("via token");
  EXPECT_TRUE(ran);
  EXPECT_TRUE(signal.aborted());
  try {
    signal.throw_if_aborted();
    FAIL() << "did not throw";
  } catch (const tether::Error& e) {
    EXPECT_STREQ(e.what(), "via token");  // a token's message survives the signal face
  }
}

TEST(CancelToken, CopiesShareOneState) {
  auto source = CancelToken::source();
  CancelToken copy = source.token;
  EXPECT_EQ(copy, source.token);
  source.cancel("x");
  EXPECT_TRUE(copy.requested());
}

TEST(CancelToken, AnyOfTokenAndSignal) {
  // Both APIs on one operation: whichever fires first cancels it.
  auto source = CancelToken::source();
  tether::AbortController controller;
  auto merged = tether::AbortSignal::any({source.token.signal(), controller.signal()});
  source.cancel("Operation canceled by the user.");
  EXPECT_TRUE(merged.aborted());
  EXPECT_EQ(merged.reason()->message, "Operation canceled by the user.");
}

TEST(CancelToken, AThrowingSubscriberDoesNotStopTheOthersAndCancelRethrows) {
  auto source = tether::CancelToken::source();
  std::vector<std::string> seen;
  auto r1 =
      source.token.subscribe([&](const tether::Cancel& c) { seen.push_back("1:" + c.message); });
  auto r2 = source.token.subscribe([&](const tether::Cancel&) {
    seen.push_back("2");
    throw std::runtime_error("subscriber");
  });
  auto r3 = source.token.subscribe([&](const tether::Cancel&) { seen.push_back("3"); });
  EXPECT_THROW(source.cancel("bye"), std::runtime_error);
  EXPECT_EQ(seen, (std::vector<std::string>{"1:bye", "2", "3"}));
  EXPECT_TRUE(source.token.requested());
  EXPECT_NO_THROW(source.cancel("again"));  // the first call won; nothing runs again
  r2.reset();                               // safe after the throw
}

TEST(CancelToken, TheExecutorsCancelFunctionRethrowsToo) {
  tether::CancelToken::CancelFunction cancel;
  tether::CancelToken token([&](tether::CancelToken::CancelFunction c) { cancel = std::move(c); });
  bool other_ran = false;
  auto r1 = token.subscribe([](const tether::Cancel&) { throw std::runtime_error("x"); });
  auto r2 = token.subscribe([&](const tether::Cancel&) { other_ran = true; });
  EXPECT_THROW(cancel("stop"), std::runtime_error);
  EXPECT_TRUE(other_ran);
  EXPECT_TRUE(token.requested());
}
