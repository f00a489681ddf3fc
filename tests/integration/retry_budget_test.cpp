// The client's retry budget against the test server's /flaky: once the bucket
// is down to half, a failing request ends with its last error instead of
// retrying, and says why; successes refill it; without a budget only
// RetryPolicy::retries limits retries.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "client/client_core.hpp"
#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ClientOptions;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::RetryBudgetOptions;
using tether::RetryPolicy;
using tether::test::TestServer;

namespace {

std::string unique_key() {
  static std::atomic<int> n{0};
  return "budget-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

struct RetryBudgetTest : ::testing::Test {
  TestServer server;

  // Requests the server received for /flaky?key=`key`.
  std::size_t tries(const std::string& key) const {
    std::size_t n = 0;
    for (const auto& c : server.connections()) {
      for (const auto& target : c.targets)
        n += target.find("key=" + key + "&") != std::string::npos;
    }
    return n;
  }

  static RequestConfig retrying() {
    return RequestConfig{.retry = RetryPolicy{.retries = 5, .delay = 1ms, .jitter = false}};
  }

  std::string flaky(const std::string& key, int fail) const {
    return server.url("/flaky?key=" + key + "&fail=" + std::to_string(fail));
  }
};

TEST_F(RetryBudgetTest, ExhaustedBudgetEndsWithTheLastErrorAndSaysSo) {
  // 4 tokens, threshold 2: the first retry leaves 3, the second would leave 2.
  Client client(retrying(), ClientOptions{.retry_budget = RetryBudgetOptions{.max_tokens = 4,
                                                                             .token_ratio = 0}});
  std::string first = unique_key();
  auto e = tether::test::fails(client.get(flaky(first, 10)));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
  ASSERT_TRUE(e.response());
  EXPECT_EQ(e.response()->status, 503);
  EXPECT_NE(std::string(e.what()).find("retry budget is exhausted"), std::string::npos) << e.what();
  EXPECT_EQ(tries(first), 2u);  // the try and one retry
  // The budget is spent for every request of the client.
  std::string second = unique_key();
  e = tether::test::fails(client.get(flaky(second, 1)));
  EXPECT_NE(std::string(e.what()).find("retry budget is exhausted"), std::string::npos) << e.what();
  EXPECT_EQ(tries(second), 1u);
  // Clients made by create() share it.
  std::string third = unique_key();
  e = tether::test::fails(client.create(RequestConfig{}).get(flaky(third, 1)));
  EXPECT_EQ(tries(third), 1u);
}

TEST_F(RetryBudgetTest, SuccessesRefillTheBudget) {
  Client client(retrying(), ClientOptions{.retry_budget = RetryBudgetOptions{.max_tokens = 4,
                                                                             .token_ratio = 1}});
  auto* budget = tether::detail::ClientAccess::retry_budget(client);
  ASSERT_NE(budget, nullptr);
  std::string drain = unique_key();
  tether::test::fails(client.get(flaky(drain, 10)));
  EXPECT_DOUBLE_EQ(budget->tokens(), 2);
  std::string refused = unique_key();
  tether::test::fails(client.get(flaky(refused, 1)));
  EXPECT_EQ(tries(refused), 1u);
  EXPECT_DOUBLE_EQ(budget->tokens(), 1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(tether::test::ok(client.get(server.url("/ok"))).status, 200);
  EXPECT_DOUBLE_EQ(budget->tokens(), 4);
  std::string retried = unique_key();
  auto response = tether::test::ok(client.get(flaky(retried, 1)));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(tries(retried), 2u);
}

TEST_F(RetryBudgetTest, DefaultBudgetIsGenerous) {
  Client client(retrying(), ClientOptions{});
  for (int i = 0; i < 5; ++i) {
    std::string key = unique_key();
    EXPECT_EQ(tether::test::ok(client.get(flaky(key, 3))).status, 200);
    EXPECT_EQ(tries(key), 4u);
  }
}

TEST_F(RetryBudgetTest, NoBudgetLeavesOnlyThePolicysLimit) {
  Client client(retrying(), ClientOptions{.retry_budget = std::nullopt});
  EXPECT_EQ(tether::detail::ClientAccess::retry_budget(client), nullptr);
  for (int i = 0; i < 3; ++i) {
    std::string key = unique_key();
    tether::test::fails(client.get(flaky(key, 10)));
    EXPECT_EQ(tries(key), 6u);  // the try and 5 retries, every time
  }
}

}  // namespace
