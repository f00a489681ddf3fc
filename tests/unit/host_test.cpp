// Host canonicalisation (src/http/host.*): every spelling of a host maps to
// one form before any policy looks at it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/host.hpp"

using tether::detail::canonical_host;
using tether::detail::parse_ip;
using tether::detail::parse_ipv4;
using tether::detail::parse_ipv6;
using tether::detail::without_trailing_dot;

namespace {

struct Case {
  std::string in;
  std::string out;
};

TEST(Host, CanonicalFormsOfLoopback) {
  // The spellings of axios' 2026 NO_PROXY bypass, and their friends.
  const std::vector<Case> cases = {
      {"127.0.0.1", "127.0.0.1"},
      {"127.1", "127.0.0.1"},
      {"127.0.1", "127.0.0.1"},
      {"2130706433", "127.0.0.1"},
      {"0x7f000001", "127.0.0.1"},
      {"0177.0.0.1", "127.0.0.1"},
      {"0177.1", "127.0.0.1"},
      {"0x7f.1", "127.0.0.1"},
      {"0x7F.0.0.1", "127.0.0.1"},
      {"017700000001", "127.0.0.1"},
      {"127.0.0.1.", "127.0.0.1"},
      {"[::ffff:127.0.0.1]", "127.0.0.1"},
      {"::ffff:127.0.0.1", "127.0.0.1"},
      {"[::ffff:7f00:1]", "127.0.0.1"},
      {"[0:0:0:0:0:ffff:7f00:0001]", "127.0.0.1"},
      {"[::1]", "::1"},
      {"::1", "::1"},
      {"[0:0:0:0:0:0:0:1]", "::1"},
      {"[::0001]", "::1"},
      {"[fe80::1%25eth0]", "fe80::1"},
      {"[FD00:EC2::254]", "fd00:ec2::254"},
  };
  for (const auto& c : cases) EXPECT_EQ(canonical_host(c.in), c.out) << c.in;
}

TEST(Host, CanonicalNames) {
  const std::vector<Case> cases = {
      {"localhost", "localhost"},         {"LOCALHOST", "localhost"},
      {"localhost.", "localhost"},        {"Example.COM.", "example.com"},
      {"a-b.example", "a-b.example"},     {"xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"0x7f.example", "0x7f.example"},  // the last label is not a number: a name
      {"1.2.3.example", "1.2.3.example"},
  };
  for (const auto& c : cases) EXPECT_EQ(canonical_host(c.in), c.out) << c.in;
}

TEST(Host, InvalidHostsHaveNoCanonicalForm) {
  for (const std::string& bad : std::vector<std::string>{"",
                                                         ".",
                                                         "..",
                                                         "a..b",
                                                         ".a",
                                                         "a b",
                                                         "a\tb",
                                                         "a/b",
                                                         "a\\b",
                                                         "a@b",
                                                         "a:b",
                                                         "a?b",
                                                         "a#b",
                                                         "[::1",
                                                         "::1]",
                                                         "[127.0.0.1]",
                                                         "[::g]",
                                                         "1.2.3.4.5",
                                                         "256.0.0.1",
                                                         "1.2.3.256",
                                                         "4294967296",
                                                         "0x100000000",
                                                         "08.0.0.1",
                                                         "1.2.3.09",
                                                         "example.123",
                                                         "[]",
                                                         std::string("a\0b", 3),
                                                         "a\r\nb",
                                                         "%6c%6f"}) {
    EXPECT_EQ(canonical_host(bad), "") << bad;
  }
}

TEST(Host, Ipv4PartsFillTheRemainingBytes) {
  EXPECT_EQ(canonical_host("1.16777215"), "1.255.255.255");
  EXPECT_EQ(canonical_host("1.2.65535"), "1.2.255.255");
  EXPECT_EQ(canonical_host("1.16777216"), "");
  EXPECT_EQ(canonical_host("4294967295"), "255.255.255.255");
  EXPECT_EQ(canonical_host("0"), "0.0.0.0");
  EXPECT_EQ(canonical_host("0x"), "0.0.0.0");                // WHATWG: "0x" is zero
  EXPECT_EQ(canonical_host("99999999999999999999999"), "");  // no overflow
}

TEST(Host, ParseIp) {
  EXPECT_FALSE(parse_ipv4("localhost"));
  EXPECT_FALSE(parse_ipv4("1.2.3.4 "));
  EXPECT_FALSE(parse_ipv4(" 1.2.3.4"));
  EXPECT_FALSE(parse_ipv4("1.2.3.4/8"));
  EXPECT_FALSE(parse_ipv6("1.2.3.4"));
  EXPECT_FALSE(parse_ipv6("[::1] "));
  auto mapped = parse_ip("[::ffff:10.0.0.1]");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6);
  EXPECT_EQ(*mapped, *parse_ipv4("10.0.0.1"));
  auto v6 = parse_ip("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(to_string(*v6), "2001:db8::1");
}

// A host's trailing dot goes before any resolver or policy sees the URL:
// "localhost." and "127.0.0.1." are otherwise names of their own (real DNS).
TEST(Host, TrailingDotLeavesTheUrl) {
  const std::vector<Case> cases = {
      {"http://localhost.:8080/ok", "http://localhost:8080/ok"},
      {"http://127.0.0.1./x?a=1#f", "http://127.0.0.1/x?a=1#f"},
      {"https://API.Example.COM./p", "https://api.example.com/p"},
      {"http://user:pw@host.test.:81/", "http://user:pw@host.test:81/"},
      // Left as they are: no trailing dot, IPv6, not a URL.
      {"http://localhost:8080/ok", "http://localhost:8080/ok"},
      {"http://Example.com/a.b.", "http://Example.com/a.b."},
      {"http://[::1]:80/", "http://[::1]:80/"},
      {"not a url.", "not a url."},
      {"http://a..b./", "http://a..b./"},
  };
  for (const Case& c : cases) EXPECT_EQ(without_trailing_dot(c.in), c.out) << c.in;
}

}  // namespace
