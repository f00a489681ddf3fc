/// \file
/// Hedged requests ("The Tail at Scale", gRPC's hedgingPolicy): after a delay
/// with no answer, the same request is sent again; the first success wins and
/// the other copies are aborted at once. See docs/patterns.md.
#pragma once

#include <chrono>
#include <cstddef>

namespace tether {

/// Per request (RequestConfig::hedge) or as a client default. Only GET, HEAD,
/// OPTIONS, PUT and DELETE are hedged; for any other method (POST, PATCH…),
/// and for a request that streams (on_response, on_data, flow) or reports
/// progress, the policy is ignored: the request is sent once. The method is
/// checked again after the request interceptors, per copy: an extra copy they
/// made non-idempotent is not sent.
struct HedgePolicy {
  /// Copies beyond the first, each sent `delay` after the one before while no
  /// copy has succeeded; 0 turns hedging off (e.g. to override a default).
  int max_extra = 1;
  /// The fixed delay; with `percentile` set, the delay until the client has
  /// seen `min_samples` successful hedged requests.
  std::chrono::milliseconds delay{50};
  /// 0: fixed delay. In (0, 1), e.g. 0.95: that percentile of the latencies of
  /// the client's last 256 successful copies. Else (or delay < 0): BadOptionValue.
  double percentile = 0;
  std::size_t min_samples = 20;  ///< successes seen before `percentile` replaces `delay`
};

/// A client's cap on the extra load hedges add (ClientOptions::hedge_budget):
/// a token bucket as gRPC's retry throttling. It starts with `max_tokens`;
/// each request sent with a hedge policy adds `ratio` of a token (up to
/// `max_tokens`); each extra copy takes one whole token and is not sent when
/// there is none. So hedges add at most `ratio` (default 10%) more requests
/// in the long run, after a first burst of `max_tokens`.
struct HedgeBudget {
  double ratio = 0.1;      ///< tokens added per request sent with a hedge policy
  double max_tokens = 10;  ///< the bucket's size, and what it starts with
};

}  // namespace tether
