/// \file
/// tether::testing: a mock transport for users' own tests (like httpx's
/// MockTransport, axios-mock-adapter or nock). Plugged into a Client through
/// ClientOptions::transport, it replaces only the moving of bytes: defaults,
/// interceptors, retries, validate_status, decoding, futures and continuations
/// (on the client's engine thread) run as they do over the network.
///
///   auto mock = tether::testing::MockTransport::create();
///   mock->on({.method = "GET", .url = "http://api.test/users"},
///            tether::testing::Reply::json(200, {{"id", 1}}));
///   tether::Client client({}, {.transport = mock});
///
/// Rules are tried in the order they were added; the first that matches (and
/// is not used up) answers. A request no rule matches fails with ERR_NETWORK
/// naming it. Aborts and timeouts behave as with the real engine: a pending
/// answer (a delay, or never) is dropped by an abort (the future settles
/// Canceled at once) and fails at the request's timeout or idle_timeout.
///
/// The client's event hook hears a mocked request's phases and redirects, and
/// its Response or Error carries a TransferInfo, as over the network.
///
/// Thread-safe: rules may be added and the record read from any thread while
/// requests run. User callbacks (a predicate, a responder) run outside the
/// mock's lock, on the client's engine thread; what they throw becomes that
/// request's error.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tether/body.hpp"
#include "tether/error.hpp"
#include "tether/headers.hpp"

namespace tether::detail {
class TransferHandler;
}  // namespace tether::detail

/// \namespace tether::testing
/// A mock transport for users' own tests (see tether/testing.hpp).
namespace tether::testing {

/// A request as the mock received it (after defaults, interceptors and params:
/// what would have gone on the wire).
struct RecordedRequest {
  std::string method{};  ///< as sent
  std::string url{};     ///< the whole URL, query included
  Headers headers{};     ///< the request's headers
  /// The body's bytes (empty for none and for a Form); a Body::file or
  /// Body::stream is read whole when the request is sent, on the engine thread.
  std::string body{};
  std::optional<Form> form{};  ///< a multipart body
  int redirects = 0;           ///< how many redirects led to this request
};

/// What a rule matches. Every field that is set must match; an empty Match
/// matches every request.
struct Match {
  std::string method{};                   ///< case-insensitive; empty: any
  std::string url{};                      ///< the whole URL, exactly (query included)
  std::string url_prefix{};               ///< the URL starts with this
  std::optional<std::regex> url_regex{};  ///< searched (std::regex_search) in the URL
  Headers headers{};                      ///< each name present with that value
  std::optional<std::string> body{};      ///< the body's bytes, exactly
  std::optional<nlohmann::json> json{};   ///< the body parsed as JSON equals this
  /// Any other test; runs on the engine thread, outside the mock's lock.
  std::function<bool(const RecordedRequest&)> predicate{};
};

/// A network failure a rule answers with, as the engine would report it.
struct NetworkFailure {
  ErrorCode code = ErrorCode::Network;                 ///< the Error's code
  TransportError transport = TransportError::Receive;  ///< where it failed
  /// The Error's message.
  std::string message = "connection broke while receiving the response (mocked)";
  /// Whether the request may have reached the server (false for Refused,
  /// Resolve, Connect and TLS failures, true otherwise, unless set).
  std::optional<bool> maybe_delivered{};
};

/// What a rule answers.
struct Reply {
  int status = 200;                         ///< the HTTP status
  std::string status_text{};                ///< empty: the standard reason phrase
  Headers headers{};                        ///< the response headers
  std::string body{};                       ///< the body's bytes
  std::chrono::milliseconds delay{0};       ///< the answer comes after this long
  bool never = false;                       ///< no answer (until an abort or a timeout)
  std::optional<NetworkFailure> failure{};  ///< fail instead of answering

  /// A JSON body with Content-Type: application/json.
  static Reply json(int status, const nlohmann::json& body);
  /// A text body with Content-Type: text/plain; charset=utf-8.
  static Reply text(int status, std::string body);
  /// A network failure (see NetworkFailure); `message` empty: a default one.
  static Reply network_error(TransportError transport, std::string message = {});
  static Reply hang();  ///< never answers
};

/// How many requests a rule answers.
enum class Times {
  Always,  ///< answers every matching request
  Once,    ///< answers the first, then is used up
};

/// A stand-in for the network, plugged into a Client through
/// ClientOptions::transport. Thread-safe: rules may be added and the record
/// read from any thread while requests run.
class MockTransport {
 public:
  /// A new mock with no rule (a request nothing matches fails with ERR_NETWORK).
  static std::shared_ptr<MockTransport> create();
  ~MockTransport();
  MockTransport(const MockTransport&) = delete;
  MockTransport& operator=(const MockTransport&) = delete;

  /// Adds a rule (after the others).
  MockTransport& on(Match match, Reply reply, Times times = Times::Always);
  /// Adds a rule whose answer is computed per request.
  MockTransport& on(Match match, std::function<Reply(const RecordedRequest&)> responder,
                    Times times = Times::Always);
  /// Drops every rule and the record.
  void reset();

  /// Every request received so far, matched or not, in order.
  std::vector<RecordedRequest> requests() const;
  /// Waits until at least `n` requests were received; false after `limit`.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds limit) const;
  /// Answers not given yet (a delay or never), across the clients using it.
  std::size_t pending() const;
  /// Rules that have answered no request yet (a test can check that every
  /// call it expected was made).
  std::size_t unused_rules() const;

  /// For the library: the engine's stand-in for the network, one per engine.
  std::shared_ptr<detail::TransferHandler> attach();

  struct State;

 private:
  MockTransport();
  std::shared_ptr<State> state_;
};

}  // namespace tether::testing
