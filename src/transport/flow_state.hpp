// What a FlowControl shares with the engine: whether the user wants the body
// paused, and how to wake the transfer that receives it now.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "tether/flow.hpp"

namespace tether::detail {

struct FlowState {
  std::atomic<bool> paused{false};
  std::mutex mu;               // guards wake only; no user code runs under it
  std::function<void()> wake;  // set by the engine when a transfer starts with it
};

struct FlowAccess {
  static const std::shared_ptr<FlowState>& state(const FlowControl& flow) { return flow.state_; }
};

}  // namespace tether::detail
