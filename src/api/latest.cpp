#include "tether/latest.hpp"

#include <utility>

namespace tether {

Latest::Latest(AbortSignal parent) : parent_(std::move(parent)) {}

AbortSignal Latest::handed_out(const AbortController& controller) const {
  if (parent_ == AbortSignal{}) return controller.signal();
  return AbortSignal::any({controller.signal(), parent_});
}

AbortSignal Latest::next() {
  AbortController fresh;
  AbortSignal signal = handed_out(fresh);  // outside the lock: any() may run callbacks
  std::optional<AbortController> previous;
  {
    std::lock_guard lock(mu_);
    previous = std::exchange(current_, fresh);
    current_signal_ = signal;
  }
  // Outside the lock: abort() runs the signal's callbacks on this thread.
  if (previous) previous->abort({"AbortError", "superseded by a newer request"});
  return signal;
}

void Latest::abort() {
  std::optional<AbortController> previous;
  {
    std::lock_guard lock(mu_);
    previous = std::exchange(current_, std::nullopt);
    current_signal_ = AbortSignal{};
  }
  if (previous) previous->abort({"AbortError", "aborted"});
}

AbortSignal Latest::current() const {
  std::lock_guard lock(mu_);
  return current_signal_;
}

}  // namespace tether
