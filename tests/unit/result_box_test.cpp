// A Result of a large value (a Response) holds it on the heap: the Result
// stays small (an Error settles a Future<Response> without room for a
// Response), and copies, moves and value access behave as with a plain value.
#include <gtest/gtest.h>

#include <string>

#include "tether/future.hpp"
#include "tether/response.hpp"

using tether::Error;
using tether::ErrorCode;
using tether::Response;
using tether::Result;

namespace {

Response response_with(int status, std::string body) {
  Response r;
  r.status = status;
  r.data = tether::Data::from_text(std::move(body));
  return r;
}

TEST(ResultBox, ALargeValueDoesNotMakeTheResultLarge) {
  static_assert(sizeof(Response) > 128);
  EXPECT_LE(sizeof(Result<Response>), 64u);
}

TEST(ResultBox, CopiesAreDeepAndMovesKeepTheValue) {
  Result<Response> a(response_with(201, "created"));
  Result<Response> copy = a;
  copy.value().status = 500;
  EXPECT_EQ(a.value().status, 201) << "a copy shares nothing with its original";
  Result<Response> moved = std::move(a);
  EXPECT_EQ(moved.value().status, 201);
  EXPECT_EQ(moved.value().data.text(), "created");
  // (The moved-from Result has no value left: reading it is a misuse, not a crash.)
  EXPECT_THROW((void)a.value(), Error);  // NOLINT(bugprone-use-after-move)
  copy = a;                              // assigning a moved-from Result
  EXPECT_THROW((void)copy.value(), Error);
  Response out = std::move(moved).value();
  EXPECT_EQ(out.status, 201);
}

TEST(ResultBox, AnErrorResultOfALargeTypeHoldsTheError) {
  Result<Response> r(Error(ErrorCode::Canceled, "canceled"));
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Canceled);
  EXPECT_THROW((void)r.value(), Error);
}

TEST(ResultBox, AFutureOfAResponseSettlesWithAValueOrAnError) {
  tether::Promise<Response> value_promise;
  auto value_future = value_promise.get_future();
  value_promise.set_value(response_with(200, "ok"));
  EXPECT_EQ(value_future.get().data.text(), "ok");

  tether::Promise<Response> error_promise;
  auto error_future = error_promise.get_future();
  error_promise.set_error(Error(ErrorCode::Canceled, "canceled"));
  EXPECT_EQ(error_future.result().error().code(), ErrorCode::Canceled);
}

}  // namespace
