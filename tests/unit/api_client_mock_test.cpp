// ApiClient over the test kit's MockTransport: status and domain errors,
// aborts, timeouts and decoding, where no socket is needed. (What a server
// sees on the wire stays in tests/integration/api_client_test.cpp.)
#include <gtest/gtest.h>

#include <string>

#include "tether/api_client.hpp"
#include "tether/coroutine.hpp"
#include "tether/latest.hpp"
#include "tether/testing.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tether::ApiClient;
using tether::ApiError;
using tether::ApiRequest;
using tether::Client;
using tether::Data;
using tether::testing::Match;
using tether::testing::MockTransport;
using tether::testing::Reply;

namespace {

const std::string kUnexpected(tether::kUnexpectedErrorMessage);

Data ok(tether::Future<Data> f) {
  auto r = f.result();
  if (!r) ADD_FAILURE() << "make_request failed: " << r.error().what();
  return r ? std::move(r).value() : Data{};
}

// The ApiError a make_request fails with; it must be carried, not rebuilt.
ApiError fails(tether::Future<Data> f) {
  auto r = f.result();
  if (r) {
    ADD_FAILURE() << "make_request succeeded";
    return ApiError{};
  }
  const tether::Error& error = r.error();
  bool carried = false;
  try {
    if (error.cause()) std::rethrow_exception(error.cause());
  } catch (const ApiError&) {
    carried = true;
  } catch (...) {
  }
  EXPECT_TRUE(carried) << "the Future's error does not carry an ApiError: " << error.what();
  return ApiError::from(error);
}

struct ApiClientMockTest : ::testing::Test {
  std::shared_ptr<MockTransport> mock = MockTransport::create();
  Client client{{}, {.transport = mock}};
  ApiClient api{client};
};

}  // namespace

TEST_F(ApiClientMockTest, StatusErrorIsAServerErrorWithTheRawBodyAsRootCause) {
  mock->on({.url = "http://api.test/busy"}, Reply::json(503, {{"status", 503}}));
  ApiError e = fails(api.make_request({.url = "http://api.test/busy"}));
  EXPECT_EQ(e.data, (json{{"type", "ServerError"}, {"message", kUnexpected}}));
  EXPECT_EQ(e.status.code, 503);
  EXPECT_EQ(e.status.text, "Service Unavailable");
  EXPECT_FALSE(e.status.is_abort);
  ASSERT_TRUE(std::holds_alternative<Data>(e.root_cause));
  EXPECT_EQ(std::get<Data>(e.root_cause).json(), (json{{"status", 503}}));
  ASSERT_TRUE(e.response && e.request);
  EXPECT_EQ(e.response->status, 503);
  EXPECT_EQ(e.request->url, "http://api.test/busy");
}

TEST_F(ApiClientMockTest, TextErrorBodyIsTheRootCause) {
  mock->on({}, Reply::text(500, "boom"));
  ApiError e = fails(api.make_request({.url = "http://api.test/x"}));
  EXPECT_EQ(e.data["type"], "ServerError");
  EXPECT_EQ(std::get<Data>(e.root_cause).text(), "boom");
}

TEST_F(ApiClientMockTest, DomainErrorIsMergedIntoData) {
  const json domain = {{"type", "App.Comment.TooLong"}, {"message", "Too long."}, {"limit", 5}};
  mock->on({.url = "http://api.test/comments"}, Reply::json(422, domain));
  mock->on({}, Reply::json(404, {{"type", "NotFound"}, {"message", "no such endpoint"}}));
  ApiError e = fails(api.make_request({.url = "http://api.test/comments", .json = {{"c", "x"}}}));
  EXPECT_EQ(e.data, domain);
  EXPECT_EQ(e.status.code, 422);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(e.root_cause));
  ApiError missing = fails(api.make_request({.url = "http://api.test/no/such/thing"}));
  EXPECT_EQ(missing.data["type"], "NotFound");
  EXPECT_EQ(missing.status.code, 404);
}

TEST_F(ApiClientMockTest, NonSuccessLetThroughByTheClientIsStillAServerError) {
  mock->on({}, Reply::json(409, {{"status", 409}}));
  Client lenient(tether::RequestConfig{.validate_status = [](int) { return true; }},
                 {.transport = mock});
  ApiClient api_over(lenient);
  ApiError e = fails(api_over.make_request({.url = "http://api.test/conflict"}));
  EXPECT_EQ(e.data["type"], "ServerError");
  EXPECT_EQ(e.status.code, 409);
}

TEST_F(ApiClientMockTest, AClientDefaultCancelTokenIsAnAbort) {
  mock->on({}, Reply::hang());
  auto source = tether::CancelToken::source();
  Client canceling({.cancel_token = source.token}, {.transport = mock});
  ApiClient over(canceling);
  auto pending = over.make_request({.url = "http://api.test/slow"});
  ASSERT_TRUE(mock->wait_for_requests(1, 30s));
  source.cancel("user left");
  ApiError e = fails(std::move(pending));
  EXPECT_TRUE(e.status.is_abort);
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_EQ(mock->pending(), 0u);
}

