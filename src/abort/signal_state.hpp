// The shared state behind AbortSignal, AbortController and CancelToken.
//
// Locking: each state has one mutex and no code ever holds two states' mutexes
// at once, nor any mutex while user code runs, so there is no lock order to get
// wrong.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "tether/abort.hpp"

namespace tether::detail {

// One on_abort callback, owned by its AbortRegistration.
struct CallbackNode {
  std::function<void(const AbortReason&)> fn;
  CallbackNode* prev = nullptr;
  CallbackNode* next = nullptr;
  bool linked = false;  // in its state's list; guarded by that state's mutex
  // While the callback runs: set to true by a registration destroyed from
  // inside the callback, so the aborting thread no longer touches the node.
  bool* removed_during_callback = nullptr;
};

// A dependent signal (made by any()) as seen from one of its sources. Owned by
// the dependent; linked into the source's list so the source reaches its
// dependents without any callback.
struct DependentLink {
  std::weak_ptr<SignalState> dependent;
  std::shared_ptr<SignalState> source;
  DependentLink* prev = nullptr;
  DependentLink* next = nullptr;
  bool linked = false;  // guarded by source's mutex
};

class SignalState : public std::enable_shared_from_this<SignalState> {
 public:
  SignalState();
  SignalState(const SignalState&) = delete;
  SignalState& operator=(const SignalState&) = delete;
  ~SignalState();

  bool aborted() const noexcept { return aborted_.load(std::memory_order_acquire); }
  std::optional<AbortReason> reason() const;

  // Sets the reason here and on every dependent (DOM "signal abort": all
  // reasons first), then runs this signal's callbacks, then the dependents'.
  // True only for the call that aborted. A callback that throws does not stop
  // the others (nor the dependents' callbacks, nor the stop_source): once all
  // have run, the first exception is rethrown here.
  bool abort(AbortReason reason);
  // The same, for callers with no one to rethrow to (the timer thread, a
  // std::stop_callback): a callback's exception is dropped.
  bool abort_and_swallow(AbortReason reason) noexcept;

  static AbortRegistration add_callback(const std::shared_ptr<SignalState>& self,
                                        std::function<void(const AbortReason&)> fn);
  void remove_callback(CallbackNode* node) noexcept;

  static std::shared_ptr<SignalState> make_any(const std::vector<AbortSignal>& sources);
  static std::shared_ptr<SignalState> make_timeout(std::chrono::milliseconds after);
  static std::shared_ptr<SignalState> make_from(std::stop_token token);
  std::stop_token stop_token();

  // The state behind a signal handle (null for a default signal).
  static const std::shared_ptr<SignalState>& of(const AbortSignal& signal) noexcept {
    return signal.state_;
  }
  static AbortSignal handle(std::shared_ptr<SignalState> state) noexcept {
    return AbortSignal(std::move(state));
  }

  // Callbacks plus dependent links registered on this signal (for tests).
  std::size_t listener_count() const;

 private:
  struct StopLink;

  // Phase 1: records the reason; appends every newly aborted dependent
  // (transitively, each before its own dependents; not this one) to `marked`.
  // False if already aborted.
  bool mark(const AbortReason& reason, std::vector<std::shared_ptr<SignalState>>& marked);
  // Phase 2: runs the callbacks, then stops the std::stop_source if any. The
  // first exception a callback throws is stored in `first` (if still empty).
  void fire(std::exception_ptr& first);
  // Unlinks this (dependent) signal from its sources.
  void detach_from_sources() noexcept;

  mutable std::mutex mu_;
  std::condition_variable callback_done_;
  std::atomic<bool> aborted_{false};
  AbortReason reason_;  // written once, under mu_, before aborted_ is set

  CallbackNode* head_ = nullptr;
  CallbackNode* tail_ = nullptr;
  CallbackNode* running_ = nullptr;  // the callback fire() is running, if any
  std::thread::id firing_thread_;
  std::size_t waiters_ = 0;  // registrations waiting for running_ to finish

  DependentLink* dependents_head_ = nullptr;  // links of signals that depend on this
  DependentLink* dependents_tail_ = nullptr;
  std::size_t dependents_count_ = 0;
  std::size_t callback_count_ = 0;

  std::optional<std::stop_source> stop_source_;  // made by stop_token() on demand

  // As a dependent: one link per source (fixed at creation, read-only after).
  std::vector<std::unique_ptr<DependentLink>> links_;
  std::uint64_t timer_id_ = 0;           // for timeout(): the shared timer's entry
  std::unique_ptr<StopLink> stop_link_;  // for from(): the std::stop_callback
};

// Test hook: how many callbacks and dependents `signal` holds.
std::size_t listener_count(const AbortSignal& signal);

}  // namespace tether::detail
