// The hedging budget (a token bucket) and the latency window behind a
// percentile delay; which requests may be hedged or coalesced.
#include <gtest/gtest.h>

#include "client/coalescing.hpp"
#include "client/hedging.hpp"

using namespace std::chrono_literals;
using tether::HedgeBudget;
using tether::HedgePolicy;
using tether::RequestConfig;
using tether::detail::LatencyWindow;
using tether::detail::TokenBucketBudget;

TEST(HedgingBudget, StartsFullAndEarnsItsRatio) {
  TokenBucketBudget budget(HedgeBudget{.ratio = 0.1, .max_tokens = 2});
  EXPECT_TRUE(budget.try_spend());
  EXPECT_TRUE(budget.try_spend());
  EXPECT_FALSE(budget.try_spend());
  for (int i = 0; i < 9; ++i) budget.on_request();
  EXPECT_FALSE(budget.try_spend());  // 0.9 of a token
  budget.on_request();
  EXPECT_TRUE(budget.try_spend());
  EXPECT_FALSE(budget.try_spend());
}

TEST(HedgingBudget, NeverHoldsMoreThanItsCap) {
  TokenBucketBudget budget(HedgeBudget{.ratio = 1, .max_tokens = 1});
  for (int i = 0; i < 50; ++i) budget.on_request();
  EXPECT_TRUE(budget.try_spend());
  EXPECT_FALSE(budget.try_spend());
}

TEST(HedgingBudget, TenPercentOfAThousandRequests) {
  TokenBucketBudget budget(HedgeBudget{.ratio = 0.1, .max_tokens = 1});
  ASSERT_TRUE(budget.try_spend());  // the first burst
  int spent = 0;
  for (int i = 0; i < 1000; ++i) {
    budget.on_request();
    if (budget.try_spend()) ++spent;
  }
  EXPECT_EQ(spent, 100);
}

TEST(HedgingLatency, PercentileOnceThereAreEnoughSamples) {
  LatencyWindow window;
  for (int i = 1; i <= 19; ++i) window.record(std::chrono::milliseconds(i));
  EXPECT_FALSE(window.percentile(0.95, 20));
  window.record(20ms);
  EXPECT_EQ(window.percentile(0.95, 20), 19ms);
  EXPECT_EQ(window.percentile(0.5, 20), 11ms);
  // Only the last 256 count.
  for (int i = 0; i < 256; ++i) window.record(500ms);
  EXPECT_EQ(window.percentile(0.05, 20), 500ms);
}

TEST(HedgingRules, OnlyIdempotentPlainRequestsAreHedged) {
  RequestConfig config{.hedge = HedgePolicy{}};
  EXPECT_TRUE(tether::detail::hedgeable(config));
  for (const char* m : {"get", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
    config.method = m;
    EXPECT_TRUE(tether::detail::hedgeable(config)) << m;
  }
  for (const char* m : {"POST", "patch", "CONNECT"}) {
    config.method = m;
    EXPECT_FALSE(tether::detail::hedgeable(config)) << m;
  }
  config.method = "GET";
  config.on_data = [](std::string_view) {};
  EXPECT_FALSE(tether::detail::hedgeable(config));
  EXPECT_FALSE(tether::detail::hedgeable(RequestConfig{.hedge = HedgePolicy{.max_extra = 0}}));
  EXPECT_FALSE(tether::detail::hedgeable(RequestConfig{}));
}

TEST(CoalescingRules, KeysTellTheHeadersThatMatterApart) {
  tether::CoalescePolicy policy;
  RequestConfig a{.url = "http://127.0.0.1/x", .headers = {{"Authorization", "Bearer a"}}};
  RequestConfig b{.url = "http://127.0.0.1/x", .headers = {{"authorization", "Bearer a"}}};
  RequestConfig c{.url = "http://127.0.0.1/x", .headers = {{"Authorization", "Bearer c"}}};
  RequestConfig d{.url = "http://127.0.0.1/x",
                  .headers = {{"Authorization", "Bearer a"}, {"X-Trace", "1"}}};
  using tether::detail::coalesce_key;
  EXPECT_EQ(coalesce_key(a, policy), coalesce_key(b, policy));
  EXPECT_NE(coalesce_key(a, policy), coalesce_key(c, policy));
  EXPECT_EQ(coalesce_key(a, policy), coalesce_key(d, policy));  // X-Trace is not listed
  policy.headers.push_back("X-Trace");
  EXPECT_NE(coalesce_key(a, policy), coalesce_key(d, policy));
  RequestConfig post{.method = "POST", .url = "http://127.0.0.1/x"};
  EXPECT_FALSE(tether::detail::coalescable(post));
  EXPECT_TRUE(tether::detail::coalescable(a));
}
