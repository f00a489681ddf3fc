// RequestConfig: one request's settings, axios' request config in C++.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tether/abort.hpp"
#include "tether/body.hpp"
#include "tether/cancel_token.hpp"
#include "tether/headers.hpp"
#include "tether/params.hpp"

namespace tether {

// How the response body becomes Response::data.
enum class ResponseType {
  Auto,   // by Content-Type: JSON, text/*, else bytes (the ApiClient's unwrapResponseData)
  Json,   // parsed as JSON whatever the Content-Type
  Text,   // kept as text
  Bytes,  // kept as bytes
  Stream  // handed to on_data chunk by chunk as it arrives; data stays empty
};

enum class HttpVersion {
  Auto,                // HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1
  Http1_1,             // HTTP/1.1 only
  Http2,               // HTTP/2 over TLS (ALPN) and an Upgrade attempt on http://
  Http2PriorKnowledge  // h2c: HTTP/2 straight away on http://
};

struct Auth {  // HTTP basic auth (axios' auth)
  std::string username;
  std::string password;
};

struct Proxy {  // axios' proxy: "http://host:port" (or socks5://…, as libcurl takes)
  std::string url;
  std::optional<Auth> auth;
};

struct TlsOptions {
  bool verify = true;   // verify the peer's certificate and name; false is an explicit opt-out
  std::string ca_file;  // PEM bundle to trust instead of the system's
  std::string ca_path;  // directory of hashed CA certificates
};

// axios' AxiosProgressEvent.
struct ProgressEvent {
  std::uint64_t loaded = 0;            // bytes so far
  std::optional<std::uint64_t> total;  // when known
  std::optional<double> progress;      // loaded / total, when total is known
  std::uint64_t bytes = 0;             // since the previous event
  bool upload = false;
};

// axios' transitional options.
struct Transitional {
  bool clarify_timeout_error = false;  // timeouts fail ETIMEDOUT (TimedOut), not ECONNABORTED
};

struct RequestConfig {
  // --- the fields API.md fixes, in this order ---
  std::string method;  // "GET" when empty
  std::string url;
  std::string base_url;
  Headers headers;
  Params params;
  Body data;
  std::chrono::milliseconds timeout{0};  // whole request, all redirects and body; 0 = none
  AbortSignal signal;
  std::optional<CancelToken> cancel_token;

  // --- following axios (snake_case) ---
  ResponseType response_type = ResponseType::Auto;
  std::function<bool(int status)> validate_status;  // empty: 2xx is success
  int max_redirects = 21;                           // 0: a 3xx is the response
  std::int64_t max_content_length = -1;             // response body bytes; -1 = no limit
  std::int64_t max_body_length = -1;                // request body bytes; -1 = no limit
  bool decompress = true;                           // gzip / deflate / br / zstd
  std::optional<Auth> auth;
  std::optional<Proxy> proxy;
  std::function<void(const ProgressEvent&)> on_upload_progress;
  std::function<void(const ProgressEvent&)> on_download_progress;
  std::function<std::string(const Params&)> params_serializer;  // replaces build_query
  Transitional transitional;

  // --- beyond axios ---
  std::chrono::milliseconds connect_timeout{0};  // until connected (TCP + TLS); 0 = none
  std::chrono::milliseconds idle_timeout{0};     // no byte either way for this long; 0 = none
  // Response body chunks as they arrive, on the engine thread (with
  // response_type Stream the body is not also kept).
  std::function<void(std::string_view chunk)> on_data;
  HttpVersion http_version = HttpVersion::Auto;
  TlsOptions tls;
  ArrayFormat params_array_format = ArrayFormat::Brackets;
};

}  // namespace tether
