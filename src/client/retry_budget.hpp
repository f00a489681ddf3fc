// The client's retry budget: gRPC's retry throttling, a token bucket shared by
// every request of a client (and the clients create() makes from it), so that
// a failing upstream is not hit with multiplied load. Retries and hedges both
// draw on it.
#pragma once

#include <atomic>
#include <cstdint>

#include "tether/client_options.hpp"

namespace tether::detail {

class RetryBudget {
 public:
  explicit RetryBudget(const RetryBudgetOptions& options);

  // One more try that is not the first (a retry, or a hedge) wants to go: the
  // bucket loses one token, and the try may go only if more than half of
  // max_tokens is left afterwards (gRPC: a failed attempt costs a token,
  // retries stop at the threshold). A refused try still costs its token, so a
  // failing upstream keeps the budget empty until successes refill it.
  bool try_spend() noexcept;
  // A try succeeded: token_ratio tokens come back (up to max_tokens).
  void on_success() noexcept;

  // For tests and docs: the tokens now, and the threshold try_spend needs.
  double tokens() const noexcept;
  double threshold() const noexcept { return static_cast<double>(max_milli_) / 2000.0; }

 private:
  // Thousandths of a token (as gRPC keeps them), so one atomic integer holds
  // the bucket and the hot path takes no lock.
  const std::int64_t max_milli_;
  const std::int64_t ratio_milli_;
  std::atomic<std::int64_t> milli_;
};

}  // namespace tether::detail
