// ApiError: the reference article's normalised error shape, built from
// responses and tether::Errors made by hand (no network).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tether/api_client.hpp"

using nlohmann::json;
using tether::ApiError;
using tether::Data;
using tether::Error;
using tether::ErrorCode;
using tether::Response;

namespace {

const std::string kUnexpected(tether::kUnexpectedErrorMessage);

Response response_of(int status, std::string text, Data data) {
  Response r;
  r.status = status;
  r.status_text = std::move(text);
  r.data = std::move(data);
  r.config.method = "POST";
  r.config.url = "http://user:secret@127.0.0.1:1/preview";
  return r;
}

}  // namespace

TEST(ApiError, DefaultIsATransportErrorOfTheFixedShape) {
  ApiError e;
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_EQ(e.data["message"], kUnexpected);
  EXPECT_EQ(e.status.code, 0);
  EXPECT_EQ(e.status.text, "Unknown");
  EXPECT_FALSE(e.status.is_abort);
}

TEST(ApiError, NonDomainJsonBodyIsTheRootCause) {
  auto e =
      ApiError::server_error(response_of(500, "Internal Server Error", Data::from_json({1, 2})));
  EXPECT_EQ(e.data, (json{{"type", "ServerError"}, {"message", kUnexpected}}));
  EXPECT_EQ(e.status.code, 500);
  EXPECT_EQ(e.status.text, "Internal Server Error");
  EXPECT_FALSE(e.status.is_abort);
  ASSERT_TRUE(std::holds_alternative<Data>(e.root_cause));
  EXPECT_EQ(std::get<Data>(e.root_cause).json(), json({1, 2}));
  ASSERT_TRUE(e.response.has_value());
  EXPECT_EQ(e.response->status, 500);
  ASSERT_TRUE(e.request.has_value());
  EXPECT_EQ(e.request->method, "POST");
}

TEST(ApiError, DomainErrorIsMergedWhole) {
  json body = {{"type", "App.Comment.TooLong"},
               {"message", "Your comment is too long."},
               {"limit", 1000},
               {"extra", {{"field", "content"}}}};
  auto e = ApiError::server_error(response_of(422, "Unprocessable Entity", Data::from_json(body)));
  EXPECT_EQ(e.data, body);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(e.root_cause));
  EXPECT_EQ(e.status.code, 422);
}

TEST(ApiError, DomainShapeNeedsStringTypeAndMessage) {
  for (json body : {json{{"type", 1}, {"message", "m"}}, json{{"type", "T"}},
                    json{{"type", "T"}, {"message", nullptr}}, json("type"), json(nullptr)}) {
    auto e = ApiError::server_error(response_of(400, "Bad Request", Data::from_json(body)));
    EXPECT_EQ(e.data["type"], "ServerError") << body;
    EXPECT_EQ(e.data["message"], kUnexpected) << body;
    ASSERT_TRUE(std::holds_alternative<Data>(e.root_cause)) << body;
  }
}

TEST(ApiError, TextBodyIsTheRootCause) {
  auto e =
      ApiError::server_error(response_of(502, "Bad Gateway", Data::from_text("<h1>oops</h1>")));
  EXPECT_EQ(e.data["type"], "ServerError");
  EXPECT_EQ(std::get<Data>(e.root_cause).text(), "<h1>oops</h1>");
  EXPECT_EQ(e.to_json()["root_cause"], "<h1>oops</h1>");
}

TEST(ApiError, AbortIsATransportErrorWithIsAbort) {
  auto e = ApiError::transport_error(Error::canceled({"AbortError", "superseded"}));
  EXPECT_EQ(e.data, (json{{"type", "TransportError"}, {"message", kUnexpected}}));
  EXPECT_EQ(e.status.code, 0);
  EXPECT_EQ(e.status.text, "Unknown");
  EXPECT_TRUE(e.status.is_abort);
  ASSERT_TRUE(std::holds_alternative<Error>(e.root_cause));
  EXPECT_TRUE(std::get<Error>(e.root_cause).is_cancel());
}

TEST(ApiError, CancelTokenIsAnAbort) {
  auto e = ApiError::transport_error(Error::canceled({"CanceledError", "user left"}));
  EXPECT_TRUE(e.status.is_abort);
}

