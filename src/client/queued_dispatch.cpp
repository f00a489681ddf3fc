// A try through the client's fair queue: it waits its turn, holding its spec,
// and goes to the engine when a slot frees; its timeout runs from the moment
// it was queued.
#include <algorithm>

#include "client/dispatch.hpp"
#include "client/request_queue.hpp"
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

}  // namespace

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
  auto placed = queue->enqueue(ticket, [state, try_number, held, queued_at, timeout] {
    if (state->settled()) return false;
    // The queued try holds the request: settle it now, not when its own
    // abort callback comes.
    if (auto reason = state->pending_abort()) {
      state->abort(*reason);
      return false;
    }
    if (timeout.count() > 0) {
      // The time queued counts: the transfer gets what is left (at least 1ms:
      // the queued timeout would have fired otherwise).
      auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - queued_at);
      held->timeout = std::max(milliseconds(1), timeout - waited);
    }
    submit_transfer(state, try_number, std::move(*held), timeout);
    return true;
  });
  if (placed != RequestQueue::Placed::Waiting || timeout.count() <= 0) return;
  std::weak_ptr<QueueTicket> weak = ticket;
  auto id = TimerService::instance().schedule(queued_at + timeout, [state, weak, timeout, clarify] {
    if (auto ticket = weak.lock()) on_queued_timeout(state, *ticket, timeout, clarify);
  });
  if (!queue->arm_timer(*ticket, id)) TimerService::instance().cancel(id);
}

}  // namespace tether::detail
