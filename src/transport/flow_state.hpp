// What a FlowControl shares with the engine: whether the user wants the body
// paused, and how to wake each transfer that receives it now.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "tether/flow.hpp"

namespace tether::detail {

// One FlowControl may drive several live transfers at once: resume() wakes
// each of them (a transfer it no longer pauses ignores the wake-up).
struct FlowState {
  std::atomic<bool> paused{false};
  std::mutex mu;  // guards the two below only; no user code runs under it
  std::map<std::uint64_t, std::function<void()>> wakes;  // by token, one per live transfer
  std::uint64_t next_token = 0;

  // A transfer starts with this FlowControl; `wake` resumes it. The token
  // unbinds it when it ends.
  std::uint64_t bind(std::function<void()> wake) {
    std::lock_guard lock(mu);
    wakes.emplace(++next_token, std::move(wake));
    return next_token;
  }
  void unbind(std::uint64_t token) {
    std::lock_guard lock(mu);
    wakes.erase(token);
  }
};

struct FlowAccess {
  static const std::shared_ptr<FlowState>& state(const FlowControl& flow) { return flow.state_; }
};

}  // namespace tether::detail
