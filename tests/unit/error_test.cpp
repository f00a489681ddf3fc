#include "tether/error.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <type_traits>

#include "core/redact.hpp"
#include "tether/request.hpp"
#include "tether/response.hpp"

using tether::Error;
using tether::ErrorCode;

static_assert(std::is_nothrow_copy_constructible_v<Error>);

TEST(Error, CodeStringsAreAxios) {
  EXPECT_EQ(tether::to_string(ErrorCode::Canceled), "ERR_CANCELED");
  EXPECT_EQ(tether::to_string(ErrorCode::Timeout), "ECONNABORTED");
  EXPECT_EQ(tether::to_string(ErrorCode::TimedOut), "ETIMEDOUT");
  EXPECT_EQ(tether::to_string(ErrorCode::Network), "ERR_NETWORK");
  EXPECT_EQ(tether::to_string(ErrorCode::BadRequest), "ERR_BAD_REQUEST");
  EXPECT_EQ(tether::to_string(ErrorCode::BadResponse), "ERR_BAD_RESPONSE");
  EXPECT_EQ(tether::to_string(ErrorCode::TooManyRedirects), "ERR_FR_TOO_MANY_REDIRECTS");
  EXPECT_EQ(tether::to_string(ErrorCode::InvalidUrl), "ERR_INVALID_URL");
  EXPECT_EQ(tether::to_string(ErrorCode::BadOptionValue), "ERR_BAD_OPTION_VALUE");
  EXPECT_EQ(tether::to_string(ErrorCode::Unknown), "ERR_UNKNOWN");
}

TEST(Error, CarriesCodeAndMessage) {
  Error e(ErrorCode::BadRequest, "Request failed with status code 404");
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_STREQ(e.what(), "Request failed with status code 404");
  EXPECT_FALSE(e.is_cancel());
  EXPECT_FALSE(e.reason());
}

TEST(Error, CanceledBySignalSaysCanceled) {
  auto e = Error::canceled({"AbortError", "user left"});
  EXPECT_EQ(e.code(), ErrorCode::Canceled);
  EXPECT_STREQ(e.what(), "canceled");
  EXPECT_EQ(e.reason()->message, "user left");
  auto timeout = Error::canceled({"TimeoutError", "signal timed out"});
  EXPECT_STREQ(timeout.what(), "canceled");
  EXPECT_EQ(timeout.reason()->name, "TimeoutError");
}

TEST(Error, CanceledByTokenUsesTheCancelMessage) {
  EXPECT_STREQ(Error::canceled({"CanceledError", "Operation canceled by the user."}).what(),
               "Operation canceled by the user.");
  EXPECT_STREQ(Error::canceled({"CanceledError", ""}).what(), "canceled");
}

TEST(Error, IsCancelOnExceptions) {
  auto canceled = Error::canceled({});
  Error other(ErrorCode::Network, "Network Error");
  std::runtime_error foreign("x");
  EXPECT_TRUE(tether::is_cancel(canceled));
  EXPECT_FALSE(tether::is_cancel(other));
  EXPECT_FALSE(tether::is_cancel(foreign));
  EXPECT_TRUE(tether::is_cancel(std::make_exception_ptr(canceled)));
  EXPECT_FALSE(tether::is_cancel(std::make_exception_ptr(other)));
  EXPECT_FALSE(tether::is_cancel(std::make_exception_ptr(foreign)));
  EXPECT_FALSE(tether::is_cancel(std::make_exception_ptr(42)));
  EXPECT_FALSE(tether::is_cancel(std::exception_ptr{}));
}

TEST(Error, FromExceptionKeepsAnErrorAndWrapsOthers) {
  Error original(ErrorCode::Timeout, "timeout of 500ms exceeded");
  auto same = Error::from_exception(std::make_exception_ptr(original));
  EXPECT_EQ(same.code(), ErrorCode::Timeout);
  EXPECT_STREQ(same.what(), "timeout of 500ms exceeded");

  auto wrapped = Error::from_exception(std::make_exception_ptr(std::runtime_error("boom")));
  EXPECT_EQ(wrapped.code(), ErrorCode::Unknown);
  EXPECT_STREQ(wrapped.what(), "boom");
  ASSERT_TRUE(wrapped.cause());
  EXPECT_THROW(std::rethrow_exception(wrapped.cause()), std::runtime_error);

  auto odd = Error::from_exception(std::make_exception_ptr(7));
  EXPECT_EQ(odd.code(), ErrorCode::Unknown);
}

