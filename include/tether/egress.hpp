/// \file
/// The egress policy: which addresses a client may connect to. Opt-in, for
/// services that fetch URLs their users supply (webhooks, link previews,
/// importers), where a URL could otherwise reach the service's own network.
#pragma once

#include <string>
#include <vector>

namespace tether {

/// Which addresses a client may connect to (ClientOptions::egress). Opt-in, for
/// services that fetch URLs their users supply.
struct EgressPolicy {
  /// true: every connection (each redirect hop and retry included) to a
  /// loopback, private (RFC 1918, IPv6 ULA), link-local, shared (CGNAT,
  /// 100.64.0.0/10), unspecified, multicast, broadcast, reserved or
  /// cloud-metadata (169.254.169.254, fd00:ec2::254) address is refused, failing
  /// the request with ErrorCode::Network and TransportError::Policy. The check
  /// is made on the address the name resolved to, as the socket opens, so DNS
  /// rebinding cannot slip past it. A proxy (which takes the target out of the
  /// policy's sight) is used only if `allow` lists its address, and
  /// proxy_from_env is refused; the proxy must enforce its own policy.
  bool deny_internal = false;
  /// Addresses or CIDR ranges allowed even so: "127.0.0.1", "10.1.0.0/16",
  /// "::1", "fd00::/8"; also the proxies a request may use. A bad entry makes
  /// the Client constructor throw Error(BadOptionValue).
  std::vector<std::string> allow{};
};

}  // namespace tether
