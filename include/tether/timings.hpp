/// \file
/// TransferInfo: what the network did for one request — curl's timings, the
/// bytes each way and whether the connection was reused. Every Response and
/// Error carries one.
#pragma once

#include <chrono>
#include <cstdint>

namespace tether {

/// What the network did for one request: curl's timings, the bytes each way and
/// whether the connection was reused. Every Response and Error carries one.
struct TransferInfo {
  using Duration = std::chrono::microseconds;  ///< the unit of every timing

  /// False when nothing reached the engine's record: an aborted request (its
  /// Error is built on the aborting thread, which never touches the transfer),
  /// an invalid config, a request that failed before it was handed over.
  bool available = false;

  /// Waiting before the transfer started on the engine (the engine's queue,
  /// and libcurl's own queue where libcurl ≥ 8.6 reports it).
  Duration queued{};
  /// The rest are offsets from the start of the final hop, as libcurl gives
  /// them (so they never decrease in this order): the name resolved, the TCP
  /// connection made, the TLS handshake done (zero for plain http), the request
  /// ready to go, the first response byte in, the end. A reused connection has
  /// name_lookup and connect near zero.
  ///@{
  Duration name_lookup{};
  Duration connect{};
  Duration tls{};
  Duration pretransfer{};
  Duration first_byte{};
  Duration total{};
  ///@}
  /// The time spent on the hops before the final one (redirects followed).
  Duration redirect{};

  /// Bytes of the final hop: request headers and body sent, response headers
  /// and body received (the body as it came over the wire, before decoding).
  ///@{
  std::int64_t header_bytes_sent = 0;
  std::int64_t body_bytes_sent = 0;
  std::int64_t header_bytes_received = 0;
  std::int64_t body_bytes_received = 0;
  ///@}

  /// The final hop went over a connection kept from an earlier request.
  bool reused = false;
};

}  // namespace tether
