/// \file
/// ClientOptions: what a Client fixes when it is built, beside its request
/// defaults — settings of the client's engine and of the work it queues and
/// observes, which no single request can change. The clients create() makes
/// share them with their parent.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tether/coalescing.hpp"
#include "tether/egress.hpp"
#include "tether/events.hpp"
#include "tether/hedging.hpp"

namespace tether {

/// The retry budget (gRPC's retry throttling): one token bucket per client.
/// Every retry (and every hedge) costs a token and may go only while more than
/// half of max_tokens is left; every successful try of a request that may
/// retry gives token_ratio back. With the defaults a client that only fails
/// stops retrying after 50 retries, and then retries about once per 10
/// successes (a failing upstream sees at most ~10% more load).
struct RetryBudgetOptions {
  double max_tokens = 100;   ///< the bucket, full at the start
  double token_ratio = 0.1;  ///< tokens a success gives back
};

namespace testing {
class MockTransport;
}  // namespace testing

/// Settings fixed for a client's lifetime (queues, hooks, cookies, the egress
/// policy, the test kit), given to Client(defaults, options).
struct ClientOptions {
  // Each capability adds its group of fields here, every one with a default
  // member initializer (a designated initializer may leave any out).

  /// Fair queues and the retry budget (issue 14). Requests beyond a limit wait
  /// in the client's queue (by RequestConfig::priority, FIFO within one, taking
  /// turns between origins); a queued request opens no connection, and its
  /// abort or timeout (which counts the time queued) removes it at once.
  /// 0: no limit (the default; browsers keep 6 per origin over HTTP/1.1).
  std::size_t max_requests = 0;             ///< tries in flight, the whole client
  std::size_t max_requests_per_origin = 0;  ///< tries in flight per scheme://host:port
  /// Shared by retries and hedges; nullopt: retries are limited only by
  /// RetryPolicy::retries.
  std::optional<RetryBudgetOptions> retry_budget = RetryBudgetOptions{};
  /// Security: the egress policy (docs/security.md), off by default.
  EgressPolicy egress{};
  /// Test kit (tether/testing.hpp): a mock that answers instead of the
  /// network; null: the network.
  std::shared_ptr<testing::MockTransport> transport{};

  /// Cookies (docs/cookies.md): a cookie jar for this client and the clients
  /// create() makes from it, off unless asked for. A cookie_file (Netscape
  /// format) turns it on too: loaded when the client is built, saved when the
  /// last of its clients goes and by Client::save_cookies().
  bool cookies = false;
  std::string cookie_file{};  ///< a Netscape cookie file to load and save
  // --- observability: the event hook (docs/observability.md) ---
  /// Hears every request of this client (and of the clients create() makes
  /// from it); empty: no event is built, at the cost of one branch.
  EventHook on_event{};
  /// Hedging and coalescing (issue 14): the cap on hedges' extra load, and
  /// whether identical requests in flight share one transfer.
  HedgeBudget hedge_budget{};  ///< the cap on hedges' extra load
  CoalescePolicy coalesce{};   ///< whether identical requests share one transfer
  /// Name overrides (issue 12), as curl's --resolve: "host:port:address[,address…]"
  /// ("api.internal:443:10.1.2.3,::1") connects to those addresses without
  /// asking a resolver. The egress policy still checks them. A bad entry makes
  /// the Client constructor throw Error(BadOptionValue).
  std::vector<std::string> resolve{};
};

}  // namespace tether
