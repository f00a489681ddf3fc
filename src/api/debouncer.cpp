// Debouncer: one timer on the shared TimerService per quiet period, fn run on
// the default executor.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "abort/timer_service.hpp"
#include "tether/executor.hpp"
#include "tether/latest.hpp"

namespace tether {

namespace detail {

// Quiet periods beyond this are clamped: now() + quiet must not overflow the
// clock (a century is "never" enough).
constexpr std::chrono::milliseconds kMaxQuiet = std::chrono::hours(24 * 365 * 100);

struct DebouncerState : std::enable_shared_from_this<DebouncerState> {
  DebouncerState(std::chrono::milliseconds q, std::function<void(std::exception_ptr)> e)
      : quiet(std::min(q, kMaxQuiet)), on_error(std::move(e)) {}

  const std::chrono::milliseconds quiet;
  const std::function<void(std::exception_ptr)> on_error;

  std::mutex mu;
  std::condition_variable idle;
  std::function<void()> pending;  // the fn waiting for the quiet period
  TimerService::Id timer = 0;     // its timer, 0 when none
  std::uint64_t generation = 0;   // bumped by call() and cancel(): stale timers do nothing
  // The fn whose quiet period passed, handed to the executor but not yet
  // started: kept here (not in the task) so that cancel() and the destructor
  // can still drop it, and its captures die with them, not later on the
  // executor's thread.
  std::function<void()> due;
  std::uint64_t due_generation = 0;  // the task that may take `due`
  bool running = false;
  std::thread::id runner;  // the thread running fn, while running
  bool closed = false;     // destroyed: nothing runs any more

  // On the timer thread: the quiet period of `gen` has passed.
  void fire(std::uint64_t gen) {
    std::function<void()> superseded;
    {
      std::lock_guard lock(mu);
      if (gen != generation || closed || !pending) return;
      superseded = std::exchange(due, std::move(pending));  // a due fn not yet started
      pending = nullptr;
      timer = 0;
      due_generation = gen;
    }
    // Off the timer thread, so a slow fn delays no AbortSignal::timeout.
    default_executor()->post([self = shared_from_this(), gen] { self->run(gen); });
  }

  void run(std::uint64_t gen) {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu);
      if (closed || gen != due_generation || !due) return;
      fn = std::exchange(due, nullptr);
      running = true;
      runner = std::this_thread::get_id();
    }
    try {
      fn();
    } catch (...) {
      report(std::current_exception());
    }
    fn = nullptr;  // its captures go before the destructor may return
    {
      std::lock_guard lock(mu);
      running = false;
      runner = {};
    }
    idle.notify_all();
  }

  void report(std::exception_ptr error) noexcept {
    if (!on_error) return;
    try {
      on_error(std::move(error));
    } catch (...) {
      // The error handler's own failure has nowhere left to go.
    }
  }

  // Under mu: forgets the pending fn and its timer. Returns the dropped fn so
  // that its captures are destroyed outside the lock.
  std::function<void()> drop_pending() {
    ++generation;
    if (timer != 0) TimerService::instance().cancel(timer);
    timer = 0;
    return std::exchange(pending, nullptr);
  }

  // Under mu: forgets the due fn (its executor task then does nothing).
  std::function<void()> drop_due() { return std::exchange(due, nullptr); }
};

}  // namespace detail

Debouncer::Debouncer(std::chrono::milliseconds quiet,
                     std::function<void(std::exception_ptr)> on_error)
    : state_(quiet < std::chrono::milliseconds::zero()
                 ? throw std::invalid_argument("tether::Debouncer: a negative quiet period")
                 : std::make_shared<detail::DebouncerState>(quiet, std::move(on_error))) {}

Debouncer::~Debouncer() {
  std::function<void()> dropped, dropped_due;  // destroyed after the lock is released
  std::unique_lock lock(state_->mu);
  dropped = state_->drop_pending();
  dropped_due = state_->drop_due();
  state_->closed = true;
  // From inside fn (this very thread) there is nothing to wait for: fn is
  // below us on the stack.
  if (state_->runner != std::this_thread::get_id()) {
    state_->idle.wait(lock, [&] { return !state_->running; });
  }
  lock.unlock();
}

void Debouncer::call(std::function<void()> fn) {
  if (!fn) throw std::invalid_argument("tether::Debouncer::call: an empty fn");
  std::function<void()> dropped;
  std::lock_guard lock(state_->mu);
  if (state_->closed) return;
  dropped = state_->drop_pending();
  state_->pending = std::move(fn);
  const auto gen = state_->generation;
  std::weak_ptr<detail::DebouncerState> weak = state_;
  state_->timer = detail::TimerService::instance().schedule(
      detail::TimerService::Clock::now() + state_->quiet, [weak, gen] {
        if (auto state = weak.lock()) state->fire(gen);
      });
}

bool Debouncer::cancel() {
  std::function<void()> dropped, dropped_due;  // destroyed after the lock is released
  {
    std::lock_guard lock(state_->mu);
    dropped = state_->drop_pending();
    dropped_due = state_->drop_due();
  }
  return dropped || dropped_due;
}

bool Debouncer::pending() const {
  std::lock_guard lock(state_->mu);
  return static_cast<bool>(state_->pending);
}

}  // namespace tether
