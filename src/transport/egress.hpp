// The egress policy's decision: what kind of address a socket is about to
// reach, and whether the client's EgressPolicy lets it. Pure functions over
// addresses (table-tested, fuzzed); the engine calls refusal() from curl's
// CURLOPT_OPENSOCKETFUNCTION, on the resolved address of every connection.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/host.hpp"
#include "tether/egress.hpp"

namespace tether::detail {

enum class AddressClass {
  Public,
  Loopback,     // 127.0.0.0/8, ::1
  Private,      // 10/8, 172.16/12, 192.168/16, fc00::/7 (ULA), fec0::/10
  LinkLocal,    // 169.254/16, fe80::/10
  Shared,       // 100.64.0.0/10 (carrier-grade NAT)
  Unspecified,  // 0.0.0.0/8, ::
  Multicast,    // 224/4, ff00::/8
  Broadcast,    // 255.255.255.255
  Reserved,     // 240/4, 192.0.0.0/24
  Metadata,     // 169.254.169.254, fd00:ec2::254 (cloud instance metadata)
};

// "loopback", "private", "link-local", … ("public" for Public).
const char* describe(AddressClass c);

// The class of an address. An IPv6 address that embeds an IPv4 one
// (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4
// 2002::/16) has the class of the IPv4 address.
AddressClass classify(const IpAddress& address);

// An address range: "10.0.0.0/8", "::1/128", or one address ("127.0.0.1").
struct AddressRange {
  IpAddress base{};
  int prefix = 0;
  bool contains(const IpAddress& address) const;
};
std::optional<AddressRange> parse_range(std::string_view text);

// A client's EgressPolicy, parsed once when the client is built.
class EgressRules {
 public:
  // Null when the policy is off. Throws Error(BadOptionValue) for a bad
  // entry of `allow`.
  static std::shared_ptr<const EgressRules> make(const EgressPolicy& policy);

  // Why a connection to `address` is refused (a message naming the address
  // and its class), or nullopt if it may go ahead.
  std::optional<std::string> refusal(const IpAddress& address) const;
  std::optional<std::string> refusal(const sockaddr* address, socklen_t length) const;
  // For a connection to a proxy, which takes the request's target out of the
  // policy's sight: refused unless an entry of `allow` holds the proxy's
  // address (being public is not enough).
  std::optional<std::string> proxy_refusal(const IpAddress& address) const;
  std::optional<std::string> proxy_refusal(const sockaddr* address, socklen_t length) const;

 private:
  std::vector<AddressRange> allow_;
};

}  // namespace tether::detail
