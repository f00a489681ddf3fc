#include "client/retry_policy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <random>

#include "tether/response.hpp"

namespace tether::detail {

namespace {

using std::chrono::milliseconds;

bool method_listed(const std::vector<std::string>& methods, const std::string& method) {
  std::string m = method.empty() ? "GET" : method;
  return std::any_of(methods.begin(), methods.end(),
                     [&](const std::string& listed) { return iequals(listed, m); });
}

bool retryable(const RetryPolicy& policy, const Error& e) {
  switch (e.code()) {
    case ErrorCode::Network:
      return e.is_transient();
    case ErrorCode::Timeout:
    case ErrorCode::TimedOut:
      return policy.per_try_timeout;
    case ErrorCode::BadRequest:
    case ErrorCode::BadResponse:
      return e.response() && std::find(policy.statuses.begin(), policy.statuses.end(),
                                       e.response()->status) != policy.statuses.end();
    default:
      return false;
  }
}

}  // namespace

std::optional<milliseconds> parse_retry_after(const std::string& value) {
  if (!value.empty() && std::all_of(value.begin(), value.end(),
                                    [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::chrono::seconds(std::stoll(value.substr(0, 9)));
  }
  std::tm tm{};
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
    auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto left = when - std::chrono::system_clock::now();
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(left));
  }
  return std::nullopt;
}

std::optional<milliseconds> retry_delay(const RetryPolicy& policy, int tries,
                                        const std::string& method, const Error& e) {
  if (tries > policy.retries || !retryable(policy, e)) return std::nullopt;
  // A method outside the list is retried only if the server cannot have seen it.
  if (!method_listed(policy.methods, method) && e.maybe_delivered()) return std::nullopt;

  double base = static_cast<double>(policy.delay.count()) * std::pow(policy.backoff, tries - 1);
  base = std::min(base, static_cast<double>(policy.max_delay.count()));
  if (policy.jitter) {
    thread_local std::mt19937 random{std::random_device{}()};
    base = std::uniform_real_distribution<double>(base / 2, base)(random);
  }
  auto delay = milliseconds(static_cast<long long>(base));
  if (policy.respect_retry_after && e.response()) {
    if (auto header = e.response()->headers.get("Retry-After")) {
      if (auto asked = parse_retry_after(*header)) delay = std::min(*asked, policy.max_delay);
    }
  }
  return delay;
}

}  // namespace tether::detail
