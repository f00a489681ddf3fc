#include "patterns/deadline.hpp"

#include <algorithm>

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds until(Clock::time_point end, Clock::time_point now) {
  // Rounded up: half a millisecond left is one, never "0 = no timeout".
  return std::chrono::ceil<milliseconds>(end - now);
}

void consider(std::optional<TimeLeft>& best, milliseconds left, Limit bound) {
  if (!best || left < best->left) best = TimeLeft{left, bound};
}

}  // namespace

bool has_deadline(const RequestConfig& config) {
  return config.deadline || config.scope_deadline ||
         (config.deadline_header && config.timeout.value_or(milliseconds(0)).count() > 0);
}

std::optional<TimeLeft> limit_for_try(const RequestConfig& config,
                                      std::optional<Clock::time_point> whole_end,
                                      Clock::time_point now) {
  std::optional<TimeLeft> best;
  if (whole_end) {
    consider(best, until(*whole_end, now), Limit::WholeTimeout);
  } else if (config.timeout.value_or(milliseconds(0)).count() > 0) {
    consider(best, *config.timeout, Limit::Timeout);
  }
  if (config.deadline) consider(best, until(*config.deadline, now), Limit::Deadline);
  if (config.scope_deadline) {
    consider(best, until(*config.scope_deadline, now), Limit::ScopeDeadline);
  }
  return best;
}

std::optional<Clock::time_point> earliest_end(const RequestConfig& config,
                                              std::optional<Clock::time_point> whole_end) {
  std::optional<Clock::time_point> end = whole_end;
  for (const auto& d : {config.deadline, config.scope_deadline}) {
    if (d && (!end || *d < *end)) end = d;
  }
  return end;
}

Error deadline_error(const RequestConfig& config, Limit bound) {
  ErrorCode code = config.transitional.clarify_timeout_error.value_or(false) ? ErrorCode::TimedOut
                                                                             : ErrorCode::Timeout;
  const char* message =
      bound == Limit::ScopeDeadline ? "scope deadline exceeded" : "request deadline exceeded";
  return Error(code, message).with_transport(TransportError::Timeout);
}

std::string deadline_header_value(milliseconds left, std::optional<DeadlineFormat> format) {
  long long ms = std::max<long long>(left.count(), 0);
  if (format.value_or(DeadlineFormat::Milliseconds) == DeadlineFormat::Milliseconds) {
    return std::to_string(ms);
  }
  // gRPC: at most 8 digits; coarser units (rounded up) for longer budgets.
  constexpr long long kMax = 99'999'999;
  if (ms <= kMax) return std::to_string(ms) + "m";
  long long s = (ms + 999) / 1000;
  if (s <= kMax) return std::to_string(s) + "S";
  long long m = (s + 59) / 60;
  if (m <= kMax) return std::to_string(m) + "M";
  return std::to_string(std::min((m + 59) / 60, kMax)) + "H";
}

}  // namespace tether::detail
