// Security decisions on URLs, as pure functions: what counts as leaving
// base_url, and which redirects keep credentials (origins compared in their
// canonical form).
#include <gtest/gtest.h>

#include <string>

#include "http/absolute_url.hpp"
#include "transport/engine.hpp"
#include "transport/redirect_policy.hpp"

using tether::detail::decide_redirect;
using tether::detail::is_absolute_url;
using tether::detail::origin_of;
using tether::detail::RedirectInput;

namespace {

TEST(SecurityUrl, AbsoluteAndProtocolRelativeSpellings) {
  for (std::string url :
       {"http://evil/x", "HTTPS://evil", "//evil/x", "\\\\evil", "/\\evil", "\\/evil", "http:evil",
        "http:/evil", "http:\\\\evil", "file:///etc/passwd", "javascript:alert(1)", "gopher://evil",
        "a+b.c-d:x", " //evil", "\t//evil", "/\t/evil", "/\n/evil", "\x01//evil",
        "localhost:8080/x"}) {
    EXPECT_TRUE(is_absolute_url(url)) << url;
  }
  for (std::string url : {"", "/", "/users", "users", "users/1:2", "./a:b", "/a//b", "?q=http://x",
                          "#//x", "/path?next=//evil", "1abc:x", "-x:y", "a b:c"}) {
    EXPECT_FALSE(is_absolute_url(url)) << url;
  }
}

TEST(SecurityUrl, OriginsAreCanonical) {
  EXPECT_EQ(origin_of("http://127.0.0.1/"), "http://127.0.0.1:80");
  EXPECT_EQ(origin_of("http://127.1/"), "http://127.0.0.1:80");
  EXPECT_EQ(origin_of("http://2130706433/"), "http://127.0.0.1:80");
  EXPECT_EQ(origin_of("http://0x7f.1/"), "http://127.0.0.1:80");
  EXPECT_EQ(origin_of("http://[::ffff:127.0.0.1]/"), "http://127.0.0.1:80");
  EXPECT_EQ(origin_of("HTTP://LocalHost./"), "http://localhost:80");
  EXPECT_EQ(origin_of("https://[0:0::1]:8443/"), "https://::1:8443");
}

RedirectInput from(const char* url, const char* location) {
  RedirectInput in;
  in.status = 302;
  in.method = "GET";
  in.location = location;
  in.url = url;
  return in;
}

TEST(SecurityUrl, CredentialsStayWithTheirOriginWhateverItsSpelling) {
  // The same origin spelled another way keeps them...
  EXPECT_FALSE(decide_redirect(from("http://127.0.0.1:80/a", "http://127.1/b")).drop_credentials);
  EXPECT_FALSE(
      decide_redirect(from("http://localhost/a", "http://LOCALHOST.:80/b")).drop_credentials);
  // ...another origin, or the same host downgraded to http, does not.
  EXPECT_TRUE(decide_redirect(from("http://127.0.0.1/a", "http://127.0.0.2/b")).drop_credentials);
  EXPECT_TRUE(decide_redirect(from("http://127.0.0.1/a", "http://localhost/b")).drop_credentials);
  EXPECT_TRUE(decide_redirect(from("https://h.test/a", "http://h.test/b")).drop_credentials);
  EXPECT_TRUE(decide_redirect(from("https://h.test/a", "http://h.test:443/b")).drop_credentials);
  EXPECT_TRUE(decide_redirect(from("http://h.test/a", "http://h.test:8080/b")).drop_credentials);
}

TEST(SecurityUrl, BaseUrlBindingComparesCanonicalOrigins) {
  RedirectInput in = from("http://127.0.0.1:8080/a", "http://127.1:8080/b");
  in.bound_origin = "http://127.0.0.1:8080";
  EXPECT_FALSE(decide_redirect(in).drop_origin_bound);
  in.location = "http://[::ffff:7f00:2]:8080/b";
  EXPECT_TRUE(decide_redirect(in).drop_origin_bound);
}

}  // namespace
