// The quick URL test that spares most requests curl's full parse: every URL it
// passes, curl accepts (checked against curl itself); the usual URLs take it;
// anything unusual or wrong is left to the full parse (and its named problem).
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/client_core.hpp"
#include "client/plain_url.hpp"

using tether::detail::plainly_valid_url;

namespace {

bool curl_accepts(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
  return curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) ==
         CURLUE_OK;
}

const char* const kUsual[] = {
    "http://127.0.0.1:8080/ok",
    "http://localhost/",
    "http://localhost",
    "https://api.example.com/v1/users?id=7&sort=name#top",
    "https://example.com:443/a/b.json?q=%20x&list[]=1",  // '[' after the path: full parse
    "http://127.0.0.2:65535/x",
    "http://0x7f.1/",  // a name to this test; curl reads it as 127.0.0.1
    "https://sub-domain.example.org/path;params?x=1,2&y=(3)*4+5!~'$",
};

const char* const kUnusual[] = {
    "http://[::1]:8080/",      // IPv6 literal
    "http://user:pass@host/",  // userinfo
    "http://host:0/",          // port 0
    "http://host:65536/",      // port out of range
    "http://host:080/",        // leading zero
    "http://host:/",           // empty port
    "http://host:8a/",         // not a number
    "http://999.1.1.1/",       // not a dotted quad of 0-255
    "http://127.0.1/",         // another numeric form
    "http://ho_st/",           // '_' in a host
    "http://-localhost/",      // leading '-'
    "http:///path",            // no host
    "http://host/a b",         // space
    "http://host/a\\b",        // backslash
    "http://host/\xc3\xa9",    // non-ASCII
    "http://h\xc3\xa9st/",     // non-ASCII host
    "HTTP://host/",            // other spelling of the scheme
    "ftp://host/",             // other scheme
    "http://host/{}",          // braces
    "http://host/a\"b",        // quote
    "http://host%2e/",         // percent in a host
    "http://host:8080:9090/",  // two ports
};

}  // namespace

TEST(PlainUrl, TheUsualUrlsTakeTheQuickTest) {
  for (const char* url : kUsual) {
    std::string u = url;
    bool expected = u.find('[') == std::string::npos;
    EXPECT_EQ(plainly_valid_url(u), expected) << u;
  }
}

TEST(PlainUrl, EveryUrlItPassesCurlAccepts) {
  for (const char* url : kUsual) {
    if (plainly_valid_url(url)) EXPECT_TRUE(curl_accepts(url)) << url;
  }
  for (const char* url : kUnusual) {
    EXPECT_FALSE(plainly_valid_url(url)) << url;
  }
}

TEST(PlainUrl, BadUrlsStillGetTheirNamedProblem) {
  // A bad port passes neither test: the full parse names it.
  auto prepared = tether::detail::prepare_config({}, {.url = "http://127.0.0.1:99999/"});
  auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
  auto* error = std::get_if<tether::Error>(&spec);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->code(), tether::ErrorCode::InvalidUrl);
  EXPECT_NE(std::string(error->what()).find("port"), std::string::npos) << error->what();
}
