// Deadlines: what a request's try may still spend, which limit that is, and
// how it is told to the server (RequestConfig::deadline & co.).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "tether/error.hpp"
#include "tether/request.hpp"

namespace tether::detail {

// The limit that binds a try, in the order a tie is reported.
enum class Limit { None, Timeout, WholeTimeout, Deadline, ScopeDeadline };

struct TimeLeft {
  std::chrono::milliseconds left{0};  // rounded up; <= 0 when already over
  Limit bound = Limit::None;
};

// Whether the request has a deadline to keep (or a timeout to send), so it
// takes the pipeline's path.
bool has_deadline(const RequestConfig& config);

// What a try starting at `now` may spend: the least of the per-try timeout
// (when `whole_end` is unset), the whole-request timeout ending at
// `whole_end`, and the deadlines. nullopt when nothing limits it.
std::optional<TimeLeft> limit_for_try(
    const RequestConfig& config, std::optional<std::chrono::steady_clock::time_point> whole_end,
    std::chrono::steady_clock::time_point now);

// The earliest absolute end among `whole_end` and the deadlines.
std::optional<std::chrono::steady_clock::time_point> earliest_end(
    const RequestConfig& config, std::optional<std::chrono::steady_clock::time_point> whole_end);

// ECONNABORTED (ETIMEDOUT with clarify_timeout_error), "request deadline
// exceeded" or "scope deadline exceeded", transport detail Timeout.
Error deadline_error(const RequestConfig& config, Limit bound);

// `left` as the header's value: "1500" (Milliseconds) or "1500m" (Grpc).
std::string deadline_header_value(std::chrono::milliseconds left,
                                  std::optional<DeadlineFormat> format);

}  // namespace tether::detail
