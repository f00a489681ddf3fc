#include "client/request_state.hpp"

#include <utility>

#include "client/request_queue.hpp"
#include "observe/request_events.hpp"

namespace tether::detail {

RequestState::RequestState(RequestParts&& parts, std::shared_ptr<Engine> engine,
                           std::vector<std::string> default_header_names)
    : engine_(std::move(engine)),
      promise_(std::move(parts.promise)),
      header_names_(std::move(default_header_names)),
      config_(std::move(parts.config)) {}

RequestState::RequestState(std::shared_ptr<Engine> engine, RequestConfig&& config,
                           std::vector<std::string> default_header_names)
    : RequestState(RequestParts{Promise<Response>(engine),
                                std::make_shared<RequestConfig>(std::move(config))},
                   engine, std::move(default_header_names)) {}

void RequestState::watch(const AbortSignal& signal, const AbortSignal& closing) {
  std::weak_ptr<RequestState> weak = weak_from_this();
  auto on_abort = [weak](const AbortReason& reason) {
    if (auto self = weak.lock()) self->abort(reason);
  };
  // Registered outside the lock: an aborted signal runs the callback here. A
  // default signal never aborts: no registration (nor its allocation).
  AbortRegistration registration, on_closing;
  if (!(signal == AbortSignal{})) registration = signal.on_abort(on_abort);
  if (!(closing == AbortSignal{})) on_closing = closing.on_abort(on_abort);
  std::lock_guard lock(mu_);
  watched_ = signal;
  if (settled()) return;  // both released on return, outside the lock
  registration_ = std::move(registration);
  closing_registration_ = std::move(on_closing);
}

void RequestState::watch_also(const AbortSignal& signal) {
  {
    std::lock_guard lock(mu_);
    if (signal == AbortSignal{} || signal == watched_) return;
  }
  std::weak_ptr<RequestState> weak = weak_from_this();
  AbortRegistration registration = signal.on_abort([weak](const AbortReason& reason) {
    if (auto self = weak.lock()) self->abort(reason);
  });
  AbortRegistration previous;
  std::lock_guard lock(mu_);
  if (settled()) return;  // released on return, outside the lock
  previous = std::exchange(late_registration_, std::move(registration));
  late_watched_ = signal;
}

bool RequestState::enter(Stage next) noexcept {
  Stage now = stage();
  do {
    if (now == Stage::Settled) return false;
  } while (!stage_.compare_exchange_weak(now, next, std::memory_order_acq_rel));
  return true;
}

bool RequestState::settle(Result<Response> outcome) {
  if (!claim()) return false;
  if (observer_) notify_end(ending_of(outcome));
  promise_.settle(std::move(outcome));
  release();
  return true;
}

bool RequestState::settle_response(Result<Response>&& outcome) {
  if (!outcome) return settle(std::move(outcome));  // (before claim: settle claims)
  if (!claim()) return false;
  Response& response = outcome.value();  // settled as it is: its box moves whole
  if (observer_) notify_end(ending_of(response));
  {
    // Won: no abort reads the config any more; move it when nobody else
    // (an earlier try's Error) shares it.
    std::lock_guard lock(mu_);
    if (config_.use_count() == 1) {
      response.config = std::move(*config_);
    } else {
      response.config = *config_;
    }
  }
  promise_.settle(std::move(outcome));
  release();
  return true;
}

void RequestState::abort(const AbortReason& reason) {
  if (!claim()) return;
  std::shared_ptr<const RequestConfig> config;
  RequestPhase phase = RequestPhase::Queued;
  bool delivered = false;
  {
    std::lock_guard lock(mu_);
    config = config_;
    if (status_) {  // the last try's, during a back-off too
      phase = status_->phase.load();
      delivered = status_->maybe_delivered.load();
    }
  }
  Error error = detail::canceled_request_error(reason, std::move(config), phase, delivered);
  if (observer_) notify_end(ending_of(error, &reason));
  promise_.set_error(std::move(error));
  release();
}

// The winner's clean-up: whatever is left running is stopped.
void RequestState::release() {
  TransferId transfer;
  TimerService::Id timer;
  AbortRegistration registration;
  AbortRegistration on_closing;
  AbortRegistration late;
  std::shared_ptr<QueueTicket> ticket;
  {
    std::lock_guard lock(mu_);
    ticket = std::move(ticket_);
    transfer = std::exchange(transfer_, 0);
    timer = std::exchange(timer_, 0);
    registration = std::move(registration_);
    on_closing = std::move(closing_registration_);
    late = std::move(late_registration_);
  }
  if (timer) TimerService::instance().cancel(timer);
  if (transfer) engine_->cancel(transfer);
  // A running transfer keeps its slot until the engine has cancelled it (the
  // engine runs its commands in order): the limit holds at the server.
  if (ticket && transfer) {
    engine_->post([queue = queue_, ticket] { queue->leave(*ticket); });
  } else if (ticket) {
    queue_->leave(*ticket);  // a waiting try leaves the queue at once
  }
  // From inside its own callback this does not wait; from another thread it
  // waits for a callback that is running, which only finds the request settled.
  registration.reset();
  on_closing.reset();
  late.reset();
}

void RequestState::on_try_done(Result<Response> outcome) {
  if (outcome) {
    settle_response(std::move(outcome));
  } else {
    settle(std::move(outcome));
  }
}

std::shared_ptr<const RequestConfig> RequestState::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void RequestState::set_config(RequestConfig&& next) {
  auto fresh = std::make_shared<RequestConfig>(std::move(next));
  {
    std::lock_guard lock(mu_);
    config_.swap(fresh);
  }
  // `fresh` holds the old config now: freed here, outside the lock.
}

std::uint64_t RequestState::begin_try(std::shared_ptr<TransferStatus> status) {
  std::lock_guard lock(mu_);
  status_ = std::move(status);
  try_open_ = true;
  return ++try_number_;
}

bool RequestState::track_transfer(std::uint64_t try_number, TransferId id) {
  std::lock_guard lock(mu_);
  if (settled()) return false;
  if (try_open_ && try_number == try_number_) transfer_ = id;
  return true;
}

void RequestState::end_try(std::uint64_t try_number) {
  std::shared_ptr<QueueTicket> ticket;
  {
    std::lock_guard lock(mu_);
    if (try_number != try_number_) return;
    try_open_ = false;
    transfer_ = 0;
    ticket = std::move(ticket_);
  }
  if (ticket) queue_->leave(*ticket);  // the next queued try starts
}

bool RequestState::track_ticket(std::shared_ptr<QueueTicket> ticket) {
  std::lock_guard lock(mu_);
  if (settled()) return false;
  ticket_ = std::move(ticket);
  return true;
}

std::optional<AbortReason> RequestState::pending_abort() const {
  std::lock_guard lock(mu_);
  if (auto reason = watched_.reason()) return reason;
  return late_watched_.reason();  // an interceptor's signal cancels as the request's does
}

void RequestState::dispatched() {
  if (!hook_pending_.exchange(false, std::memory_order_acq_rel)) return;
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    hook = std::move(dispatched_hook_);
    dispatched_hook_ = nullptr;
  }
  if (hook) hook();
}

bool RequestState::track_timer(TimerService::Id id) {
  std::lock_guard lock(mu_);
  if (settled()) return false;
  timer_ = id;
  return true;
}

void RequestState::timer_fired() {
  std::lock_guard lock(mu_);
  timer_ = 0;
}

void RequestState::note_user_error(std::exception_ptr e) {
  std::lock_guard lock(mu_);
  if (!user_error_) user_error_ = std::move(e);
}

std::exception_ptr RequestState::take_user_error() {
  std::lock_guard lock(mu_);
  return std::exchange(user_error_, nullptr);
}

}  // namespace tether::detail
