// What a tether::Scope shares with the callbacks and requests started through
// it: its signal, its deadline, and a counter of the work running in it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "tether/abort.hpp"

namespace tether::detail {

class ScopeState {
 public:
  using Clock = std::chrono::steady_clock;

  ScopeState(std::shared_ptr<ScopeState> parent, AbortSignal parent_signal,
             std::optional<Clock::time_point> deadline);
  ScopeState(const ScopeState&) = delete;
  ScopeState& operator=(const ScopeState&) = delete;

  // Counts one unit of work here and in every ancestor; false (counting
  // nothing) when this scope or an ancestor is closed.
  bool enter() noexcept;
  void leave() noexcept;

  // Refuses new work, aborts the signal with `reason`, then waits until no
  // work is left but what this thread itself holds (see scope.hpp).
  void close(const AbortReason& reason) noexcept;

  const AbortSignal& signal() const noexcept { return signal_; }
  AbortController& controller() noexcept { return controller_; }
  const std::optional<Clock::time_point>& deadline() const noexcept { return deadline_; }

 private:
  static constexpr std::uint64_t kClosed = std::uint64_t(1) << 63;

  bool enter_one() noexcept;
  void leave_one() noexcept;
  // Entries this thread holds (as running callbacks) that count in this scope.
  std::uint64_t held_by_this_thread() const noexcept;

  const std::shared_ptr<ScopeState> parent_;
  AbortController controller_;
  AbortSignal signal_;  // the controller's, or any(controller, parent signal)
  const std::optional<Clock::time_point> deadline_;
  // Work running now (low bits) and the closed flag (top bit): one atomic, so
  // "enter unless closed" and "close, then wait for zero" cannot miss each other.
  std::atomic<std::uint64_t> work_{0};
};

}  // namespace tether::detail
