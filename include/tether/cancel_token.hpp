/// \file
/// CancelToken: axios' deprecated cancellation API, kept so axios code ports as is.
///
/// A CancelToken is another face of an AbortSignal (axios' toAbortSignal), not a
/// second listener system: its cancellation is an abort whose reason has the name
/// "CanceledError" and the cancel message as its message.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "tether/abort.hpp"

namespace tether {

/// axios' Cancel / CanceledError payload.
struct Cancel {
  std::string message{};  ///< the message given to cancel()

  friend bool operator==(const Cancel&, const Cancel&) = default;
};

struct CancelTokenSource;

/// axios' CancelToken (deprecated there, kept for migration): an adapter over
/// an AbortSignal, not a second listener system. Copies share one state; every
/// member may be called from any thread.
class CancelToken {
 public:
  using CancelFunction = std::function<void(std::string)>;  ///< cancels with a message

  /// Runs `executor` once, here, with a cancel function that may be called
  /// later from any thread (and more than once: the first message wins). Like
  /// CancelTokenSource::cancel, it rethrows what a subscriber threw.
  /// Throws std::invalid_argument if `executor` is empty.
  explicit CancelToken(std::function<void(CancelFunction)> executor);

  /// axios' CancelToken.source(): a token and the function that cancels it.
  static CancelTokenSource source();

  /// True once canceled.
  bool requested() const noexcept;
  /// The Cancel payload once canceled, else nullopt.
  std::optional<Cancel> reason() const;
  /// Throws tether::Error, code Canceled, whose message is the cancel message
  /// ("canceled" when it was empty).
  void throw_if_requested() const;
  /// fn runs once on cancellation, inside cancel(), on the canceling thread; at
  /// once if the token is already canceled. Same rules as AbortSignal::on_abort.
  [[nodiscard]] AbortRegistration subscribe(std::function<void(const Cancel&)> fn) const;
  /// The same cancellation as an AbortSignal (reason name "CanceledError").
  AbortSignal signal() const noexcept { return signal_; }

  friend bool operator==(const CancelToken& a, const CancelToken& b) noexcept {
    return a.signal_ == b.signal_;
  }

 private:
  friend struct CancelTokenSource;
  CancelToken() = default;
  AbortSignal signal_;
};

/// What CancelToken::source() gives: a token and its cancel().
struct CancelTokenSource {
  CancelToken token;  ///< give it to a request's cancel_token
  /// Cancels `token` with `message`; the first call wins, later calls do nothing.
  /// As AbortController::abort: a subscriber that throws does not stop the
  /// others, and the first exception is rethrown once they all have run.
  void cancel(std::string message = {}) const;
};

}  // namespace tether
