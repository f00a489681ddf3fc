// The egress policy's address classes and allow-list (src/transport/egress.*).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "tether/error.hpp"
#include "transport/egress.hpp"
#include "transport/egress_resolve.hpp"

using tether::EgressPolicy;
using tether::detail::AddressClass;
using tether::detail::classify;
using tether::detail::EgressRules;
using tether::detail::parse_ip;
using tether::detail::parse_range;

namespace {

AddressClass class_of(const std::string& text) {
  auto a = parse_ip(text);
  EXPECT_TRUE(a) << text;
  return a ? classify(*a) : AddressClass::Public;
}

TEST(Egress, AddressClasses) {
  struct Case {
    std::string address;
    AddressClass cls;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1", AddressClass::Loopback},
      {"127.255.255.254", AddressClass::Loopback},
      {"::1", AddressClass::Loopback},
      {"::ffff:127.0.0.1", AddressClass::Loopback},
      {"10.0.0.1", AddressClass::Private},
      {"172.16.0.1", AddressClass::Private},
      {"172.31.255.255", AddressClass::Private},
      {"192.168.1.1", AddressClass::Private},
      {"fc00::1", AddressClass::Private},
      {"fd12:3456::1", AddressClass::Private},
      {"169.254.1.1", AddressClass::LinkLocal},
      {"fe80::1", AddressClass::LinkLocal},
      {"100.64.0.1", AddressClass::Shared},
      {"100.127.255.255", AddressClass::Shared},
      {"0.0.0.0", AddressClass::Unspecified},
      {"0.1.2.3", AddressClass::Unspecified},
      {"::", AddressClass::Unspecified},
      {"224.0.0.1", AddressClass::Multicast},
      {"239.255.255.250", AddressClass::Multicast},
      {"ff02::1", AddressClass::Multicast},
      {"255.255.255.255", AddressClass::Broadcast},
      {"240.0.0.1", AddressClass::Reserved},
      {"192.0.0.1", AddressClass::Reserved},
      {"fec0::1", AddressClass::Private},
      {"ff00::1", AddressClass::Multicast},
      {"169.254.169.254", AddressClass::Metadata},
      {"fd00:ec2::254", AddressClass::Metadata},
      // IPv6 spellings of IPv4 addresses have the IPv4 address's class.
      {"::ffff:169.254.169.254", AddressClass::Metadata},
      {"::10.0.0.1", AddressClass::Private},
      {"64:ff9b::a9fe:a9fe", AddressClass::Metadata},
      {"2002:7f00:1::", AddressClass::Loopback},
      // Public neighbours of the ranges.
      {"8.8.8.8", AddressClass::Public},
      {"11.0.0.1", AddressClass::Public},
      {"172.15.255.255", AddressClass::Public},
      {"172.32.0.0", AddressClass::Public},
      {"100.63.255.255", AddressClass::Public},
      {"100.128.0.0", AddressClass::Public},
      {"169.253.255.255", AddressClass::Public},
      {"223.255.255.255", AddressClass::Public},
      {"2001:db8::1", AddressClass::Public},
      {"2606:4700::1111", AddressClass::Public},
      {"fe00::1", AddressClass::Public},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(class_of(c.address), c.cls) << c.address << " is " << describe(class_of(c.address));
  }
}

TEST(Egress, Ranges) {
  auto r = parse_range("10.1.0.0/16");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(*parse_ip("10.1.2.3")));
  EXPECT_FALSE(r->contains(*parse_ip("10.2.0.0")));
  EXPECT_TRUE(r->contains(*parse_ip("::ffff:10.1.0.9")));  // mapped: the IPv4 address
  auto one = parse_range("127.0.0.1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->prefix, 32);
  EXPECT_FALSE(one->contains(*parse_ip("127.0.0.2")));
  auto v6 = parse_range("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*parse_ip("fd12::1")));
  EXPECT_FALSE(v6->contains(*parse_ip("fc00::1")));
  EXPECT_TRUE(parse_range("0.0.0.0/0"));
  EXPECT_TRUE(parse_range("1.2.3.4/17"));
  for (std::string bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
                          "10.0.0.0/8/8", "10.0.0.0/ 8", "localhost", "10.0.0.0/1234"}) {
    EXPECT_FALSE(parse_range(bad)) << bad;
  }
}

TEST(Egress, RulesRefuseInternalAddressesUnlessAllowed) {
  EXPECT_EQ(EgressRules::make({}), nullptr);  // off by default
  auto rules = EgressRules::make({.deny_internal = true, .allow = {"127.0.0.1", "fd00::/8"}});
  ASSERT_TRUE(rules);
  EXPECT_FALSE(rules->refusal(*parse_ip("127.0.0.1")));
  EXPECT_FALSE(rules->refusal(*parse_ip("::ffff:127.0.0.1")));
  EXPECT_FALSE(rules->refusal(*parse_ip("fd00:ec2::254")));  // explicitly allowed
  EXPECT_FALSE(rules->refusal(*parse_ip("93.184.216.34")));
  auto loopback = rules->refusal(*parse_ip("127.0.0.2"));
  ASSERT_TRUE(loopback);
  EXPECT_EQ(*loopback,
            "Connection to 127.0.0.2 refused by the egress policy (loopback address; allow it "
            "with EgressPolicy::allow)");
  auto metadata = rules->refusal(*parse_ip("169.254.169.254"));
  ASSERT_TRUE(metadata);
  EXPECT_NE(metadata->find("cloud metadata"), std::string::npos) << *metadata;
}

TEST(Egress, RulesCheckSocketAddresses) {
  auto rules = EgressRules::make({.deny_internal = true});
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "10.9.8.7", &v4.sin_addr);
  auto refused = rules->refusal(reinterpret_cast<sockaddr*>(&v4), sizeof v4);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("10.9.8.7"), std::string::npos);
  EXPECT_NE(refused->find("private"), std::string::npos);
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);
  refused = rules->refusal(reinterpret_cast<sockaddr*>(&v6), sizeof v6);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("loopback"), std::string::npos) << *refused;
  inet_pton(AF_INET6, "2606:4700::1111", &v6.sin6_addr);
  EXPECT_FALSE(rules->refusal(reinterpret_cast<sockaddr*>(&v6), sizeof v6));
  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_TRUE(rules->refusal(&unix_like, sizeof unix_like));
  EXPECT_TRUE(rules->refusal(reinterpret_cast<sockaddr*>(&v4), 4));  // truncated
}

