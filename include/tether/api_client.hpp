/// \file
/// ApiClient: the opinionated layer of the reference article ("Canceling API
/// Requests Using fetch() And AbortController"), over a Client.
///
/// make_request() never throws. Its Future fails only with a tether::Error
/// whose cause() is an ApiError of the article's normalised shape (the Future
/// carries tether::Error, so the ApiError travels as its cause); ApiError::from()
/// gets it back, from that Error or from the exception get() threw:
///
///   auto result = api.make_request({.url = url, .signal = latest.next()}).result();
///   if (!result) {
///     tether::ApiError error = tether::ApiError::from(result.error());
///     if (error.status.is_abort) return;  // superseded: not an error to show
///   }
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "tether/abort.hpp"
#include "tether/body.hpp"
#include "tether/client.hpp"
#include "tether/data.hpp"
#include "tether/error.hpp"
#include "tether/future.hpp"
#include "tether/headers.hpp"
#include "tether/params.hpp"
#include "tether/request.hpp"
#include "tether/response.hpp"

namespace tether {

/// The article's makeRequest() config; fields in its order. At most one of
/// form, json and body is taken, in that order of precedence (as the article).
struct ApiRequest {
  std::string content_type{};            ///< for json / body; ignored with form
  Headers headers{};                     ///< names are sent lower-cased
  std::string method{};                  ///< default: "POST" with form / json / body, else "GET"
  std::string url{};                     ///< relative to the Client's base_url, if it has one
  Params params{};                       ///< merged into url (merge_params_into_url)
  std::optional<Form> form{};            ///< multipart/form-data; forces POST, drops content-type
  std::optional<nlohmann::json> json{};  ///< content_type or "application/json"
  std::optional<std::string> body{};     ///< content_type or "application/octet-stream"
  AbortSignal signal{};                  ///< aborting it cancels the request (is_abort)
};

/// What lies behind an ApiError: nothing, the response body that was not a
/// domain error (ServerError), or the underlying tether::Error (TransportError,
/// bad input).
using RootCause = std::variant<std::monostate, Data, Error>;

/// The article's fixed data.message for every error that is not a domain error.
inline constexpr std::string_view kUnexpectedErrorMessage =
    "An unexpected error occurred while processing your request.";

/// The article's normalised error: a domain type and message in `data`, the
/// HTTP status, and what lies behind it. make_request's Error carries it as
/// cause(); ApiError::from gets it back.
class ApiError : public std::exception {
 public:
  /// The HTTP status of the failure, or 0 and "Unknown" below HTTP.
  struct Status {
    int code = 0;                  ///< the HTTP status; 0 for a transport error
    std::string text = "Unknown";  ///< the reason phrase; "Unknown" for a transport error
    bool is_abort = false;         ///< true exactly when the request was aborted
  };

  /// A TransportError with the fixed message (what a default ApiError is).
  ApiError();

  /// A non-2xx response: "ServerError" with the fixed message, status from the
  /// response; a JSON object body with string "type" and "message" is merged
  /// into data whole, any other body becomes the root cause.
  static ApiError server_error(Response response);
  /// A request that failed below HTTP, or was refused before it was sent:
  /// "TransportError", code 0, text "Unknown"; is_abort when `error` is a
  /// cancellation (signal, CancelToken, Latest) other than a timeout.
  static ApiError transport_error(Error error);
  /// The ApiError an Error stands for: the ApiError it carries as cause() (what
  /// make_request fails with), else the Error normalised (a status rejected by
  /// validate_status as server_error, anything else as transport_error).
  static ApiError from(const Error& error);
  /// The same for a caught exception: an ApiError, a tether::Error, or any
  /// other exception (a TransportError whose root cause wraps it).
  static ApiError from(std::exception_ptr error);

  /// Always a string "type" ("ServerError" | "TransportError", or the server's
  /// domain type) and a string "message"; a domain error's other keys too.
  nlohmann::json data = {{"type", "TransportError"},
                         {"message", std::string(kUnexpectedErrorMessage)}};
  Status status{};                         ///< the HTTP status, and whether the request was aborted
  RootCause root_cause{};                  ///< what lies behind the error (see RootCause)
  std::optional<RequestConfig> request{};  ///< what was sent, when it got that far
  std::optional<Response> response{};      ///< what came back, for a ServerError

  /// "ServerError 404 Not Found: <data.message>", "TransportError (aborted):
  /// canceled", …: type, status and what lies behind it, with no secrets (URL
  /// credentials redacted). Fixed when the error is made.
  const char* what() const noexcept override;
  /// {"data", "status": {"code", "text", "is_abort"}, "root_cause",
  ///  "request": {"method", "url"}, "response": {"status", "url"}}, for a log
  /// line: URL credentials redacted, no header values, no request body.
  nlohmann::json to_json() const;

 private:
  void describe();
  std::string what_;
};

/// The opinionated layer of the reference article over a Client: make_request
/// never throws, and every failure is an ApiError (see ApiError::from).
/// Thread-safe as the Client it wraps.
class ApiClient {
 public:
  ApiClient();                        ///< over its own Client
  explicit ApiClient(Client client);  ///< over a configured one: base URL, defaults,
                                      ///< interceptors and retries are the Client's

  /// Sends the request; never throws. The Future's value is the response body
  /// unwrapped by Content-Type (application/json or application/x-json, +json:
  /// JSON; text/*: text; else bytes). It fails only with a tether::Error whose
  /// cause() is the ApiError (see ApiError::from), for every failure: a non-2xx
  /// status, a transport error, an abort, a malformed URL, an invalid header.
  Future<Data> make_request(ApiRequest request);

  /// The Client underneath (for its interceptors or defaults).
  Client& client() noexcept { return client_; }

 private:
  Client client_;
};

}  // namespace tether
