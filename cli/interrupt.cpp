#include "interrupt.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

namespace tether::cli {
namespace {

sigset_t interrupt_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

InterruptWatcher::InterruptWatcher(AbortController controller, std::string remove_on_exit)
    : controller_(std::move(controller)), remove_path_(std::move(remove_on_exit)) {
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
    if (!armed_.load(std::memory_order_acquire)) exit_now("\ntether: interrupted\n");
    // A second Ctrl-C: the user wants out now, whatever is in flight.
    if (interrupted_.exchange(true)) exit_now("\ntether: interrupted again, exiting\n");
    controller_.abort({.name = "AbortError", .message = "interrupted (Ctrl-C)"});
  }
}

void InterruptWatcher::exit_now(const char* message) {
  // A thread of its own, not a signal handler: unlink is safe here. The
  // request may still be writing, but _exit follows at once.
  // Before arm() the file is not ours yet (an older FILE.part stays).
  if (armed_.load() && !remove_path_.empty()) unlink(remove_path_.c_str());
  [[maybe_unused]] auto n = write(STDERR_FILENO, message, std::strlen(message));
  _exit(130);
}

}  // namespace tether::cli