TEST(Egress, BadAllowEntryIsAClearError) {
  try {
    (void)EgressRules::make({.deny_internal = true, .allow = {"10.0.0.0/8", "intranet.local"}});
    FAIL() << "no error";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::BadOptionValue);
    EXPECT_NE(std::string(e.what()).find("intranet.local"), std::string::npos) << e.what();
  }
}

// Every range the policy refuses, as the refusal names it: the coverage that
// integration tests would otherwise get by connecting to such addresses.
TEST(Egress, EveryInternalRangeIsRefusedWithItsClassNamed) {
  auto rules = EgressRules::make({.deny_internal = true});
  ASSERT_TRUE(rules);
  struct Case {
    std::string address;
    std::string cls;
  };
  const std::vector<Case> cases = {
      {"169.254.169.254", "cloud metadata"},
      {"fd00:ec2::254", "cloud metadata"},
      {"::ffff:169.254.169.254", "cloud metadata"},
      {"10.0.0.1", "private"},
      {"172.16.0.1", "private"},
      {"192.168.0.1", "private"},
      {"fd00::1", "private"},
      {"fec0::1", "private"},
      {"100.64.0.1", "shared"},
      {"0.0.0.0", "unspecified"},
      {"::", "unspecified"},
      {"fe80::1", "link-local"},
      {"169.254.0.1", "link-local"},
      {"127.0.0.1", "loopback"},
      {"::1", "loopback"},
      {"224.0.0.1", "multicast"},
      {"ff02::1", "multicast"},
      {"255.255.255.255", "broadcast"},
      {"240.0.0.1", "reserved"},
      {"192.0.0.8", "reserved"},
  };
  for (const Case& c : cases) {
    auto refused = rules->refusal(*parse_ip(c.address));
    ASSERT_TRUE(refused) << c.address;
    EXPECT_NE(refused->find("refused by the egress policy (" + c.cls), std::string::npos)
        << c.address << ": " << *refused;
    EXPECT_NE(refused->find(tether::detail::to_string(*parse_ip(c.address))), std::string::npos)
        << *refused;
  }
}

