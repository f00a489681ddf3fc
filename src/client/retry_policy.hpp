// When a failed try is retried, and after how long: a pure decision.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "tether/error.hpp"
#include "tether/request.hpp"

namespace tether::detail {

// The delay before the next try, or nullopt when `e` is final. `tries` is how
// many tries ran so far. A network error is retried only when
// Error::is_transient() (never a TLS verification or protocol failure); a
// method outside policy.methods only when the server cannot have seen it.
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int tries,
                                                     const std::string& method, const Error& e);

// Retry-After: delta-seconds or an HTTP-date.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value);

}  // namespace tether::detail
