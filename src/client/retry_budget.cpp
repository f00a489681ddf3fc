#include "client/retry_budget.hpp"

#include <algorithm>
#include <cmath>

namespace tether::detail {

namespace {
std::int64_t to_milli(double tokens) {
  if (!(tokens > 0)) return 0;  // NaN and negatives: an empty bucket
  return static_cast<std::int64_t>(std::llround(std::min(tokens, 1e12) * 1000.0));
}
}  // namespace

RetryBudget::RetryBudget(const RetryBudgetOptions& options)
    : max_milli_(to_milli(options.max_tokens)),
      ratio_milli_(to_milli(options.token_ratio)),
      milli_(max_milli_) {}

bool RetryBudget::try_spend() noexcept {
  std::int64_t now = milli_.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    next = std::max<std::int64_t>(0, now - 1000);
  } while (!milli_.compare_exchange_weak(now, next, std::memory_order_relaxed));
  return next * 2 > max_milli_;
}

void RetryBudget::on_success() noexcept {
  std::int64_t now = milli_.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    next = std::min(max_milli_, now + ratio_milli_);
  } while (!milli_.compare_exchange_weak(now, next, std::memory_order_relaxed));
}

double RetryBudget::tokens() const noexcept {
  return static_cast<double>(milli_.load(std::memory_order_relaxed)) / 1000.0;
}

}  // namespace tether::detail
