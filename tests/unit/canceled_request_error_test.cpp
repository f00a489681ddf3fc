// The abort path's one-allocation Error (detail::canceled_request_error) is
// exactly Error::canceled(reason).with_request(config, phase, maybe_delivered).
#include <gtest/gtest.h>

#include <memory>

#include "tether/tether.hpp"

namespace {

using tether::AbortReason;
using tether::Error;
using tether::RequestConfig;
using tether::RequestPhase;

void expect_same(const AbortReason& reason, RequestPhase phase, bool delivered) {
  RequestConfig made;
  made.url = "http://user:secret@127.0.0.1:1/x";
  made.method = "POST";
  auto config = std::make_shared<const RequestConfig>(std::move(made));
  Error two_steps = Error::canceled(reason).with_request(config, phase, delivered);
  Error one = tether::detail::canceled_request_error(reason, config, phase, delivered);
  EXPECT_EQ(one.code(), two_steps.code());
  EXPECT_STREQ(one.what(), two_steps.what());
  EXPECT_EQ(one.reason(), two_steps.reason());
  EXPECT_EQ(&one.config(), config.get());  // shared, not copied
  EXPECT_EQ(one.phase(), phase);
  EXPECT_EQ(one.maybe_delivered(), delivered);
  EXPECT_EQ(one.is_timeout(), two_steps.is_timeout());
  EXPECT_FALSE(one.is_transient());
  EXPECT_FALSE(one.response().has_value());
  EXPECT_FALSE(one.cause());
  EXPECT_FALSE(one.transfer().available);
  EXPECT_EQ(one.transport(), tether::TransportError::None);
  EXPECT_EQ(one.to_json(), two_steps.to_json());
}

TEST(CanceledRequestError, SameAsCanceledWithRequest) {
  expect_same(AbortReason{}, RequestPhase::AwaitHeaders, true);
  expect_same(AbortReason{"TimeoutError", "signal timed out"}, RequestPhase::Queued, false);
  expect_same(AbortReason{"CanceledError", "bye http://u:p@127.0.0.1/"}, RequestPhase::Body, true);
  expect_same(AbortReason{"CanceledError", ""}, RequestPhase::Connect, false);
}

TEST(CanceledRequestError, MessageIsAxios) {
  auto config = std::make_shared<const RequestConfig>();
  EXPECT_STREQ(
      tether::detail::canceled_request_error(AbortReason{}, config, RequestPhase::Queued, false)
          .what(),
      "canceled");
  Error token = tether::detail::canceled_request_error(
      AbortReason{"CanceledError", "stop http://u:p@127.0.0.1/"}, config, RequestPhase::Queued,
      false);
  EXPECT_EQ(std::string(token.what()).find("u:p@"), std::string::npos);
}

}  // namespace
