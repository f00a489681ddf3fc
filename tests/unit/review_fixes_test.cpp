// Defects a review of the merged issue 12, 14 and 15 work found, each held by
// a test of the rule it broke.
#include <gtest/gtest.h>

#include <chrono>
#include <span>
#include <string>
#include <variant>

#include "client/client_core.hpp"
#include "client/coalescing.hpp"
#include "client/hedging.hpp"

namespace {

using namespace std::chrono_literals;

tether::RequestConfig hedged_put(tether::Body body) {
  tether::RequestConfig config;
  config.method = "PUT";
  config.url = "http://127.0.0.1:1/x";
  config.data = std::move(body);
  config.hedge = tether::HedgePolicy{};
  return config;
}

TEST(ReviewFixes, TransformRequestCannotInjectAHeaderLine) {
  tether::RequestConfig config;
  config.url = "http://127.0.0.1:1/";
  config.transform_request.push_back([](tether::Body body, tether::Headers& headers) {
    headers.set("X-Sig", "a\r\nInjected: 1");
    return body;
  });
  auto prepared = tether::detail::prepare_config({}, std::move(config));
  auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
  ASSERT_TRUE(std::holds_alternative<tether::Error>(spec));
  EXPECT_EQ(std::get<tether::Error>(spec).code(), tether::ErrorCode::BadOptionValue);
}

TEST(ReviewFixes, AProducerBodyIsNeverHedged) {
  EXPECT_TRUE(tether::detail::hedgeable(hedged_put(tether::Body(std::string("x")))));
  auto producer = tether::Body::stream([](std::span<char>) -> std::size_t { return 0; });
  EXPECT_FALSE(tether::detail::hedgeable(hedged_put(std::move(producer))));
}

TEST(ReviewFixes, ARequestWithItsOwnDeadlineIsNotCoalesced) {
  tether::RequestConfig config;
  config.url = "http://127.0.0.1:1/x";
  EXPECT_TRUE(tether::detail::coalescable(config));
  config.deadline = std::chrono::steady_clock::now() + 1s;
  EXPECT_FALSE(tether::detail::coalescable(config));
  config.deadline.reset();
  config.scope_deadline = std::chrono::steady_clock::now() + 1s;
  EXPECT_FALSE(tether::detail::coalescable(config));
}

}  // namespace
