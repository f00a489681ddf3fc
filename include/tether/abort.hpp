/// \file
/// AbortController / AbortSignal: fetch()'s cancellation primitive, for C++.
///
/// Thread safety: every member may be called from any thread. AbortSignal and
/// AbortController are cheap handles; copies share one state.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace tether {

namespace detail {
class SignalState;
struct CallbackNode;
}  // namespace detail

/// Why a signal was aborted. DOM names: "AbortError" (abort()), "TimeoutError"
/// (AbortSignal::timeout), "CanceledError" (a CancelToken).
struct AbortReason {
  std::string name = "AbortError";  ///< the DOM name: AbortError, TimeoutError, CanceledError
  std::string message{};            ///< free text; empty when none was given

  friend bool operator==(const AbortReason&, const AbortReason&) = default;
};

/// RAII handle to a callback registered with AbortSignal::on_abort (the
/// std::stop_callback analogue). Destroying it, or assigning over it, unregisters
/// the callback. Once the destructor returns the callback is not running and
/// will not run: if it is running on another thread the destructor waits for it;
/// destroying the registration from inside its own callback is allowed and does
/// not wait.
class [[nodiscard]] AbortRegistration {
 public:
  AbortRegistration() noexcept = default;
  /// Moves the registration; assigning over one unregisters its callback first.
  ///@{
  AbortRegistration(AbortRegistration&& other) noexcept;
  AbortRegistration& operator=(AbortRegistration&& other) noexcept;
  ///@}
  AbortRegistration(const AbortRegistration&) = delete;
  AbortRegistration& operator=(const AbortRegistration&) = delete;
  ~AbortRegistration();

  /// True while a callback is registered and has not been released.
  explicit operator bool() const noexcept { return node_ != nullptr; }

  /// Unregisters now (what the destructor does). Idempotent.
  void reset() noexcept;

 private:
  friend class detail::SignalState;
  AbortRegistration(std::shared_ptr<detail::SignalState> state, detail::CallbackNode* node) noexcept
      : state_(std::move(state)), node_(node) {}

  std::shared_ptr<detail::SignalState> state_;
  detail::CallbackNode* node_ = nullptr;
};

/// Observes whether an operation should stop. A default-constructed signal never
/// aborts and costs nothing.
class AbortSignal {
 public:
  AbortSignal() noexcept = default;

  /// True once aborted.
  bool aborted() const noexcept;
  /// The reason once aborted, else nullopt.
  std::optional<AbortReason> reason() const;

  /// Throws tether::Error with ErrorCode::Canceled (and this reason) if aborted.
  void throw_if_aborted() const;

  /// Registers fn to run once when the signal aborts. fn runs synchronously on
  /// the aborting thread, in registration order, before abort() returns; if the
  /// signal is already aborted it runs right here, on the calling thread, before
  /// on_abort returns (so there is no check-then-register race). Keep the
  /// returned registration alive for as long as fn may run. If fn throws, the
  /// other callbacks still run and abort() rethrows the first exception once
  /// they all have (see AbortController::abort); in the already-aborted case
  /// the exception leaves on_abort.
  [[nodiscard]] AbortRegistration on_abort(std::function<void(const AbortReason&)> fn) const;

  /// A signal that is already aborted.
  static AbortSignal abort(AbortReason reason = {});
  /// A signal that aborts after `after` with reason name "TimeoutError". Served by
  /// one shared timer thread; the timer is dropped when the signal is. The timer
  /// thread has no caller to rethrow to: an exception a callback throws is
  /// dropped (after every other callback has run).
  static AbortSignal timeout(std::chrono::milliseconds after);
  /// A signal that aborts as soon as any of `signals` does, with that source's
  /// reason (already aborted if one of them is). Holds no registration on a
  /// source once the returned signal (and every copy of it) is gone.
  static AbortSignal any(std::vector<AbortSignal> signals);
  /// A signal that aborts when stop is requested on `token`. request_stop() has
  /// no caller to rethrow to: a callback's exception is dropped (as timeout()).
  static AbortSignal from(std::stop_token token);
  /// A std::stop_token that is stop-requested when this signal aborts (after its
  /// callbacks ran, even when one threw). For a default signal: a token with
  /// stop_possible() == false. A std::stop_callback on it must not throw (the
  /// standard's rule: that terminates).
  std::stop_token stop_token() const;

  /// Two handles are equal when they share one state.
  friend bool operator==(const AbortSignal& a, const AbortSignal& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  friend class AbortController;
  friend class CancelToken;
  friend class detail::SignalState;
  explicit AbortSignal(std::shared_ptr<detail::SignalState> state) noexcept
      : state_(std::move(state)) {}

  std::shared_ptr<detail::SignalState> state_;
};

/// Owns the right to abort one signal. Destroying the controller does not abort
/// the signal (as std::stop_source).
class AbortController {
 public:
  AbortController();

  /// The signal this controller aborts (copies share its state).
  AbortSignal signal() const noexcept { return AbortSignal(state_); }

  /// Aborts the signal: stores the reason, then runs every registered callback
  /// exactly once on this thread before returning. Idempotent: the first reason
  /// wins, and only the call that aborted returns true.
  ///
  /// A callback that throws stops nothing: every other callback still runs (and
  /// those of signals made by any() from this one, and the stop_token is still
  /// stop-requested); then the first exception is rethrown from here. The signal
  /// is aborted either way, and every registration stays safe to destroy.
  bool abort(AbortReason reason = {});

 private:
  std::shared_ptr<detail::SignalState> state_;
};

}  // namespace tether
