/// \file
/// tether::Error: how every request fails, with axios' error codes and messages.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tether/abort.hpp"
#include "tether/timings.hpp"

namespace tether {

/// axios' error codes: what kind of failure a request ended with.
enum class ErrorCode {
  Canceled,          ///< "ERR_CANCELED"   signal aborted or token canceled
  Timeout,           ///< "ECONNABORTED"   config.timeout elapsed (axios' default)
  TimedOut,          ///< "ETIMEDOUT"      same, with transitional clarify_timeout_error
  Network,           ///< "ERR_NETWORK"    refused, reset, DNS, TLS, protocol errors
  BadRequest,        ///< "ERR_BAD_REQUEST"   status rejected by validate_status, 4xx
  BadResponse,       ///< "ERR_BAD_RESPONSE"  5xx, undecodable body, body over max_content_length
  TooManyRedirects,  ///< "ERR_FR_TOO_MANY_REDIRECTS"
  InvalidUrl,        ///< "ERR_INVALID_URL"
  BadOptionValue,    ///< "ERR_BAD_OPTION_VALUE" (also: a Future used against its contract)
  Unknown,           ///< "ERR_UNKNOWN"    a user callback threw something that is not an Error
};

/// axios' code string for `code`, e.g. "ERR_CANCELED".
std::string to_string(ErrorCode code);

/// What failed below HTTP: the stable detail behind ERR_NETWORK, timeouts and
/// refused responses, so code can tell a refused connection from a DNS or a
/// certificate failure without parsing messages. to_string() gives the
/// lower-case name ("refused", "tls_verify", …).
enum class TransportError {
  None,          ///< not a transport failure (a status, a bad option, a cancellation)
  Resolve,       ///< the host name did not resolve
  Refused,       ///< the connection was refused (nothing listens there)
  Connect,       ///< any other failure to connect (unreachable network or host)
  TlsHandshake,  ///< the TLS handshake failed (protocol, cipher, the peer hung up)
  TlsVerify,     ///< the peer's certificate or name did not verify
  Send,          ///< the connection broke while the request was being sent
  Receive,       ///< the connection broke (reset, closed early) while receiving
  Protocol,      ///< the server broke HTTP: bad status line, ambiguous framing, bad chunk
  TooLarge,      ///< the response (its headers, or its body over max_content_length) too large
  Timeout,       ///< a timeout fired (whole request, connect or idle)
  Proxy,         ///< the proxy refused or failed the request
  Decode,        ///< the body's Content-Encoding did not decode
  Other,         ///< a transport failure of no other kind
  Policy,        ///< refused by the client's EgressPolicy before connecting (never retried)
};
/// "none", "resolve", "refused", "connect", "tls_handshake", "tls_verify",
/// "send", "receive", "protocol", "too_large", "timeout", "proxy", "decode",
/// "other", "policy".
std::string to_string(TransportError error);

/// Where a request was when it failed.
enum class RequestPhase {
  None,          ///< not a request's error
  Queued,        ///< not yet handed to the network
  Connect,       ///< resolving the name, connecting
  Tls,           ///< TLS handshake
  Send,          ///< sending the request (headers and body)
  AwaitHeaders,  ///< request sent, waiting for the response headers
  Body,          ///< receiving the response body
  Redirect,      ///< between a 3xx response and the next request
};
/// "queued", "connect", "tls", "send", "await_headers", "body", "redirect" ("none").
std::string to_string(RequestPhase phase);

struct RequestConfig;
struct Response;
class Error;

namespace detail {
// Error::canceled(reason).with_request(config, phase, maybe_delivered), made
// with one allocation (an abort builds one per request on the aborting thread).
Error canceled_request_error(const AbortReason& reason, std::shared_ptr<const RequestConfig> config,
                             RequestPhase phase, bool maybe_delivered);
}  // namespace detail

/// How every request fails, with axios' error codes and messages, and the
/// request's context (config, response, phase, transfer). Immutable; copies
/// share their state and never throw, so it may be passed between threads.
class Error : public std::exception {
 public:
  /// An error with this code and message, outside any request.
  Error(ErrorCode code, std::string message);

