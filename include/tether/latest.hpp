/// \file
/// Latest and Debouncer: "only the newest request matters" and "wait until the
/// typing stops", the two halves of the article's live preview.
///
///   tether::Debouncer debounce{300ms};
///   tether::Latest latest;
///   debounce.call([&] { api.make_request({.url = "/preview", .signal = latest.next()}); });
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "tether/abort.hpp"

namespace tether {

namespace detail {
struct DebouncerState;
}  // namespace detail

/// Hands out one AbortSignal at a time; handing out the next aborts the one
/// before, with AbortReason{"AbortError", "superseded by a newer request"}.
/// Thread-safe: concurrent next() calls leave exactly one signal un-aborted,
/// the one handed out last. The aborts (and the signal's callbacks) run on the
/// calling thread, outside Latest's lock. Destroying a Latest does not abort
/// its current signal (as AbortController).
///
/// Under a parent (a Scope's signal(), or any AbortSignal): every signal it
/// hands out also aborts when the parent does, with the parent's reason, and
/// after that next() hands out signals that are already aborted.
class Latest {
 public:
  Latest() = default;
  /// Under `parent`: every signal handed out also aborts when it does.
  explicit Latest(AbortSignal parent);
  Latest(const Latest&) = delete;
  Latest& operator=(const Latest&) = delete;

  /// Aborts the signal handed out before (if any) and returns a fresh one. An
  /// exception a callback of the aborted signal throws leaves here, as from
  /// AbortController::abort(); the fresh signal is current() all the same.
  AbortSignal next();
  /// Aborts the current signal (reason message "aborted"); the next next()
  /// starts afresh. Idempotent.
  void abort();
  /// The signal handed out last (a default, never-aborting one before the
  /// first next()).
  AbortSignal current() const;

 private:
  /// The signal handed out for `controller`: its own, or joined to parent_.
  AbortSignal handed_out(const AbortController& controller) const;

  AbortSignal parent_;  ///< default: none
  mutable std::mutex mu_;
  std::optional<AbortController> current_;
  AbortSignal current_signal_;  ///< what current() returns
};

/// Runs fn once calls have been quiet for `quiet`: each call() replaces the
/// pending fn and restarts the wait. Timed on the process's shared timer
/// service (no thread per Debouncer); fn runs on the default executor
/// (tether::default_executor()), never inside call().
///
/// What fn throws goes to `on_error` (dropped when there is none): it never
/// takes the process down. Destruction cancels a pending fn and waits for a
/// running one, except from inside fn itself, which may destroy or cancel its
/// own Debouncer without deadlock (fn then finishes; no other fn starts).
class Debouncer {
 public:
  /// A debouncer whose fn runs once calls have been quiet for `quiet`; what fn
  /// throws goes to `on_error`.
  explicit Debouncer(std::chrono::milliseconds quiet,
                     std::function<void(std::exception_ptr)> on_error = {});
  Debouncer(const Debouncer&) = delete;
  Debouncer& operator=(const Debouncer&) = delete;
  ~Debouncer();

  /// Schedules fn to run `quiet` after this call, unless another call() or
  /// cancel() comes first. Thread-safe.
  void call(std::function<void()> fn);
  /// Drops the pending fn, if any (a running one is not interrupted). True if
  /// one was dropped.
  bool cancel();
  /// True while a fn waits for the quiet period to pass.
  bool pending() const;

 private:
  std::shared_ptr<detail::DebouncerState> state_;  ///< shared with the timer task
};

}  // namespace tether
