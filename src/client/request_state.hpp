// RequestState: one request's lifecycle, for the plain path and the
// interceptor/retry path alike. Every outcome (completion, failure, timeout,
// abort, client destruction, an interceptor's error) passes one settle(); an
// atomic transition picks the single winner, which then cancels what is left
// (the engine transfer, a back-off timer) and releases the abort registration.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "abort/timer_service.hpp"
#include "client/request_block.hpp"
#include "observe/observer.hpp"
#include "tether/future.hpp"
#include "tether/response.hpp"
#include "transport/engine.hpp"

namespace tether::detail {

class RequestQueue;
struct QueueTicket;
struct RequestEnding;  // observe/request_events.hpp

class RequestState : public std::enable_shared_from_this<RequestState> {
 public:
  enum class Stage : std::uint8_t { Queued, Intercepting, InFlight, Backoff, Settled };

  // Its promise and config come made (make_request_state puts the three in
  // one allocation, request_block.hpp).
  RequestState(RequestParts&& parts, std::shared_ptr<Engine> engine,
               std::vector<std::string> default_header_names);
  RequestState(std::shared_ptr<Engine> engine, RequestConfig&& config,
               std::vector<std::string> default_header_names);
  RequestState(const RequestState&) = delete;
  RequestState& operator=(const RequestState&) = delete;
  virtual ~RequestState() = default;

  Future<Response> future() { return promise_.get_future(); }
  // Lets `signal` abort the request (at once, if it already has), and
  // `closing` (the client going away) too.
  void watch(const AbortSignal& signal, const AbortSignal& closing);
  // One more signal (an interceptor attached it); none if it is one already
  // watched or a default signal.
  void watch_also(const AbortSignal& signal);

  Stage stage() const noexcept { return stage_.load(std::memory_order_acquire); }
  bool settled() const noexcept { return stage() == Stage::Settled; }
  // Moves to `next`; false (and no move) once settled.
  bool enter(Stage next) noexcept;

  // The one choke point: true only for the call that settled the request.
  bool settle(Result<Response> outcome);
  // As settle, for an outcome holding a Response: the request's config is
  // moved (or copied, if still shared) into it once this call has won.
  bool settle_response(Result<Response>&& outcome);
  // The abort callback: O(1) small work on the aborting thread (the Error
  // shares the config; nothing is copied).
  void abort(const AbortReason& reason);

  // A try's outcome (engine or decode thread). The plain request settles
  // with it; the pipeline decides on retries and response interceptors.
  virtual void on_try_done(Result<Response> outcome);

  // The config now (interceptors replace it; readers get a shared snapshot).
  std::shared_ptr<const RequestConfig> config() const;
  void set_config(RequestConfig&& next);
  const std::vector<std::string>& default_header_names() const noexcept { return header_names_; }
  const std::shared_ptr<Engine>& engine() const noexcept { return engine_; }

  // --- the try in flight (dispatch.cpp) ---
  // Opens a try; its number ties the calls below to it.
  std::uint64_t begin_try(std::shared_ptr<TransferStatus> status);
  // Records the try's transfer; false when the request is already settled
  // (the caller cancels the transfer).
  bool track_transfer(std::uint64_t try_number, TransferId id);
  // The engine is done with the try's transfer: nothing left to cancel.
  void end_try(std::uint64_t try_number);
  // Records a back-off timer; false when already settled (caller cancels it).
  bool track_timer(TimerService::Id id);
  void timer_fired();
  // What a user callback on the engine thread (on_data, progress) threw, so
  // the request's Error keeps it as cause().
  void note_user_error(std::exception_ptr e);
  // Takes it (the Error keeps the one reference: nothing here outlives it).
  std::exception_ptr take_user_error();

  // --- fair queues (issue 14): the client's queue, when it has limits ---
  // Set before the first try; the tries of the request then wait their turn.
  void use_queue(std::shared_ptr<RequestQueue> queue) noexcept { queue_ = std::move(queue); }
  const std::shared_ptr<RequestQueue>& queue() const noexcept { return queue_; }
  // Records the try's place in the queue: it leaves when the try ends or the
  // request settles. False (nothing recorded) when already settled.
  bool track_ticket(std::shared_ptr<QueueTicket> ticket);
  // The reason of the request's signal if it has fired, though its callback
  // may not have run yet (one abort() of many requests): the queue starts no
  // such try, it aborts the request at once instead.
  std::optional<AbortReason> pending_abort() const;
  // --- observability (observe/request_events.cpp) ---
  // Set once, before watch(): the request's link to the client's event hook
  // (null: no hook, and every notify below is one branch).
  void observe(std::shared_ptr<const RequestObserver> observer) { observer_ = std::move(observer); }
  const std::shared_ptr<const RequestObserver>& observer() const noexcept { return observer_; }
  // Engine thread: emits `event` (Retried, Hedged, Queued, Dequeued, …).
  void notify(RequestEvent& event) const {
    if (observer_) observer_->emit(event);
  }
  // Any thread: Started, delivered on the engine thread before anything else;
  // for a hedged request's extra copy, Hedged right after it.
  void notify_started(int hedge_copy = 0);

  // --- hedging (issue 14): told once when the first try leaves for the engine ---
  void on_dispatched(std::function<void()> fn) {
    const bool set = static_cast<bool>(fn);
    dispatched_hook_ = std::move(fn);
    hook_pending_.store(set, std::memory_order_release);
  }
  // Runs the hook set above, once (any thread; it runs no user code).
  void dispatched();

 private:
  bool claim() noexcept { return stage_.exchange(Stage::Settled) != Stage::Settled; }
  void release();

  std::shared_ptr<Engine> engine_;
  Promise<Response> promise_;
  std::atomic<Stage> stage_{Stage::Queued};
  const std::vector<std::string> header_names_;

  // Guards what an abort on any thread reads or takes: small fields only, and
  // no user code or waiting runs under it.
  mutable std::mutex mu_;
  std::shared_ptr<RequestConfig> config_;  // never mutated while shared
  std::shared_ptr<TransferStatus> status_;
  std::uint64_t try_number_ = 0;
  bool try_open_ = false;
  TransferId transfer_ = 0;
  TimerService::Id timer_ = 0;
  std::exception_ptr user_error_;
  AbortRegistration registration_;
  AbortRegistration closing_registration_;
  AbortSignal watched_;                  // the signal `registration_` is on
  AbortRegistration late_registration_;  // watch_also's
  AbortSignal late_watched_;             // the signal `late_registration_` is on
  // Fair queues: the queue, set once before any try; the try's ticket (mu_).
  std::shared_ptr<RequestQueue> queue_;
  std::shared_ptr<QueueTicket> ticket_;

  // --- observability ---
  // The winner of settle(): Aborted (for an abort) and Finished, on the
  // engine thread (posted there from any other).
  void notify_end(RequestEnding&& ending);
  std::shared_ptr<const RequestObserver> observer_;
  // --- hedging: set before the first try; taken (mu_) by dispatched() ---
  std::function<void()> dispatched_hook_;
  std::atomic<bool> hook_pending_{false};  // the common path (no hook) takes no lock
};

}  // namespace tether::detail
