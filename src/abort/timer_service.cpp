#include "abort/timer_service.hpp"

namespace tether::detail {

TimerService& TimerService::instance() {
  // Leaked on purpose: signals may be destroyed during static destruction and
  // still cancel their timers here.
  static TimerService* service = new TimerService();
  return *service;
}

TimerService::TimerService() : thread_([this] { run(); }) {
  thread_.detach();
}

TimerService::Id TimerService::schedule(Clock::time_point when, std::function<void()> task) {
  std::function<void()> dropped;  // destroyed after the lock is released
  std::lock_guard lock(mu_);
  Id id = next_id_++;
  auto it = queue_.emplace(when, std::pair{id, std::move(task)});
  try {
    by_id_.emplace(id, it);
  } catch (...) {
    // Out of memory: no timer half-made. Left queued, the task would keep its
    // request alive behind a timer thread nobody woke (found by alloc_test,
    // AllocFailure.InterceptorsRetriesAndRedirects).
    dropped = std::move(it->second.second);
    queue_.erase(it);
    throw;
  }
  if (it == queue_.begin()) wake_.notify_one();
  return id;
}

bool TimerService::cancel(Id id) noexcept {
  std::function<void()> dropped;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return false;
  dropped = std::move(found->second->second.second);
  queue_.erase(found->second);
  by_id_.erase(found);
  return true;
}

std::size_t TimerService::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void TimerService::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = queue_.begin();
    // A copy: cancel() may erase the entry while this thread waits.
    const Clock::time_point due = first->first;
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    std::function<void()> task = std::move(first->second.second);
    by_id_.erase(first->second.first);
    queue_.erase(first);
    lock.unlock();
    try {
      task();
    } catch (...) {
      // A task that throws (bad_alloc posting to an engine) must not end the
      // timer thread, and with it every other timer of the process.
    }
    task = nullptr;  // release captures before taking the lock again
    lock.lock();
  }
}

}  // namespace tether::detail
