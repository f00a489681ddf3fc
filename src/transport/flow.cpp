#include "transport/flow_state.hpp"

namespace tether {

FlowControl::FlowControl() : state_(std::make_shared<detail::FlowState>()) {}

void FlowControl::pause() noexcept {
  // The engine reads this before it hands on_data the next chunk: no wake-up.
  state_->paused.store(true, std::memory_order_release);
}

void FlowControl::resume() {
  state_->paused.store(false, std::memory_order_release);
  std::function<void()> wake;
  {
    std::lock_guard lock(state_->mu);
    wake = state_->wake;
  }
  if (wake) wake();
}

bool FlowControl::paused() const noexcept {
  return state_->paused.load(std::memory_order_acquire);
}

}  // namespace tether
