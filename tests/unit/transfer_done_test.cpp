// TransferDone: the engine's move-only completion callable (inline room for
// small continuations, the heap for larger ones).
#include "transport/transfer_done.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>

#include "transport/engine.hpp"

using tether::detail::TransferDone;
using tether::detail::TransferOutcome;
using tether::detail::TransferResult;

namespace {

TransferOutcome result_with(int status) {
  TransferResult r;
  r.status = status;
  return r;
}

}  // namespace

TEST(TransferDone, EmptyIsFalseAndThrowsWhenCalled) {
  TransferDone done;
  EXPECT_FALSE(done);
  EXPECT_THROW(done(result_with(200)), std::bad_function_call);
  TransferDone null = nullptr;
  EXPECT_FALSE(null);
}

TEST(TransferDone, SmallCapturesCallMovesAndDestroyOnce) {
  auto owner = std::make_shared<int>(0);
  std::weak_ptr<int> watch = owner;
  TransferDone done = [owner, a = 1L, b = 2L, c = 3L](TransferOutcome&& o) {
    *owner = std::get<TransferResult>(o).status + static_cast<int>(a + b + c);
  };
  owner.reset();
  TransferDone moved = std::move(done);
  EXPECT_FALSE(done);  // NOLINT: a moved-from TransferDone is empty
  ASSERT_TRUE(moved);
  moved(result_with(200));
  EXPECT_EQ(*watch.lock(), 206);
  moved = nullptr;
  EXPECT_TRUE(watch.expired());
}

TEST(TransferDone, LargeCapturesGoToTheHeapAndStillWork) {
  auto owner = std::make_shared<int>(0);
  std::weak_ptr<int> watch = owner;
  std::array<long, 16> big{};
  big[15] = 7;
  TransferDone done = [owner, big](TransferOutcome&& o) {
    *owner = std::get<TransferResult>(o).status + static_cast<int>(big[15]);
  };
  owner.reset();
  TransferDone other;
  other = std::move(done);
  other(result_with(100));
  EXPECT_EQ(*watch.lock(), 107);
  { TransferDone gone = std::move(other); }
  EXPECT_TRUE(watch.expired());
}