  /// The error of a canceled operation. Its message is the reason's message when
  /// the reason came from a CancelToken ("canceled" when that was empty), and
  /// "canceled" for any other signal, as axios does.
  static Error canceled(AbortReason reason);
  /// Wraps whatever `e` holds: an Error is returned as is; any other exception
  /// becomes ErrorCode::Unknown with its what() and keeps it as cause().
  static Error from_exception(std::exception_ptr e);

  /// The axios code.
  ErrorCode code() const noexcept;
  /// The message (axios' message, URL credentials redacted).
  const char* what() const noexcept override;
  /// True for ErrorCode::Canceled (axios.isCancel).
  bool is_cancel() const noexcept { return code() == ErrorCode::Canceled; }
  /// The transport detail (TransportError::None when the failure was not below
  /// HTTP).
  TransportError transport() const noexcept;
  /// Any timeout: Timeout, TimedOut, or a cancellation whose reason is a
  /// "TimeoutError" (AbortSignal::timeout).
  bool is_timeout() const noexcept;
  /// Worth retrying: a refused or broken connection, a timeout, a response with
  /// status 408, 429, 502, 503 or 504. Never a TLS verification failure, a bad
  /// option or URL, or a cancellation.
  bool is_transient() const noexcept;
  /// For Canceled: why (the signal's reason).
  std::optional<AbortReason> reason() const;
  /// The foreign exception wrapped by from_exception, if any.
  std::exception_ptr cause() const noexcept;

  /// The request's config (an empty one for an error outside a request).
  const RequestConfig& config() const;
  /// The response, when one arrived (a status rejected by validate_status, a
  /// body over max_content_length).
  const std::optional<Response>& response() const;
  /// Where the request was when it failed.
  RequestPhase phase() const noexcept;
  /// Whether bytes of the request may have reached the server: false means it
  /// certainly did not, so even a POST is safe to retry.
  bool maybe_delivered() const noexcept;

  /// Copies of this error with the request's context attached (for the library
  /// and for interceptors that make errors).
  Error with_request(RequestConfig config, RequestPhase phase, bool maybe_delivered) const;
  /// The same, sharing a config that is not copied (the request's own).
  Error with_request(std::shared_ptr<const RequestConfig> config, RequestPhase phase,
                     bool maybe_delivered) const;
  /// This error with the transport detail set.
  Error with_transport(TransportError transport) const;
  /// This error with the response attached.
  Error with_response(Response response) const;
  /// This error with `cause` attached as cause(). With `thrown_as_cause`, the
  /// throwing paths (Result::value(), Future::get(), co_await) throw the cause
  /// instead of this Error (the ApiClient: its Future's error is the underlying
  /// Error, what get() throws is the ApiError).
  Error with_cause(std::exception_ptr cause, bool thrown_as_cause) const;
  /// Whether the throwing paths throw cause() rather than this Error.
  bool thrown_as_cause() const noexcept;

  // --- observability ---
  /// What the network did before the failure (timings, bytes, reuse);
  /// available is false for an abort, whose Error is built on the aborting
  /// thread without touching the transfer, and for a failure before the network.
  const TransferInfo& transfer() const noexcept;
  /// This error with the transfer's record attached.
  Error with_transfer(const TransferInfo& transfer) const;

  /// {"name", "code", "message", "phase", "maybe_delivered"} plus "transport"
  /// for a transport failure, "reason" for cancellations, "status" with a
  /// response and "method"/"url" with a config:
  /// what axios' AxiosError#toJSON gives a log line.
  nlohmann::json to_json() const;

 private:
  friend Error detail::canceled_request_error(const AbortReason&,
                                              std::shared_ptr<const RequestConfig>, RequestPhase,
                                              bool);
  struct Impl;
  explicit Error(Impl&& impl);
  std::shared_ptr<const Impl> impl_;  ///< shared: copying an exception must not throw
};

/// True when `e` is a tether::Error with ErrorCode::Canceled (axios.isCancel),
/// or a tether::ApiError whose status.is_abort is set.
///@{
bool is_cancel(const std::exception& e) noexcept;
bool is_cancel(std::exception_ptr e) noexcept;
///@}

namespace detail {
// Throws `error`, or its cause() when the error is thrown_as_cause(): the one
// way a Result or Future throws its error.
[[noreturn]] void raise(const Error& error);
}  // namespace detail

}  // namespace tether