TEST(Error, ToJson) {
  auto j = Error(ErrorCode::BadResponse, "Request failed with status code 500").to_json();
  EXPECT_EQ(j["code"], "ERR_BAD_RESPONSE");
  EXPECT_EQ(j["message"], "Request failed with status code 500");
  EXPECT_FALSE(j.contains("reason"));
  auto c = Error::canceled({"AbortError", "why"}).to_json();
  EXPECT_EQ(c["name"], "CanceledError");
  EXPECT_EQ(c["code"], "ERR_CANCELED");
  EXPECT_EQ(c["reason"]["message"], "why");
}

// --- secrets (issue 8, defect 11) ---

TEST(Redact, ReplacesTheUserinfoOfAUrl) {
  using tether::detail::redact_userinfo;
  EXPECT_EQ(redact_userinfo("http://user:pw@host/x?y#z"), "http://***@host/x?y#z");
  EXPECT_EQ(redact_userinfo("https://token@host"), "https://***@host");
  EXPECT_EQ(redact_userinfo("http://u:p@ss@host:8080/"), "http://***@host:8080/");  // last '@'
  EXPECT_EQ(redact_userinfo("//user:pw@host/x"), "//***@host/x");
  EXPECT_EQ(redact_userinfo("http://host/users/@me"), "http://host/users/@me");  // a path's '@'
  EXPECT_EQ(redact_userinfo("http://host?to=a@b"), "http://host?to=a@b");
  EXPECT_EQ(redact_userinfo("no url here"), "no url here");
  EXPECT_EQ(redact_userinfo(""), "");
}

TEST(Redact, ReplacesEveryUrlInAMessage) {
  using tether::detail::redact_userinfo;
  EXPECT_EQ(redact_userinfo("Absolute URL \"http://a:b@h/\" refused, see 'https://c:d@i'"),
            "Absolute URL \"http://***@h/\" refused, see 'https://***@i'");
  EXPECT_EQ(redact_userinfo("Redirected to ftp://u:p@h/f: no"), "Redirected to ftp://***@h/f: no");
  // A scheme-relative URL after '=' (a query or attribute) is one too.
  EXPECT_EQ(redact_userinfo("next=//u:pw@h/x, href=//a:b@i"), "next=//***@h/x, href=//***@i");
}

TEST(Error, WhatNeverShowsUrlUserinfo) {
  Error e(ErrorCode::InvalidUrl, "Invalid URL: port out of range in http://alice:s3cret@h:99999/");
  EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos);
  EXPECT_EQ(std::string(e.what()).find("alice"), std::string::npos);
  EXPECT_STREQ(e.what(), "Invalid URL: port out of range in http://***@h:99999/");
  auto wrapped =
      Error::from_exception(std::make_exception_ptr(std::runtime_error("at http://a:s3cret@h/")));
  EXPECT_STREQ(wrapped.what(), "at http://***@h/");
}

TEST(Error, ToJsonNeverShowsSecrets) {
  tether::RequestConfig config{.method = "POST",
                               .url = "http://alice:s3cret@127.0.0.1/x",
                               .headers = {{"Authorization", "Bearer s3cret-a"},
                                           {"Proxy-Authorization", "Basic s3cret-p"},
                                           {"Cookie", "sid=s3cret-c"}}};
  config.auth = tether::Auth{"bob", "s3cret-auth"};
  config.proxy = tether::Proxy{"http://carol:s3cret-proxy@127.0.0.1:3128", std::nullopt};
  tether::Response response;
  response.status = 401;
  response.headers.append("Set-Cookie", "sid=s3cret-s");
  auto e = Error(ErrorCode::BadRequest, "Request failed with status code 401")
               .with_request(std::move(config), tether::RequestPhase::Body, true)
               .with_response(std::move(response));
  auto j = e.to_json();
  const std::string dumped = j.dump();
  EXPECT_EQ(dumped.find("s3cret"), std::string::npos) << dumped;
  EXPECT_EQ(dumped.find("alice"), std::string::npos) << dumped;
  EXPECT_EQ(j["url"], "http://***@127.0.0.1/x");
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["status"], 401);
}

TEST(Error, CancelMessagesNeverShowUrlUserinfo) {
  auto e = Error::canceled({"CanceledError", "left http://a:s3cret@h/"});
  EXPECT_STREQ(e.what(), "left http://***@h/");
  EXPECT_EQ(e.to_json().dump().find("s3cret"), std::string::npos);
}
