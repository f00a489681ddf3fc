/// \file
/// RequestConfig: one request's settings, axios' request config in C++.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/abort.hpp"
#include "tether/body.hpp"
#include "tether/cancel_token.hpp"
#include "tether/data.hpp"
#include "tether/flow.hpp"
#include "tether/headers.hpp"
#include "tether/hedging.hpp"
#include "tether/params.hpp"

namespace tether {

/// How the response body becomes Response::data.
enum class ResponseType {
  Auto,   ///< by Content-Type: JSON, text/*, else bytes (the ApiClient's unwrapResponseData)
  Json,   ///< parsed as JSON whatever the Content-Type
  Text,   ///< kept as text
  Bytes,  ///< kept as bytes
  Stream  ///< handed to on_data chunk by chunk as it arrives; data stays empty
};

/// Who leaves a client's queue first (ClientOptions' limits); FIFO within one.
enum class Priority { Low, Normal, High };

/// The HTTP version a request asks for (RequestConfig::http_version).
enum class HttpVersion {
  Auto,                ///< HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1
  Http1_1,             ///< HTTP/1.1 only
  Http2,               ///< HTTP/2 over TLS (ALPN) and an Upgrade attempt on http://
  Http2PriorKnowledge  ///< h2c: HTTP/2 straight away on http://
};

/// HTTP basic auth (axios' auth).
struct Auth {
  std::string username{};  ///< the user name
  std::string password{};  ///< the password
};

/// axios' proxy: "http://host:port" (or socks5://…, as libcurl takes).
struct Proxy {
  std::string url{};           ///< the proxy's URL
  std::optional<Auth> auth{};  ///< credentials for the proxy
};

/// TLS settings of a request (RequestConfig::tls); verification is on by default.
struct TlsOptions {
  /// Verify the peer's certificate and name (unset: true); false is an explicit
  /// opt-out, and a request's true turns verification back on.
  std::optional<bool> verify{};
  std::string ca_file{};  ///< PEM bundle to trust instead of the system's
  std::string ca_path{};  ///< directory of hashed CA certificates
};

/// axios' AxiosProgressEvent.
struct ProgressEvent {
  std::uint64_t loaded = 0;              ///< bytes so far
  std::optional<std::uint64_t> total{};  ///< when known
  std::optional<double> progress{};      ///< loaded / total, when total is known
  std::uint64_t bytes = 0;               ///< since the previous event
  bool upload = false;                   ///< true for upload progress
};

/// A streamed response's status line and headers, given to on_response before
/// the first on_data (fetch's Response before its body is read).
struct ResponseHead {
  int status = 0;             ///< the HTTP status code
  std::string status_text{};  ///< the reason phrase
  Headers headers{};          ///< the response headers
  std::string url{};          ///< after redirects
  /// True for a 2xx status (fetch's Response.ok).
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

/// Retries (beyond axios, built in). A try is retried when it failed with a
/// transient network error (Error::is_transient(): refused or broken
/// connections, never a TLS verification or protocol error), a per-try timeout
/// or a status in `statuses`, and either its
/// method is in `methods` or none of its bytes can have reached the server
/// (Error::maybe_delivered() is false), so a POST is retried only when that is
/// safe. An abort during the back-off cancels at once.
struct RetryPolicy {
  int retries = 0;                              ///< tries after the first
  std::chrono::milliseconds delay{100};         ///< before the first retry
  double backoff = 2.0;                         ///< each later delay is multiplied by this
  std::chrono::milliseconds max_delay{30'000};  ///< cap on one delay (Retry-After too)
  bool jitter = true;                           ///< each delay drawn from [delay/2, delay]
  bool respect_retry_after = true;              ///< a 429/503's Retry-After sets the delay
  bool per_try_timeout = false;  ///< config.timeout: each try, or (false) all of them
  /// The methods retried even when the request may have reached the server.
  std::vector<std::string> methods{"GET", "HEAD", "OPTIONS", "PUT", "DELETE"};
  /// The response statuses that are retried.
  std::vector<int> statuses{408, 429, 500, 502, 503, 504};
};

/// axios' transitional options, merged field by field (unset inherits).
struct Transitional {
  /// true: timeouts fail ETIMEDOUT (TimedOut), not ECONNABORTED; unset: false.
  std::optional<bool> clarify_timeout_error{};
};

/// How a request tells the server the time it has left (deadline_header).
enum class DeadlineFormat {
  Milliseconds,  ///< "1500": whole milliseconds, rounded up
  Grpc           ///< gRPC's grpc-timeout: "1500m" (up to 8 digits, then "S" seconds, "M", "H")
};
/// The cap on a buffered response body when max_content_length is unset (none
/// for ResponseType::Stream, which buffers nothing). It counts decoded bytes as
/// they arrive, so a hostile server or a decompression bomb cannot make a
/// request hold more memory than this; -1 lifts it.
inline constexpr std::int64_t kDefaultMaxContentLength = 64 * 1024 * 1024;  ///< 64 MiB

/// One request's settings, axios' request config in C++. A request's config is
/// merged over the client's defaults (RequestConfig too): a set field wins.
struct RequestConfig {
  // --- the fields API.md fixes, in this order ---
  std::string method{};    ///< "GET" when empty
  std::string url{};       ///< absolute, or relative to base_url
  std::string base_url{};  ///< prepended to a relative url
  Headers headers{};       ///< merged over the defaults' headers
  Params params{};         ///< the query, appended to the url
  Body data{};             ///< the request body
  /// Whole request, all redirects and body. Unset: the client's default; 0: none
  /// (also overriding a default).
  std::optional<std::chrono::milliseconds> timeout{};
  AbortSignal signal{};                       ///< aborting it cancels the request
  std::optional<CancelToken> cancel_token{};  ///< axios' legacy cancellation

