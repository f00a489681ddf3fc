#include "transport/flow_state.hpp"

#include <vector>

namespace tether {

FlowControl::FlowControl() : state_(std::make_shared<detail::FlowState>()) {}

void FlowControl::pause() noexcept {
  // The engine reads this before it hands on_data the next chunk: no wake-up.
  state_->paused.store(true, std::memory_order_release);
}

void FlowControl::resume() {
  state_->paused.store(false, std::memory_order_release);
  // Copied out: a wake-up posts to an engine's mailbox, not under our lock.
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(state_->mu);
    wakes.reserve(state_->wakes.size());
    for (const auto& [token, wake] : state_->wakes) wakes.push_back(wake);
  }
  for (const auto& wake : wakes) wake();
}

bool FlowControl::paused() const noexcept {
  return state_->paused.load(std::memory_order_acquire);
}

}  // namespace tether
