// The retry budget's token bucket (gRPC retry throttling), without a network.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "client/retry_budget.hpp"

namespace tether {
namespace {

using detail::RetryBudget;

TEST(RetryBudget, RefusesOnceHalfTheBucketIsSpent) {
  RetryBudget budget(RetryBudgetOptions{.max_tokens = 10, .token_ratio = 0.1});
  EXPECT_DOUBLE_EQ(budget.tokens(), 10);
  int allowed = 0;
  while (budget.try_spend()) ++allowed;
  // 10 -> 9, 8, 7, 6 allowed; 5 is not above the threshold of 5.
  EXPECT_EQ(allowed, 4);
  EXPECT_DOUBLE_EQ(budget.tokens(), 5);
  // A refused try still costs its token (a failed attempt, as in gRPC).
  EXPECT_FALSE(budget.try_spend());
  EXPECT_DOUBLE_EQ(budget.tokens(), 4);
}

TEST(RetryBudget, SuccessesRefillUpToTheMaximum) {
  RetryBudget budget(RetryBudgetOptions{.max_tokens = 4, .token_ratio = 0.5});
  while (budget.try_spend()) {
  }
  EXPECT_DOUBLE_EQ(budget.tokens(), 2);
  EXPECT_FALSE(budget.try_spend());  // 1 left
  for (int i = 0; i < 4; ++i) budget.on_success();
  EXPECT_DOUBLE_EQ(budget.tokens(), 3);
  EXPECT_FALSE(budget.try_spend());  // 3 - 1 = 2, not above 2
  for (int i = 0; i < 100; ++i) budget.on_success();
  EXPECT_DOUBLE_EQ(budget.tokens(), 4);  // capped
  EXPECT_TRUE(budget.try_spend());
}

TEST(RetryBudget, NeverGoesBelowZeroAndBadOptionsMeanAnEmptyBucket) {
  RetryBudget empty(RetryBudgetOptions{.max_tokens = -3, .token_ratio = -1});
  EXPECT_FALSE(empty.try_spend());
  empty.on_success();
  EXPECT_DOUBLE_EQ(empty.tokens(), 0);
  RetryBudget budget(RetryBudgetOptions{.max_tokens = 2, .token_ratio = 0});
  for (int i = 0; i < 5; ++i) budget.try_spend();
  EXPECT_DOUBLE_EQ(budget.tokens(), 0);
}

TEST(RetryBudget, ThreadsSpendEachTokenOnce) {
  RetryBudget budget(RetryBudgetOptions{.max_tokens = 1000, .token_ratio = 0});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 400; ++i) {
        if (budget.try_spend()) allowed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 499);  // 1000 -> 501 allowed; 500 is the threshold
  EXPECT_DOUBLE_EQ(budget.tokens(), 0);
}

}  // namespace
}  // namespace tether
