// The redirect policy, table-tested: status x method x location x origins x
// limits -> follow (method, body, headers) or refuse (code, message).
#include "transport/redirect_policy.hpp"

#include <gtest/gtest.h>

namespace tether::detail {
namespace {

using Action = RedirectDecision::Action;

struct Row {
  long status;
  const char* method;
  const char* location;
  const char* bound_origin;
  int redirects;
  int max_redirects;
  Action action;
  const char* next_method;  // Follow only
  bool drop_body;
  bool drop_credentials;
  bool drop_origin_bound;
};

constexpr const char* kUrl = "http://a.test:8080/start";

TEST(RedirectPolicy, Table) {
  const Row rows[] = {
      // Not a redirect: the response is the outcome.
      {200, "GET", "http://a.test:8080/x", "", 0, 21, Action::None, "", false, false, false},
      {304, "GET", "http://a.test:8080/x", "", 0, 21, Action::None, "", false, false, false},
      {302, "GET", nullptr, "", 0, 21, Action::None, "", false, false, false},
      {302, "GET", "http://a.test:8080/x", "", 0, 0, Action::None, "", false, false, false},
      // Same origin: everything kept; method rewrites as browsers do.
      {302, "GET", "http://a.test:8080/x", "", 0, 21, Action::Follow, "GET", false, false, false},
      {301, "POST", "http://a.test:8080/x", "", 0, 21, Action::Follow, "GET", true, false, false},
      {302, "POST", "http://a.test:8080/x", "", 0, 21, Action::Follow, "GET", true, false, false},
      {303, "PUT", "http://a.test:8080/x", "", 0, 21, Action::Follow, "GET", true, false, false},
      {303, "HEAD", "http://a.test:8080/x", "", 0, 21, Action::Follow, "HEAD", false, false, false},
      {307, "POST", "http://a.test:8080/x", "", 0, 21, Action::Follow, "POST", false, false, false},
      {308, "PATCH", "http://a.test:8080/x", "", 0, 21, Action::Follow, "PATCH", false, false,
       false},
      {302, "PUT", "http://a.test:8080/x", "", 0, 21, Action::Follow, "PUT", false, false, false},
      // Another origin (host, port or scheme): credentials dropped.
      {302, "GET", "http://b.test:8080/x", "", 0, 21, Action::Follow, "GET", false, true, false},
      {302, "GET", "http://a.test:8081/x", "", 0, 21, Action::Follow, "GET", false, true, false},
      {302, "GET", "https://a.test:8080/x", "", 0, 21, Action::Follow, "GET", false, true, false},
      // Default headers bound to the client's origin.
      {302, "GET", "http://a.test:8080/x", "http://a.test:8080", 0, 21, Action::Follow, "GET",
       false, false, false},
      {302, "GET", "http://b.test/x", "http://a.test:8080", 0, 21, Action::Follow, "GET", false,
       true, true},
      // Limits and schemes.
      {302, "GET", "http://a.test:8080/x", "", 21, 21, Action::Refuse, "", false, false, false},
      {302, "GET", "ftp://a.test/x", "", 0, 21, Action::Refuse, "", false, false, false},
  };
  for (const Row& r : rows) {
    RedirectInput in;
    in.status = r.status;
    in.method = r.method;
    in.location = r.location;
    in.url = kUrl;
    in.bound_origin = r.bound_origin;
    in.redirects = r.redirects;
    in.max_redirects = r.max_redirects;
    RedirectDecision d = decide_redirect(in);
    std::string where =
        std::to_string(r.status) + " " + r.method + " -> " + (r.location ? r.location : "(none)");
    ASSERT_EQ(d.action, r.action) << where;
    if (d.action != Action::Follow) continue;
    EXPECT_EQ(d.url, r.location) << where;
    EXPECT_EQ(d.method, r.next_method) << where;
    EXPECT_EQ(d.drop_body, r.drop_body) << where;
    EXPECT_EQ(d.drop_credentials, r.drop_credentials) << where;
    EXPECT_EQ(d.drop_origin_bound, r.drop_origin_bound) << where;
  }
}

TEST(RedirectPolicy, RefusalsSayWhy) {
  RedirectInput in;
  in.status = 302;
  in.method = "GET";
  in.url = kUrl;
  in.location = "http://a.test:8080/x";
  in.redirects = 3;
  in.max_redirects = 3;
  RedirectDecision d = decide_redirect(in);
  EXPECT_EQ(d.code, ErrorCode::TooManyRedirects);
  EXPECT_EQ(d.message, "Maximum number of redirects exceeded");

  in.redirects = 0;
  in.location = "ftp://user:secret@a.test/file";
  d = decide_redirect(in);
  EXPECT_EQ(d.code, ErrorCode::InvalidUrl);
  EXPECT_NE(d.message.find("ftp://a.test/file"), std::string::npos) << d.message;
  EXPECT_EQ(d.message.find("secret"), std::string::npos) << d.message;
}

TEST(RedirectPolicy, StripUserinfo) {
  EXPECT_EQ(strip_userinfo("http://u:p@h/x@y"), "http://h/x@y");
  EXPECT_EQ(strip_userinfo("https://h:1/p"), "https://h:1/p");
  EXPECT_EQ(strip_userinfo("http://a@b@h?q=@"), "http://h?q=@");
  EXPECT_EQ(strip_userinfo("not a url"), "not a url");
}

}  // namespace
}  // namespace tether::detail
