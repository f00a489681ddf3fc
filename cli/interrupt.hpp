// Ctrl-C: SIGINT is blocked in every thread and taken by one thread in
// sigwait(), so no code runs in a signal handler at all. The first SIGINT
// aborts the request through an AbortController; a second one exits at once.
#pragma once

#include <atomic>
#include <thread>

#include <tether/abort.hpp>

namespace tether::cli {

class InterruptWatcher {
 public:
  // Blocks SIGINT in the calling thread (call it before any other thread is
  // started, so that they all inherit the mask) and starts the waiting thread.
  explicit InterruptWatcher(AbortController controller);
  ~InterruptWatcher();  // stops the waiting thread
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  bool interrupted() const noexcept { return interrupted_.load(); }

 private:
  void run();

  AbortController controller_;
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tether::cli
