// Ctrl-C: SIGINT is blocked in every thread and taken by one thread in
// sigwait(), so no code runs in a signal handler at all. The first SIGINT
// aborts the request through an AbortController; a second one exits at once,
// removing the partial download first. Before arm() (while the command line
// and stdin are read) there is no request to abort: the first Ctrl-C exits.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include <tether/abort.hpp>

namespace tether::cli {

class InterruptWatcher {
 public:
  // Blocks SIGINT in the calling thread (call it before any other thread is
  // started, so that they all inherit the mask) and starts the waiting thread.
  explicit InterruptWatcher(AbortController controller, std::string remove_on_exit = "");
  ~InterruptWatcher();  // stops the waiting thread
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  // From now on the first Ctrl-C aborts the request instead of exiting, and
  // an immediate exit removes `remove_on_exit` (FILE.part without
  // --keep-partial): call it before that file is created.
  void arm() noexcept { armed_.store(true, std::memory_order_release); }

  bool interrupted() const noexcept { return interrupted_.load(); }

 private:
  void run();
  [[noreturn]] void exit_now(const char* message);

  AbortController controller_;
  const std::string remove_path_;
  std::atomic<bool> armed_{false};
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tether::cli