// fetch() names a timed-out signal's rejection "TimeoutError": not an abort.
TEST_F(ApiClientMockTest, ATimeoutSignalIsNotAnAbort) {
  mock->on({}, Reply::hang());
  ApiError e = fails(api.make_request(
      {.url = "http://api.test/slow", .signal = tether::AbortSignal::timeout(100ms)}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
}

TEST_F(ApiClientMockTest, TimeoutIsATransportErrorButNotAnAbort) {
  mock->on({}, Reply::hang());
  Client impatient(tether::RequestConfig{.timeout = 200ms}, {.transport = mock});
  ApiClient api_over(impatient);
  ApiError e = fails(api_over.make_request({.url = "http://api.test/slow"}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_TRUE(std::get<tether::Error>(e.root_cause).is_timeout());
}

TEST_F(ApiClientMockTest, UndecodableJsonIsATransportError) {
  Reply bad_json{.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = "{nope"};
  mock->on({.url = "http://api.test/ok"}, bad_json);
  Reply bad_status = bad_json;
  bad_status.status = 500;
  mock->on({.url = "http://api.test/fail"}, bad_status);
  ApiError e = fails(api.make_request({.url = "http://api.test/ok"}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_EQ(std::get<tether::Error>(e.root_cause).code(), tether::ErrorCode::BadResponse);
  ASSERT_TRUE(e.response.has_value());
  EXPECT_EQ(e.response->data.text(), "{nope");
  // The same body with an error status: a ServerError whose root cause is the text.
  ApiError status_error = fails(api.make_request({.url = "http://api.test/fail"}));
  EXPECT_EQ(status_error.data["type"], "ServerError");
  EXPECT_EQ(std::get<Data>(status_error.root_cause).text(), "{nope");
}

// The Future's error is the underlying tether::Error; the ApiError is its cause().
TEST_F(ApiClientMockTest, LatestAbortsTheRequestItSupersedes) {
  mock->on({.url = "http://api.test/search?q=a"}, Reply::hang());
  mock->on({.url = "http://api.test/search?q=ab"}, Reply::text(200, "ok"));
  tether::Latest latest;
  auto first = api.make_request({.url = "http://api.test/search?q=a", .signal = latest.next()});
  ASSERT_TRUE(mock->wait_for_requests(1, 30s));
  auto second = api.make_request({.url = "http://api.test/search?q=ab", .signal = latest.next()});
  auto r = first.result();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_cancel());
  EXPECT_EQ(r.error().code(), tether::ErrorCode::Canceled);
  EXPECT_TRUE(r.error().reason().has_value());
  EXPECT_TRUE(tether::is_cancel(r.error().cause()));
  ApiError e = ApiError::from(r.error());
  EXPECT_TRUE(e.status.is_abort);
  EXPECT_EQ(e.data, (json{{"type", "TransportError"}, {"message", kUnexpected}}));
  EXPECT_EQ(e.status.code, 0);
  EXPECT_EQ(ok(std::move(second)).text(), "ok");
}

namespace {
tether::Future<std::string> await_type(ApiClient& api, ApiRequest request) {
  try {
    co_await api.make_request(std::move(request));
    co_return "none";
  } catch (const ApiError& e) {
    co_return e.data["type"].get<std::string>();
  }
}
}  // namespace

TEST_F(ApiClientMockTest, CoAwaitThrowsTheApiError) {
  mock->on({}, Reply::json(503, {{"status", 503}}));
  EXPECT_EQ(await_type(api, {.url = "http://api.test/x"}).get(), "ServerError");
}

// A request's param replaces the Client's default of the same name.
TEST_F(ApiClientMockTest, ARequestParamWinsOverTheClientDefault) {
  mock->on({}, Reply::text(200, "ok"));
  Client with_params({.params = {{"page", 1}, {"size", 10}}}, {.transport = mock});
  ApiClient over(with_params);
  ok(over.make_request({.url = "http://api.test/list", .params = {{"page", 2}}}));
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url.find("page=1"), std::string::npos) << sent[0].url;
  EXPECT_NE(sent[0].url.find("page=2"), std::string::npos) << sent[0].url;
  EXPECT_NE(sent[0].url.find("size=10"), std::string::npos) << sent[0].url;
}

TEST_F(ApiClientMockTest, ErrorsPrintWithoutSecrets) {
  mock->on({}, Reply::json(500, {{"status", 500}}));
  ApiError e = fails(api.make_request({.url = "http://user:hunter2@api.test/x"}));
  EXPECT_EQ(e.status.code, 500);
  EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  EXPECT_EQ(e.to_json().dump().find("hunter2"), std::string::npos) << e.to_json().dump();
}
