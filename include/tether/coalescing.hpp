/// \file
/// Coalescing (Go's singleflight, with reference-counted cancellation):
/// identical requests in flight at once share one transfer. See
/// docs/patterns.md.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tether {

struct RequestConfig;

/// ClientOptions::coalesce. Only GET, HEAD and OPTIONS requests without a body
/// that do not stream (on_response, on_data, flow) nor report progress, and
/// that bring no callbacks of their own (validate_status, params_serializer,
/// transforms set on the request, not inherited from the client's defaults),
/// are coalesced. Each caller gets its own Future and its own copy of the
/// Response (whose config is the caller's); one caller's abort settles only
/// that caller (Canceled, at once); the transfer is aborted when the last
/// caller aborts. A request that arrives after the transfer finished starts a
/// new one. The transfer runs with the first caller's config: callers share
/// it only when their keys are equal.
struct CoalescePolicy {
  bool enabled = false;  ///< off by default
  /// The built-in key: method, base_url, url, params, response_type, timeout,
  /// auth, and the values of these headers (any case). Requests that differ in
  /// another header still share a transfer: list it here if it matters.
  std::vector<std::string> headers{"Authorization",   "Cookie",          "Accept",
                                   "Accept-Encoding", "Accept-Language", "Range"};
  /// Replaces the built-in key (it sees the config with the client's defaults
  /// merged in); "" means "do not coalesce this request". It runs on the sending
  /// thread (so on several at once); what it throws fails that request.
  std::function<std::string(const RequestConfig&)> key{};
};

}  // namespace tether
