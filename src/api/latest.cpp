#include "tether/latest.hpp"

#include <utility>

namespace tether {

AbortSignal Latest::next() {
  AbortController fresh;
  std::optional<AbortController> previous;
  {
    std::lock_guard lock(mu_);
    previous = std::exchange(current_, fresh);
  }
  // Outside the lock: abort() runs the signal's callbacks on this thread.
  if (previous) previous->abort({"AbortError", "superseded by a newer request"});
  return fresh.signal();
}

void Latest::abort() {
  std::optional<AbortController> previous;
  {
    std::lock_guard lock(mu_);
    previous = std::exchange(current_, std::nullopt);
  }
  if (previous) previous->abort({"AbortError", "aborted"});
}

AbortSignal Latest::current() const {
  std::lock_guard lock(mu_);
  return current_ ? current_->signal() : AbortSignal{};
}

}  // namespace tether
