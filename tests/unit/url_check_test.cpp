// Bad URLs fail at request time as ERR_INVALID_URL, with the problem named
// and never with the URL's userinfo (issue 8, defects 9 and 11).
#include <gtest/gtest.h>

#include <string>

#include "client/client_core.hpp"

using tether::RequestConfig;
using tether::detail::prepare_config;
using tether::detail::TransferSpec;

// --- bad URLs: named problem, ERR_INVALID_URL at request time, no userinfo ---

namespace {

tether::Error url_error(RequestConfig config) {
  auto prepared = prepare_config({}, std::move(config));
  auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
  if (auto* error = std::get_if<tether::Error>(&spec)) return *error;
  ADD_FAILURE() << "accepted: " << prepared.config.url;
  return tether::Error(tether::ErrorCode::Unknown, "accepted");
}

std::string url_message(std::string url) {
  auto e = url_error({.url = std::move(url)});
  EXPECT_EQ(e.code(), tether::ErrorCode::InvalidUrl);
  return e.what();
}

}  // namespace

TEST(UrlCheck, ABadPortIsNamed) {
  EXPECT_EQ(url_message("http://127.0.0.1:99999/"),
            "Invalid URL: port out of range (0-65535) or not a number in http://127.0.0.1:99999/");
  EXPECT_NE(url_message("http://127.0.0.1:8x/").find("port"), std::string::npos);
}

TEST(UrlCheck, OtherProblemsAreNamed) {
  EXPECT_EQ(url_message("not a url"), "Invalid URL: a space (encode it as %20) in not a url");
  EXPECT_EQ(url_message("/relative"),
            "Invalid URL: not an absolute http or https URL in /relative");
  EXPECT_EQ(url_message("http://"), "Invalid URL: no host in http://");
  EXPECT_EQ(url_message("http://[::1/"),
            "Invalid URL: " + std::string("bad IPv6 address") + " in http://[::1/");
  EXPECT_EQ(url_message("ftp://127.0.0.1/f"), "Unsupported protocol ftp: ftp://127.0.0.1/f");
  // Bytes that would split the request line are a bad option, as in a header.
  auto control = url_error({.url = "http://a\r\nb/"});
  EXPECT_EQ(control.code(), tether::ErrorCode::BadOptionValue);
  EXPECT_STREQ(control.what(), "Invalid URL: a control character (CR, LF, NUL) in http://a??b/");
}

TEST(UrlCheck, GoodUrlsPass) {
  for (std::string url : {"http://127.0.0.1/", "https://localhost:8443/a/b?c=d#e",
                          "http://[::1]:80/x", "HTTP://127.0.0.1", "http://u:p@127.0.0.1/"}) {
    auto prepared = prepare_config({}, {.url = url});
    auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
    EXPECT_TRUE(std::holds_alternative<TransferSpec>(spec)) << url;
  }
}

TEST(UrlCheck, MessagesNeverShowUserinfo) {
  for (std::string url : {"http://alice:s3cret@127.0.0.1:99999/", "ftp://alice:s3cret@127.0.0.1/",
                          "http://alice:s3cret@127.0.0.1/a b"}) {
    std::string message = url_message(url);
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_EQ(message.find("alice"), std::string::npos) << message;
  }
  auto refused =
      url_error({.url = "http://alice:s3cret@127.0.0.1/", .base_url = "http://127.0.0.1/"});
  EXPECT_EQ(refused.code(), tether::ErrorCode::InvalidUrl);
  EXPECT_EQ(std::string(refused.what()).find("s3cret"), std::string::npos) << refused.what();
  EXPECT_NE(std::string(refused.what()).find("http://***@127.0.0.1/"), std::string::npos);
}