// A proxy takes the target out of the policy's sight: only an explicitly
// allowed proxy address goes, a public one as much as an internal one.
TEST(Egress, AProxyMustBeExplicitlyAllowed) {
  auto rules = EgressRules::make({.deny_internal = true, .allow = {"10.20.0.0/16", "::1"}});
  ASSERT_TRUE(rules);
  EXPECT_FALSE(rules->proxy_refusal(*parse_ip("10.20.3.4")));
  EXPECT_FALSE(rules->proxy_refusal(*parse_ip("::1")));
  auto public_proxy = rules->proxy_refusal(*parse_ip("93.184.216.34"));
  ASSERT_TRUE(public_proxy);
  EXPECT_NE(public_proxy->find("proxy at 93.184.216.34"), std::string::npos) << *public_proxy;
  EXPECT_NE(public_proxy->find("EgressPolicy::allow"), std::string::npos) << *public_proxy;
  EXPECT_TRUE(rules->proxy_refusal(*parse_ip("127.0.0.1")));
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "10.20.0.1", &v4.sin_addr);
  EXPECT_FALSE(rules->proxy_refusal(reinterpret_cast<sockaddr*>(&v4), sizeof v4));
  inet_pton(AF_INET, "10.21.0.1", &v4.sin_addr);
  EXPECT_TRUE(rules->proxy_refusal(reinterpret_cast<sockaddr*>(&v4), sizeof v4));
}

TEST(Egress, ResolveEntriesAreCanonical) {
  using tether::detail::canonical_resolve_entry;
  const std::vector<std::pair<std::string, std::string>> good = {
      {"api.test:80:127.0.0.1", "api.test:80:127.0.0.1"},
      {"API.Test.:8080:127.0.0.1,::1", "api.test:8080:127.0.0.1,[::1]"},
      {"x.test:443:[::1]", "x.test:443:[::1]"},
      {"x.test:1:127.1", "x.test:1:127.0.0.1"},
      {"x.test:65535:::ffff:127.0.0.1", "x.test:65535:127.0.0.1"},
  };
  for (const auto& [in, out] : good) EXPECT_EQ(canonical_resolve_entry(in), out) << in;
  for (std::string bad :
       {"", "api.test", "api.test:80", "api.test:80:", ":80:127.0.0.1", "api.test::127.0.0.1",
        "api.test:0:127.0.0.1", "api.test:65536:127.0.0.1", "api.test:8x:127.0.0.1",
        "api.test:80:localhost", "api.test:80:127.0.0.1,", "127.0.0.1:80:127.0.0.1",
        "a b:80:127.0.0.1", "api.test:80:127.0.0.1\r\n"}) {
    EXPECT_EQ(canonical_resolve_entry(bad), "") << bad;
  }
}

TEST(Egress, ABadResolveEntryIsAClearError) {
  using tether::detail::NameOverrides;
  EXPECT_EQ(NameOverrides::make({}), nullptr);
  auto made = NameOverrides::make({"api.test:80:127.0.0.1", "b.test:81:::1"});
  ASSERT_TRUE(made);
  ASSERT_NE(made->list(), nullptr);
  EXPECT_EQ(made->entries(),
            (std::vector<std::string>{"api.test:80:127.0.0.1", "b.test:81:[::1]"}));
  try {
    (void)NameOverrides::make({"api.test:80:127.0.0.1", "api.test:80:nowhere"});
    FAIL() << "no error";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::BadOptionValue);
    EXPECT_NE(std::string(e.what()).find("api.test:80:nowhere"), std::string::npos) << e.what();
  }
}

}  // namespace
