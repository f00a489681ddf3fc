#include "client/request_queue.hpp"

#include <utility>

namespace tether::detail {

RequestQueue::RequestQueue(std::size_t max_requests, std::size_t max_requests_per_origin)
    : max_requests_(max_requests), max_per_origin_(max_requests_per_origin) {}

std::size_t RequestQueue::level(Priority p) noexcept {
  switch (p) {
    case Priority::High:
      return 0;
    case Priority::Low:
      return 2;
    default:
      return 1;
  }
}

RequestQueue::Placed RequestQueue::enqueue(const std::shared_ptr<QueueTicket>& ticket,
                                           std::function<bool()> start) {
  {
    std::lock_guard lock(mu_);
    if (ticket->state != QueueTicket::State::New) return Placed::Done;
    Origin& origin = origins_[ticket->origin];
    std::size_t at = level(ticket->priority);
    Tickets& tickets = origin.tickets[at];
    if (tickets.empty()) origin.turn[at] = turns_[at].insert(turns_[at].end(), &origin);
    ticket->position = tickets.insert(tickets.end(), ticket);
    ticket->start = std::move(start);
    ticket->state = QueueTicket::State::Waiting;
    ++origin.waiting;
    ++waiting_;
  }
  pump();
  std::lock_guard lock(mu_);
  switch (ticket->state) {
    case QueueTicket::State::Waiting:
      return Placed::Waiting;
    case QueueTicket::State::Running:
      return Placed::Started;
    default:
      return Placed::Done;
  }
}

bool RequestQueue::arm_timer(QueueTicket& ticket, TimerService::Id timer) {
  std::lock_guard lock(mu_);
  if (ticket.state != QueueTicket::State::Waiting) return false;
  ticket.timer = timer;
  return true;
}

bool RequestQueue::leave(QueueTicket& ticket) {
  std::function<bool()> start;  // a waiting try's: freed outside the lock
  TimerService::Id timer = 0;
  auto was = take_out(ticket, start, timer);
  if (timer) TimerService::instance().cancel(timer);
  // A running try frees its slot: the next one starts.
  if (was == QueueTicket::State::Running) pump();
  return was == QueueTicket::State::Waiting;
}

bool RequestQueue::withdraw(QueueTicket& ticket) {
  std::function<bool()> start;
  TimerService::Id timer = 0;
  bool was_waiting = take_out(ticket, start, timer, true) == QueueTicket::State::Waiting;
  if (timer) TimerService::instance().cancel(timer);
  return was_waiting;
}

QueueTicket::State RequestQueue::take_out(QueueTicket& ticket, std::function<bool()>& start,
                                          TimerService::Id& timer, bool only_waiting) {
  std::lock_guard lock(mu_);
  if (only_waiting && ticket.state != QueueTicket::State::Waiting) return ticket.state;
  auto was = std::exchange(ticket.state, QueueTicket::State::Done);
  if (was == QueueTicket::State::New || was == QueueTicket::State::Done) return was;
  Origin& origin = origins_.find(ticket.origin)->second;
  if (was == QueueTicket::State::Waiting) {
    start = std::move(ticket.start);
    timer = std::exchange(ticket.timer, 0);
    unlink(ticket, origin);
  } else {
    --origin.running;
    --running_;
  }
  if (origin.running == 0 && origin.waiting == 0) origins_.erase(ticket.origin);
  return was;
}

void RequestQueue::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

std::size_t RequestQueue::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

std::size_t RequestQueue::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void RequestQueue::pump() {
  // A start that settles its request leaves the queue, which pumps again:
  // the loop below goes on instead (no recursion, however many there are).
  thread_local const RequestQueue* pumping = nullptr;
  if (pumping == this) return;
  const RequestQueue* outer = std::exchange(pumping, this);
  struct Restore {
    const RequestQueue* previous;
    ~Restore() { pumping = previous; }
  } restore{outer};
  for (;;) {
    std::shared_ptr<QueueTicket> ticket;
    std::function<bool()> start;
    TimerService::Id timer = 0;
    {
      std::lock_guard lock(mu_);
      ticket = pick();
      if (!ticket) return;
      start = std::move(ticket->start);
      timer = std::exchange(ticket->timer, 0);
    }
    if (timer) TimerService::instance().cancel(timer);
    // A request that settled (or whose signal fired) while it waited opens
    // nothing: its slot goes to the next.
    if (start()) continue;
    std::function<bool()> none;
    take_out(*ticket, none, timer);  // (a loop, not leave(): no recursion)
  }
}

bool RequestQueue::may_run(const Origin& origin) const noexcept {
  return max_per_origin_ == 0 || origin.running < max_per_origin_;
}

std::shared_ptr<QueueTicket> RequestQueue::pick() {
  if (closed_ || (max_requests_ != 0 && running_ >= max_requests_)) return nullptr;
  for (std::size_t at = 0; at < kLevels; ++at) {
    // Origins at their own limit are passed over, not waited for.
    for (Origin* origin : turns_[at]) {
      if (!may_run(*origin)) continue;
      std::shared_ptr<QueueTicket> ticket = origin->tickets[at].front();
      unlink(*ticket, *origin);
      // Taking turns: the origin goes to the back of its priority's line.
      if (!origin->tickets[at].empty()) {
        turns_[at].splice(turns_[at].end(), turns_[at], origin->turn[at]);
      }
      ticket->state = QueueTicket::State::Running;
      ++origin->running;
      ++running_;
      return ticket;
    }
  }
  return nullptr;
}

// Takes a waiting ticket out of its origin's line (lock held).
void RequestQueue::unlink(QueueTicket& ticket, Origin& origin) {
  std::size_t at = level(ticket.priority);
  Tickets& tickets = origin.tickets[at];
  tickets.erase(ticket.position);
  --origin.waiting;
  --waiting_;
  if (tickets.empty()) turns_[at].erase(origin.turn[at]);
}

}  // namespace tether::detail
