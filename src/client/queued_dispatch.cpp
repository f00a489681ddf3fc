// A try through the client's fair queue: it waits its turn, holding its spec,
// and goes to the engine when a slot frees; its timeout runs from the moment
// it was queued, and what it tells the server (the deadline header) is
// computed when it leaves.
#include <algorithm>
#include <mutex>

#include "client/dispatch.hpp"
#include "client/request_queue.hpp"
#include "patterns/deadline.hpp"
#include "tether/error.hpp"

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The try's timeout ran out while it waited (timer thread).
void on_queued_timeout(const std::shared_ptr<RequestState>& state, QueueTicket& ticket,
                       milliseconds timeout, bool clarify) {
  if (!state->queue()->withdraw(ticket)) return;  // it started (or ended) meanwhile
  ErrorCode code = clarify ? ErrorCode::TimedOut : ErrorCode::Timeout;
  Error e(code, "timeout of " + std::to_string(timeout.count()) + "ms exceeded");
  state->on_try_done(e.with_request(state->config(), RequestPhase::Queued, false));
}

// The event hook hears Queued when the try waits and Dequeued when it leaves
// the wait, in that order (both posted to the engine, under this lock): a try
// that started before its Queued was posted has neither.
class QueueEvents {
 public:
  explicit QueueEvents(std::shared_ptr<RequestState> state) : state_(std::move(state)) {}
  void waiting() {
    std::lock_guard lock(mu_);
    if (!left_) queued_ = post(EventKind::Queued);
  }
  void left() {
    std::lock_guard lock(mu_);
    left_ = true;
    if (queued_) post(EventKind::Dequeued);
  }

 private:
  bool post(EventKind kind) {
    state_->engine()->post([state = state_, kind, time = Clock::now()] {
      RequestEvent event;
      event.kind = kind;
      event.phase = RequestPhase::Queued;
      event.time = time;
      state->notify(event);
    });
    return true;
  }
  const std::shared_ptr<RequestState> state_;
  std::mutex mu_;  // two flags; posting runs no user code
  bool queued_ = false;
  bool left_ = false;
};

// The deadline header a try carries, recomputed from what it has left when it
// leaves the queue (start_try computed it when it entered).
void refresh_deadline_header(const RequestState& state, TransferSpec& spec) {
  auto config = state.config();
  const auto& name = config->deadline_header;
  if (!name || !spec.headers.has(*name)) return;
  spec.headers.set(*name, deadline_header_value(spec.timeout, config->deadline_format));
}

}  // namespace

void add_queue_time(TransferOutcome& outcome, std::chrono::microseconds queued) {
  std::visit(
      [queued](auto& o) {
        o.transfer.queued += queued;
        if constexpr (std::is_same_v<std::decay_t<decltype(o)>, TransferFailure>) {
          if (o.response) o.response->transfer.queued += queued;
        }
      },
      outcome);
}

void queue_transfer(const std::shared_ptr<RequestState>& state, std::uint64_t try_number,
                    TransferSpec&& spec) {
  const auto& queue = state->queue();
  auto ticket = std::make_shared<QueueTicket>(origin_of(spec.url),
                                              state->config()->priority.value_or(Priority::Normal));
  if (!state->track_ticket(ticket)) return;  // settled meanwhile: open nothing
  const milliseconds timeout = spec.timeout;
  const bool clarify = spec.clarify_timeout_error;
  const auto queued_at = Clock::now();
  auto held = std::make_shared<TransferSpec>(std::move(spec));
  auto events = state->observer() ? std::make_shared<QueueEvents>(state) : nullptr;
  auto placed = queue->enqueue(ticket, [state, try_number, held, queued_at, timeout, events] {
    if (state->settled()) return false;
    // The queued try holds the request: settle it now, not when its own
    // abort callback comes.
    if (auto reason = state->pending_abort()) {
      state->abort(*reason);
      return false;
    }
    if (events) events->left();
    auto waited = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - queued_at);
    if (timeout.count() > 0) {
      // The time queued counts: the transfer gets what is left (at least 1ms:
      // the queued timeout would have fired otherwise).
      held->timeout =
          std::max(milliseconds(1), timeout - std::chrono::duration_cast<milliseconds>(waited));
      refresh_deadline_header(*state, *held);
    }
    submit_transfer(state, try_number, std::move(*held), timeout, waited);
    return true;
  });
  if (placed == RequestQueue::Placed::Waiting && events) events->waiting();
  if (placed != RequestQueue::Placed::Waiting || timeout.count() <= 0) return;
  std::weak_ptr<QueueTicket> weak = ticket;
  auto id = TimerService::instance().schedule(queued_at + timeout, [state, weak, timeout, clarify] {
    if (auto ticket = weak.lock()) on_queued_timeout(state, *ticket, timeout, clarify);
  });
  if (!queue->arm_timer(*ticket, id)) TimerService::instance().cancel(id);
}

}  // namespace tether::detail
