#include "request_config.hpp"

#include <algorithm>
#include <cmath>

#include "items.hpp"

namespace tether::cli {
namespace {

using std::chrono::milliseconds;

// A positive timeout stays positive (0 would mean none); absurd ones are refused
// before the conversion could overflow.
milliseconds seconds_to_ms(double seconds, const char* option) {
  if (!(seconds <= 1e7)) throw UsageError(std::string(option) + " is too large (seconds)");
  return std::max(milliseconds(1), milliseconds(static_cast<long long>(seconds * 1000 + 0.5)));
}

void apply_transport_options(const Options& o, RequestConfig& cfg) {
  // NaN compares false with everything, so it would slip past the sign check
  // below and read as "no timeout".
  if (!std::isfinite(o.timeout) || !std::isfinite(o.connect_timeout))
    throw UsageError("timeouts must be finite numbers of seconds");
  if (o.timeout < 0 || o.connect_timeout < 0) throw UsageError("timeouts must not be negative");
  if (o.timeout > 0) cfg.timeout = seconds_to_ms(o.timeout, "--timeout");
  if (o.connect_timeout > 0)
    cfg.connect_timeout = seconds_to_ms(o.connect_timeout, "--connect-timeout");
  if (o.max_redirects) {
    if (*o.max_redirects < 0) throw UsageError("--max-redirects must not be negative");
    cfg.max_redirects = *o.max_redirects;
  }
  if (!o.follow) cfg.max_redirects = 0;
  // A 3xx that is not followed is the answer, not a failure.
  cfg.validate_status = [](int status) { return status >= 200 && status < 400; };
  if (o.retry < 0) throw UsageError("--retry must not be negative");
  if (o.retry > 0) {
    RetryPolicy retry;
    retry.retries = o.retry;
    cfg.retry = retry;
  }
  if (o.insecure) cfg.tls.verify = false;
  if (!o.cacert.empty()) cfg.tls.ca_file = o.cacert;
  if (o.http2) cfg.http_version = HttpVersion::Http2;
  if (!o.auth.empty()) {
    auto colon = o.auth.find(':');
    Auth auth;
    auth.username = o.auth.substr(0, colon);
    if (colon != std::string::npos) auth.password = o.auth.substr(colon + 1);
    cfg.auth = auth;
  }
  if (!o.proxy.empty()) {
    Proxy proxy;
    proxy.url = expand_url(o.proxy);
    cfg.proxy = proxy;
  }
}

}  // namespace

// The URL without user:password@, for messages (no secrets in output).
std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto host_start = scheme + 3;
  auto at = url.find('@', host_start);
  auto path = url.find_first_of("/?#", host_start);
  if (at == std::string::npos || (path != std::string::npos && at > path)) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

Target split_args(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("a URL is required (tether --help shows examples)");
  Target t;
  std::size_t i = 0;
  if (looks_like_method(args[0])) {
    // "tether GET" names a method, not a host called GET.
    if (args.size() < 2) throw UsageError("a URL is required after " + args[0]);
    t.method = args[i++];
  }
  t.url = expand_url(args[i++]);
  t.items.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return t;
}

RequestConfig build_config(const Options& o, const Target& target, RequestParts& parts) {
  RequestConfig cfg;
  cfg.method = target.method.empty() ? (parts.body.empty() ? "GET" : "POST") : target.method;
  cfg.url = target.url;
  cfg.headers = parts.headers;
  for (auto& [name, value] : parts.query) {
    // A repeated name (a==1 a==2) is sent repeated, as HTTPie does.
    if (const auto* seen = cfg.params.find(name)) {
      auto list = seen->is_array() ? *seen : nlohmann::json::array({*seen});
      list.push_back(value);
      cfg.params.set(name, list);
    } else {
      cfg.params.set(name, value);
    }
  }
  cfg.params_array_format = ArrayFormat::Repeat;
  cfg.data = parts.body;
  apply_transport_options(o, cfg);
  return cfg;
}

}  // namespace tether::cli
