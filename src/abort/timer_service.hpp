// One thread that runs timed tasks for the whole process: AbortSignal::timeout
// and the Debouncer share it, so no signal costs a thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tether::detail {

class TimerService {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;  // never 0

  // The process-wide service; its thread starts on first use.
  static TimerService& instance();

  // Runs `task` on the timer thread at `when` (or soon after).
  Id schedule(Clock::time_point when, std::function<void()> task);
  // Removes a task that has not started; true if it was removed. Does not wait
  // for a task that is already running.
  bool cancel(Id id) noexcept;
  std::size_t pending() const;

 private:
  TimerService();
  void run();

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::pair<Id, std::function<void()>>> queue_;
  std::unordered_map<Id, decltype(queue_)::iterator> by_id_;
  Id next_id_ = 1;
  std::thread thread_;
};

}  // namespace tether::detail
