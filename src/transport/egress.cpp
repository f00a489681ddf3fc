#include "transport/egress.hpp"

#include <netinet/in.h>

#include <cstring>

#include "tether/error.hpp"

namespace tether::detail {

namespace {

struct Row {
  const char* range;
  AddressClass cls;
};

// Most specific first: the first range that holds an address names its class.
constexpr Row kTable[] = {
    {"169.254.169.254/32", AddressClass::Metadata},
    {"fd00:ec2::254/128", AddressClass::Metadata},
    {"0.0.0.0/8", AddressClass::Unspecified},
    {"10.0.0.0/8", AddressClass::Private},
    {"100.64.0.0/10", AddressClass::Shared},
    {"127.0.0.0/8", AddressClass::Loopback},
    {"169.254.0.0/16", AddressClass::LinkLocal},
    {"172.16.0.0/12", AddressClass::Private},
    {"192.0.0.0/24", AddressClass::Reserved},
    {"192.168.0.0/16", AddressClass::Private},
    {"224.0.0.0/4", AddressClass::Multicast},
    {"255.255.255.255/32", AddressClass::Broadcast},
    {"240.0.0.0/4", AddressClass::Reserved},
    {"::/128", AddressClass::Unspecified},
    {"::1/128", AddressClass::Loopback},
    {"fc00::/7", AddressClass::Private},
    {"fe80::/10", AddressClass::LinkLocal},
    {"fec0::/10", AddressClass::Private},
    {"ff00::/8", AddressClass::Multicast},
};

const std::vector<std::pair<AddressRange, AddressClass>>& table() {
  static const auto parsed = [] {
    std::vector<std::pair<AddressRange, AddressClass>> rows;
    for (const Row& row : kTable) rows.emplace_back(*parse_range(row.range), row.cls);
    return rows;
  }();
  return parsed;
}

// The IPv4 address an IPv6 one carries, for the prefixes that carry one.
std::optional<IpAddress> embedded_ipv4(const IpAddress& a) {
  if (!a.v6) return std::nullopt;
  static const std::uint8_t kZero[12] = {};
  static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const std::uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b};
  IpAddress v4;
  const auto* b = a.bytes.data();
  // IPv4-compatible (::/96), but for :: and ::1 themselves.
  bool compatible = std::memcmp(b, kZero, 12) == 0 && (b[12] | b[13] | b[14] | (b[15] & 0xfe)) != 0;
  if (compatible || std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) {
    std::memcpy(v4.bytes.data(), b + 12, 4);
    return v4;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {  // 6to4: 2002:AABB:CCDD::/48
    std::memcpy(v4.bytes.data(), b + 2, 4);
    return v4;
  }
  return std::nullopt;
}

// The address a socket is about to connect to.
std::optional<IpAddress> ip_address(const sockaddr* address, socklen_t length) {
  IpAddress a;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(a.bytes.data(), &in->sin_addr, 4);
  } else if (address->sa_family == AF_INET6 &&
             length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    a.v6 = true;
    std::memcpy(a.bytes.data(), &in6->sin6_addr, 16);
  } else {
    return std::nullopt;
  }
  return a;
}

}  // namespace

const char* describe(AddressClass c) {
  switch (c) {
    case AddressClass::Public:
      return "public";
    case AddressClass::Loopback:
      return "loopback";
    case AddressClass::Private:
      return "private";
    case AddressClass::LinkLocal:
      return "link-local";
    case AddressClass::Shared:
      return "shared (carrier-grade NAT)";
    case AddressClass::Unspecified:
      return "unspecified";
    case AddressClass::Multicast:
      return "multicast";
    case AddressClass::Broadcast:
      return "broadcast";
    case AddressClass::Reserved:
      return "reserved";
    case AddressClass::Metadata:
      return "cloud metadata";
  }
  return "public";
}

AddressClass classify(const IpAddress& address) {
  if (auto v4 = embedded_ipv4(address)) return classify(*v4);
  for (const auto& [range, cls] : table()) {
    if (range.contains(address)) return cls;
  }
  return AddressClass::Public;
}

bool AddressRange::contains(const IpAddress& address) const {
  // An IPv4-mapped address is the IPv4 address it maps (a dual-stack socket's
  // view of an IPv4 peer); other embeddings do not match an IPv4 range.
  static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  IpAddress a = address;
  if (a.v6 && !base.v6 && std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
    a = IpAddress{};
    std::memcpy(a.bytes.data(), address.bytes.data() + 12, 4);
  }
  if (a.v6 != base.v6) return false;
  int whole = prefix / 8;
  if (std::memcmp(a.bytes.data(), base.bytes.data(), static_cast<std::size_t>(whole)) != 0) {
    return false;
  }
  int bits = prefix % 8;
  if (bits == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (a.bytes[whole] & mask) == (base.bytes[whole] & mask);
}

std::optional<AddressRange> parse_range(std::string_view text) {
  auto slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  const int max = address->v6 ? 128 : 32;
  AddressRange range{*address, max};
  if (slash == std::string_view::npos) return range;
  std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int prefix = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > max) return std::nullopt;
  range.prefix = prefix;
  return range;
}

std::shared_ptr<const EgressRules> EgressRules::make(const EgressPolicy& policy) {
  if (!policy.deny_internal) return nullptr;
  auto rules = std::make_shared<EgressRules>();
  for (const std::string& entry : policy.allow) {
    auto range = parse_range(entry);
    if (!range) {
      throw Error(ErrorCode::BadOptionValue,
                  "EgressPolicy: \"" + entry +
                      "\" in allow is not an IP address or range (such as 10.1.0.0/16)");
    }
    rules->allow_.push_back(*range);
  }
  return rules;
}

std::optional<std::string> EgressRules::refusal(const IpAddress& address) const {
  AddressClass cls = classify(address);
  if (cls == AddressClass::Public) return std::nullopt;
  for (const AddressRange& range : allow_) {
    if (range.contains(address)) return std::nullopt;
  }
  return "Connection to " + to_string(address) + " refused by the egress policy (" + describe(cls) +
         " address; allow it with EgressPolicy::allow)";
}

std::optional<std::string> EgressRules::refusal(const sockaddr* address, socklen_t length) const {
  auto a = ip_address(address, length);
  if (!a) return std::string("Connection refused by the egress policy: not an IP address");
  return refusal(*a);
}

std::optional<std::string> EgressRules::proxy_refusal(const IpAddress& address) const {
  for (const AddressRange& range : allow_) {
    if (range.contains(address)) return std::nullopt;
  }
  return "Connection to the proxy at " + to_string(address) +
         " refused by the egress policy (a proxy takes the request's target out of the "
         "policy's sight: list the proxy's address in EgressPolicy::allow to use it)";
}

std::optional<std::string> EgressRules::proxy_refusal(const sockaddr* address,
                                                      socklen_t length) const {
  auto a = ip_address(address, length);
  if (!a) return std::string("Connection refused by the egress policy: not an IP address");
  return proxy_refusal(*a);
}

}  // namespace tether::detail