  // --- following axios (snake_case) ---
  // Optional fields are "unset" until given, so a request's value, an
  // instance's default and the built-in default merge as axios merges them.
  std::optional<ResponseType> response_type{};        ///< Auto
  std::function<bool(int status)> validate_status{};  ///< empty: 2xx is success
  std::optional<int> max_redirects{};                 ///< 21; 0: a 3xx is the response
  std::optional<std::int64_t> max_content_length{};   ///< decoded bytes; 64 MiB; -1: none
  std::optional<std::int64_t> max_body_length{};      ///< request body bytes; none
  std::optional<bool> decompress{};                   ///< true: gzip / deflate / br / zstd
  std::optional<Auth> auth{};                         ///< HTTP basic auth (axios' auth)
  std::optional<Proxy> proxy{};                       ///< the proxy to go through
  /// HTTP_PROXY & co. are ignored unless this is true (then honoured as curl
  /// does: http_proxy, HTTPS_PROXY / https_proxy, ALL_PROXY, NO_PROXY; the
  /// upper-case HTTP_PROXY is not read, see docs/client.md). `proxy` wins.
  std::optional<bool> proxy_from_env{};
  /// Progress of the upload and of the download, on the engine thread.
  ///@{
  std::function<void(const ProgressEvent&)> on_upload_progress{};
  std::function<void(const ProgressEvent&)> on_download_progress{};
  ///@}
  std::function<std::string(const Params&)> params_serializer{};  ///< replaces build_query
  Transitional transitional{};                                    ///< axios' transitional options
  /// axios' transformRequest / transformResponse: run in order on the body
  /// before it is sent (may change the headers) and on the data once unwrapped.
  ///@{
  std::vector<std::function<Body(Body data, Headers& headers)>> transform_request{};
  std::vector<std::function<Data(Data data, const Headers& headers)>> transform_response{};
  ///@}
  /// With base_url set, an absolute or protocol-relative url is refused
  /// (ERR_INVALID_URL) unless this is true (axios' CVE-2025-27152). Even then,
  /// the instance's default headers go only to base_url's origin.
  std::optional<bool> allow_absolute_urls{};
  /// axios' headers.get / headers.post …: default headers for one method, by
  /// lower-case method name, applied between `headers` of the defaults and the
  /// request's own.
  std::map<std::string, Headers> method_headers{};

  // --- beyond axios ---
  // As `timeout`, unset inherits and 0 is none.
  std::optional<std::chrono::milliseconds> connect_timeout{};  ///< until connected (TCP + TLS)
  std::optional<std::chrono::milliseconds> idle_timeout{};     ///< no byte either way for this long
  /// Streaming, on the engine thread: once the final response's head is in and
  /// validate_status accepted it, on_response sees the status and headers,
  /// then on_data each body chunk as it arrives (with response_type Stream the
  /// body is not also kept). A response validate_status rejects is not
  /// streamed: its body stays in the Error's response. `flow` pauses and
  /// resumes the body (back-pressure).
  ///@{
  std::function<void(const ResponseHead& head)> on_response{};
  std::function<void(std::string_view chunk)> on_data{};
  std::optional<FlowControl> flow{};
  ///@}
  std::optional<HttpVersion> http_version{};         ///< Auto
  TlsOptions tls{};                                  ///< certificate verification and trust
  std::optional<ArrayFormat> params_array_format{};  ///< Brackets
  std::optional<RetryPolicy> retry{};                ///< none

  // --- deadlines (Scope and deadlines, docs/patterns.md) ---
  /// An absolute end for the whole request, retries and back-off included: each
  /// try gets at most what remains (a shorter timeout still applies); an expired
  /// deadline fails at once, opening nothing. Failing by it gives ECONNABORTED
  /// (ETIMEDOUT with clarify_timeout_error), "request deadline exceeded".
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  /// The enclosing Scope's deadline (Scope::request sets it): the same, failing
  /// with "scope deadline exceeded".
  std::optional<std::chrono::steady_clock::time_point> scope_deadline{};
  /// When set (e.g. "X-Request-Timeout", or "grpc-timeout" with Grpc), each try
  /// sends the time it has left under this name, set after the request
  /// interceptors: the earliest of the deadlines and the (whole-request) timeout.
  std::optional<std::string> deadline_header{};
  std::optional<DeadlineFormat> deadline_format{};  ///< Milliseconds

  /// Fair queues (issue 14): the request's place in the client's queue, when
  /// ClientOptions limits the requests in flight. Unset: Normal.
  std::optional<Priority> priority{};
  /// Hedged requests (issue 14): unset is none; see tether/hedging.hpp.
  std::optional<HedgePolicy> hedge{};
};

}  // namespace tether
