// The client's fair queue in front of the engine: at most max_requests tries
// in flight (max_requests_per_origin per origin); the others wait, by
// priority, FIFO within a priority, origins taking turns. Every operation is
// O(1) in the number of waiting tries (choosing the next one visits only the
// origins that have tries waiting), and no user code runs under its lock: a
// try's start, and the freeing of what it holds, happen outside it.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "abort/timer_service.hpp"
#include "tether/request.hpp"

namespace tether::detail {

// One try's place in the queue. Its fields belong to the queue (read and
// written under its lock only).
struct QueueTicket {
  QueueTicket(std::string origin_key, Priority level)
      : origin(std::move(origin_key)), priority(level) {}
  enum class State { New, Waiting, Running, Done };

  const std::string origin;
  const Priority priority;
  State state = State::New;
  std::function<bool()> start;  // while waiting
  TimerService::Id timer = 0;   // the queued timeout, while waiting
  std::list<std::shared_ptr<QueueTicket>>::iterator position{};
};

class RequestQueue {
 public:
  // 0: no limit.
  RequestQueue(std::size_t max_requests, std::size_t max_requests_per_origin);
  RequestQueue(const RequestQueue&) = delete;
  RequestQueue& operator=(const RequestQueue&) = delete;

  enum class Placed { Started, Waiting, Done };
  // Queues the ticket and starts what the limits allow now, on this thread
  // (the ticket itself, or tries that were ahead of it). `start` runs once,
  // outside the lock; it returns false when its request settled meanwhile
  // (its slot is freed at once). Done: the ticket had already left.
  Placed enqueue(const std::shared_ptr<QueueTicket>& ticket, std::function<bool()> start);
  // Keeps the timer of a waiting ticket's queued timeout, so that leaving
  // the queue cancels it; false (the caller cancels it) if it no longer waits.
  bool arm_timer(QueueTicket& ticket, TimerService::Id timer);
  // The try is over (finished, aborted, timed out, never started): the ticket
  // leaves the queue, or frees its slot and the next try starts. True if it
  // was still waiting. Idempotent.
  bool leave(QueueTicket& ticket);
  // Takes the ticket out only if it still waits (its queued timeout): true
  // then. A ticket that has started keeps its slot.
  bool withdraw(QueueTicket& ticket);
  // The client is going away: nothing starts any more.
  void close();

  // For tests and benchmarks.
  std::size_t waiting() const;
  std::size_t running() const;

 private:
  static constexpr std::size_t kLevels = 3;
  using Tickets = std::list<std::shared_ptr<QueueTicket>>;
  struct Origin {
    std::size_t running = 0;
    std::size_t waiting = 0;
    std::array<Tickets, kLevels> tickets;  // by priority
    // Its place in turns_[level], while tickets[level] is not empty.
    std::array<std::list<Origin*>::iterator, kLevels> turn{};
  };

  static std::size_t level(Priority p) noexcept;
  // Starts the tries the limits allow, one at a time, outside the lock.
  void pump();
  // The next ticket to start, now Running (lock held); null if none may.
  std::shared_ptr<QueueTicket> pick();
  bool may_run(const Origin& origin) const noexcept;
  void unlink(QueueTicket& ticket, Origin& origin);  // lock held
  // Marks the ticket Done and undoes its place (waiting) or slot (running);
  // hands out what must be freed or cancelled outside the lock. What it was.
  // `only_waiting`: leaves a ticket that is not waiting as it is.
  QueueTicket::State take_out(QueueTicket& ticket, std::function<bool()>& start,
                              TimerService::Id& timer, bool only_waiting = false);

  const std::size_t max_requests_;
  const std::size_t max_per_origin_;
  mutable std::mutex mu_;
  bool closed_ = false;
  std::size_t running_ = 0;
  std::size_t waiting_ = 0;
  std::unordered_map<std::string, Origin> origins_;  // nodes: stable addresses
  // By priority, the origins with tries waiting at it, in turn order.
  std::array<std::list<Origin*>, kLevels> turns_;
};

}  // namespace tether::detail