// fetch() rejects a timed-out signal with a "TimeoutError", not an "AbortError".
TEST(ApiError, TimeoutsAreNotAborts) {
  EXPECT_FALSE(ApiError::transport_error(Error::canceled({"TimeoutError", "t"})).status.is_abort);
  EXPECT_FALSE(ApiError::transport_error(Error(ErrorCode::Timeout, "timeout of 5ms exceeded"))
                   .status.is_abort);
}

TEST(ApiError, NetworkFailureIsATransportErrorWithItsCause) {
  auto cause = Error(ErrorCode::Network, "connect ECONNREFUSED")
                   .with_transport(tether::TransportError::Refused);
  auto e = ApiError::transport_error(cause);
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_EQ(std::get<Error>(e.root_cause).transport(), tether::TransportError::Refused);
  EXPECT_NE(std::string(e.what()).find("ECONNREFUSED"), std::string::npos) << e.what();
}

TEST(ApiError, FromAnErrorCarryingItGivesItBack) {
  auto original = ApiError::server_error(
      response_of(409, "Conflict", Data::from_json({{"type", "Conflict"}, {"message", "taken"}})));
  auto carried = Error::from_exception(std::make_exception_ptr(original));
  auto back = ApiError::from(carried);
  EXPECT_EQ(back.data, original.data);
  EXPECT_EQ(back.status.code, 409);
  EXPECT_STREQ(back.what(), original.what());
  EXPECT_EQ(ApiError::from(std::make_exception_ptr(carried)).status.code, 409);
  EXPECT_EQ(ApiError::from(std::make_exception_ptr(original)).status.code, 409);
}

TEST(ApiError, FromARejectedStatusErrorIsAServerError) {
  auto error = Error(ErrorCode::BadRequest, "Request failed with status code 404")
                   .with_response(response_of(404, "Not Found", Data::from_text("nope")));
  auto e = ApiError::from(error);
  EXPECT_EQ(e.data["type"], "ServerError");
  EXPECT_EQ(e.status.code, 404);
  EXPECT_EQ(std::get<Data>(e.root_cause).text(), "nope");
}

TEST(ApiError, FromAForeignExceptionIsATransportError) {
  auto e = ApiError::from(std::make_exception_ptr(std::runtime_error("interceptor blew up")));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_NE(std::string(e.what()).find("interceptor blew up"), std::string::npos);
  EXPECT_EQ(ApiError::from(std::exception_ptr{}).data["type"], "TransportError");
}

TEST(ApiError, WhatSaysTypeStatusAndRequestWithoutSecrets) {
  auto e = ApiError::server_error(response_of(503, "Service Unavailable", Data::from_text("")));
  const std::string what = e.what();
  EXPECT_NE(what.find("ServerError (503 Service Unavailable)"), std::string::npos) << what;
  EXPECT_NE(what.find("POST http://***@127.0.0.1:1/preview"), std::string::npos) << what;
  EXPECT_EQ(what.find("secret"), std::string::npos) << what;
  auto aborted = ApiError::transport_error(Error::canceled({}));
  EXPECT_NE(std::string(aborted.what()).find("TransportError (aborted)"), std::string::npos)
      << aborted.what();
}

TEST(ApiError, ToJsonHasTheShapeAndNoSecrets) {
  auto e = ApiError::server_error(
      response_of(400, "Bad Request", Data::from_json({{"type", "Invalid"}, {"message", "no"}})));
  const json j = e.to_json();
  EXPECT_EQ(j["data"]["type"], "Invalid");
  EXPECT_EQ(j["status"], (json{{"code", 400}, {"text", "Bad Request"}, {"is_abort", false}}));
  EXPECT_EQ(j["request"]["method"], "POST");
  EXPECT_EQ(j["response"]["status"], 400);
  EXPECT_EQ(j.dump().find("secret"), std::string::npos) << j.dump();
}

TEST(ApiError, OnlyARejectedStatusIsAServerError) {
  auto redirects = Error(ErrorCode::TooManyRedirects, "Maximum number of redirects exceeded")
                       .with_response(response_of(302, "Found", Data::from_text("")));
  auto e = ApiError::from(redirects);
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_EQ(e.status.code, 0);
  EXPECT_EQ(std::get<Error>(e.root_cause).code(), ErrorCode::TooManyRedirects);
  auto rejected = Error(ErrorCode::BadResponse, "Request failed with status code 503")
                      .with_response(response_of(503, "Unavailable", Data::from_text("")));
  EXPECT_EQ(ApiError::from(rejected).data["type"], "ServerError");
}
