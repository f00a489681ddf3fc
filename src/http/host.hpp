// Host names and IP addresses in one canonical spelling, so that every policy
// decision (origin comparison, base_url binding, the egress policy) sees one
// form per host: the class of axios' 2026 NO_PROXY bypass, where "127.1",
// "2130706433" or "[::ffff:127.0.0.1]" slipped past a check written for
// "127.0.0.1". Pure functions (no I/O, no curl): table-tested and fuzzed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tether::detail {

// An IPv4 or IPv6 address in network byte order (IPv4 uses bytes[0..3]).
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
};

// An IPv4 address in any form a URL parser or inet_aton accepts: dotted quad,
// one to four parts, each decimal, octal (leading 0) or hex (0x): "127.0.0.1",
// "127.1", "2130706433", "0177.0.0.1", "0x7f.1". A single trailing dot is
// allowed (WHATWG). Nothing else (no spaces, no trailing garbage).
std::optional<IpAddress> parse_ipv4(std::string_view text);

// An IPv6 address, with or without its URL brackets ("[::1]", "::1"); a zone
// ("%eth0", "%25eth0") is ignored.
std::optional<IpAddress> parse_ipv6(std::string_view text);

// Either of the two; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the
// IPv4 address it maps.
std::optional<IpAddress> parse_ip(std::string_view text);

// "a.b.c.d", or RFC 5952's compressed IPv6 form (no brackets).
std::string to_string(const IpAddress& address);

// The canonical form of a URL's host: an address as to_string writes it
// (IPv6 without brackets, IPv4-mapped IPv6 as IPv4), a name in lower case
// without its trailing dot. Empty when `host` is not a valid host (empty,
// spaces, control characters, delimiters such as '/', '@', ':' in a name).
std::string canonical_host(std::string_view host);

// `url` with its host's trailing dot dropped (and that host in canonical
// form): "http://localhost.:80/" → "http://localhost:80/". Every other URL,
// and one that does not parse, comes back as it is. (host_url.cpp: the one
// function here that uses curl, to find the host as curl will.)
std::string without_trailing_dot(std::string url);

}  // namespace tether::detail
