#include "interrupt.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace tether::cli {
namespace {

sigset_t interrupt_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

InterruptWatcher::InterruptWatcher(AbortController controller)
    : controller_(std::move(controller)) {
  sigset_t set = interrupt_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { run(); });
}

InterruptWatcher::~InterruptWatcher() {
  stopping_.store(true);
  // Wakes the waiting thread, which sees stopping_ and returns.
  pthread_kill(thread_.native_handle(), SIGINT);
  thread_.join();
}

void InterruptWatcher::run() {
  sigset_t set = interrupt_set();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (stopping_.load()) return;
    if (interrupted_.exchange(true)) {
      // A second Ctrl-C: the user wants out now, whatever is in flight.
      static constexpr char kBye[] = "\ntether: interrupted again, exiting\n";
      [[maybe_unused]] auto n = write(STDERR_FILENO, kBye, sizeof kBye - 1);
      _exit(130);
    }
    controller_.abort({.name = "AbortError", .message = "interrupted (Ctrl-C)"});
  }
}

}  // namespace tether::cli
