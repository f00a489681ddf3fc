// The whole of a request around its tries: request interceptors, retries with
// back-off, the whole-request timeout, response interceptors. Every step runs
// on the engine thread (the serialising of a large body aside) and passes
// through the request's one RequestState; an abort settles the request at once
// from any thread.
#include "client/client_core.hpp"
#include "client/decode.hpp"
#include "client/dispatch.hpp"
#include "client/hedging.hpp"
#include "client/retry_policy.hpp"
#include "http/upload.hpp"
#include "patterns/deadline.hpp"

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class Pipeline final : public RequestState {
 public:
  // (The config is in `parts` already: make_request_state moved it there.)
  Pipeline(RequestParts&& parts, std::shared_ptr<Engine> engine, PreparedConfig&& prepared,
           const Interceptors& interceptors, std::shared_ptr<RetryBudget> budget)
      : RequestState(std::move(parts), std::move(engine), std::move(prepared.default_header_names)),
        request_interceptors_(interceptors.request.snapshot()),
        response_interceptors_(interceptors.response.snapshot()),
        budget_(std::move(budget)),
        hedge_copy_(prepared.hedge_copy) {}

  Future<Response> start(const AbortSignal& signal, const AbortSignal& closing) {
    Future<Response> future = this->future();
    watch(signal, closing);
    if (settled()) return future;
    engine()->post([self = self()] { self->run_request_interceptors(); });
    return future;
  }

  // Engine or decode thread; the steps after a try run on the engine thread.
  void on_try_done(Result<Response> outcome) override {
    if (engine()->running_in_this_thread()) return after_try(std::move(outcome));
    engine()->post(make_task([self = self(), outcome = std::move(outcome)]() mutable {
      self->after_try(std::move(outcome));
    }));
  }

 private:
  std::shared_ptr<Pipeline> self() {
    return std::static_pointer_cast<Pipeline>(shared_from_this());
  }

  // Continues on the engine thread once `future` settles.
  // An interceptor's Future that cannot be continued (empty, or consumed)
  // fails the request with that misuse, here on the engine thread.
  template <class T, class OnValue, class OnError>
  void when_settled(Future<T> future, OnValue on_value, OnError on_error) {
    if (!future.valid()) {
      return on_error(with_context(
          Error(ErrorCode::BadOptionValue, "an interceptor returned an empty tether::Future")));
    }
    auto self = this->self();
    std::move(future).then(
        [self, on_value](T value) mutable {
          self->engine()->post(make_task(
              [on_value, value = std::move(value)]() mutable { on_value(std::move(value)); }));
        },
        [self, on_error](const Error& e) mutable {
          self->engine()->post([on_error, e]() mutable { on_error(e); });
        });
  }

  // `e`, saying why a retryable failure was not retried.
  static Error not_retried(const Error& e, std::string_view why) {
    Error out = Error(e.code(), std::string(e.what()) + " (not retried: " + std::string(why) + ")")
                    .with_request(e.config(), e.phase(), e.maybe_delivered())
                    .with_transport(e.transport())
                    .with_transfer(e.transfer());
    return e.response() ? out.with_response(*e.response()) : out;
  }

  Error with_context(Error e) const {
    return e.config().url.empty() ? e.with_request(config(), e.phase(), e.maybe_delivered()) : e;
  }
  Error from_current_exception() const {
    return with_context(Error::from_exception(std::current_exception()));
  }

  // --- request interceptors: last added runs first ---

  void run_request_interceptors(std::size_t left = std::size_t(-1)) {
    if (left == std::size_t(-1)) left = request_interceptors_.size();
    if (!enter(Stage::Intercepting)) return;
    while (left > 0) {
      if (settled()) return;
      const auto& entry = *request_interceptors_[--left];
      std::optional<Step<RequestConfig>> step;
      try {
        auto config = this->config();
        if (!entry.on_value || (entry.run_when && !entry.run_when(*config))) continue;
        step = entry.on_value(*config);  // a copy: the interceptor takes its own
      } catch (...) {
        return finish(from_current_exception());
      }
      if (auto* value = std::get_if<RequestConfig>(&*step)) {
        set_config(std::move(*value));
        continue;
      }
      // (when_settled checks the Future; then() cannot throw on a valid one.)
      when_settled(
          std::move(std::get<Future<RequestConfig>>(*step)),
          [self = self(), left](RequestConfig next) {
            self->set_config(std::move(next));
            self->run_request_interceptors(left);
          },
          [self = self()](const Error& e) { self->finish(self->with_context(e)); });
      return;
    }
    // An interceptor may have attached a signal or token (axios reads them
    // after the interceptors): it cancels the request too.
    if (!request_interceptors_.empty()) watch_also(request_signal(*config()));
    // An extra copy of a hedged request goes only if it is still idempotent.
    if (hedge_copy_ > 0) {
      if (auto refused = refuse_hedge_copy(*config())) return finish(std::move(*refused));
    }
    start_try();
  }

  // --- tries ---

  // What is left of a whole-request timeout (retries on, per_try_timeout off)
  // and of the deadlines, and which of them binds this try.
  std::optional<TimeLeft> time_left(const RequestConfig& config) {
    bool whole = config.retry && !config.retry->per_try_timeout &&
                 config.timeout.value_or(milliseconds(0)).count() > 0;
    if (whole && !deadline_) deadline_ = Clock::now() + *config.timeout;
    return limit_for_try(config, whole ? deadline_ : std::nullopt, Clock::now());
  }

  Error whole_timeout_error(const RequestConfig& config) const {
    ErrorCode code = config.transitional.clarify_timeout_error.value_or(false) ? ErrorCode::TimedOut
                                                                               : ErrorCode::Timeout;
    return Error(code, "timeout of " +
                           std::to_string(config.timeout.value_or(milliseconds(0)).count()) +
                           "ms exceeded");
  }

  // The error of a try that ran out of the time `bound` gave it.
  Error limit_error(const RequestConfig& config, Limit bound) const {
    if (bound == Limit::WholeTimeout) return whole_timeout_error(config);
    return deadline_error(config, bound);
  }

  // `e`, saying which limit hit when it is the timeout this try was given.
  Error explain_timeout(const Error& e, const RequestConfig& config) const {
    bool given = bound_ != Limit::Timeout && bound_ != Limit::None &&
                 (e.code() == ErrorCode::Timeout || e.code() == ErrorCode::TimedOut) &&
                 std::string_view(e.what()).rfind("timeout of ", 0) == 0;
    if (!given) return e;
    return limit_error(config, bound_)
        .with_request(e.config(), e.phase(), e.maybe_delivered())
        .with_transfer(e.transfer());
  }

  void start_try() {
    if (!enter(Stage::InFlight)) return;
    auto config = this->config();
    auto left = time_left(*config);
    bound_ = left ? left->bound : Limit::None;
    if (left && left->left.count() <= 0) {
      return finish(
          limit_error(*config, left->bound).with_request(config, RequestPhase::Queued, false));
    }
    // Sent per try, after the interceptors: what this try has left.
    if (left && config->deadline_header) {
      RequestConfig next = *config;
      next.headers.set(*config->deadline_header,
                       deadline_header_value(left->left, config->deadline_format));
      set_config(std::move(next));
    }
    ++tries_;
    if (std::exchange(restart_body_, false)) {
      if (auto error = restart_stream(config->data)) {
        return finish(error->with_request(config, RequestPhase::Queued, false));
      }
    }
    std::optional<milliseconds> timeout;
    if (left) timeout = left->left;
    if (!serialize_off_loop(config->data)) return start_transfer(self(), timeout, &streamed_);
    // The engine only moves bytes: a large body is serialised on a worker.
    decode_executor()->post(
        [self = self(), timeout] { start_transfer(self, timeout, &self->streamed_); });
  }

  void after_try(Result<Response> outcome) {
    if (settled()) return;
    if (!outcome) return after_failed_try(outcome.error());
    if (budget_ && config()->retry) budget_->on_success();
    if (response_interceptors_.empty()) return finish(std::move(outcome));
    Response response = std::move(outcome).value();
    response.config = *config();  // the interceptors read it
    finish(Result<Response>(std::move(response)));
  }

  void after_failed_try(const Error& e) {
    auto config = this->config();
    std::optional<milliseconds> delay;
    if (config->retry) delay = retry_delay(*config->retry, tries_, config->method, e);
    // A retry would stream the body again from byte 0 on top of what the user
    // already has (a download file would get its start twice).
    if (delay && streamed_.load(std::memory_order_acquire)) {
      return finish(
          not_retried(e, "part of the body was already delivered to on_response/on_data"));
    }
    // A streamed upload the server may have read cannot be sent again unless
    // it restarts (a file can; a producer only with a restart function).
    bool body_read = e.maybe_delivered() && config->data.stream_source();
    if (delay && body_read && !config->data.replayable()) {
      return finish(not_retried(
          e,
          "the request body is a stream without a restart function, so it cannot be sent again"));
    }
    if (delay && body_read) restart_body_ = true;
    // A try given what was left of the whole-request timeout or a deadline
    // reports that limit.
    if (!delay) return finish(explain_timeout(e, *config));
    auto due = Clock::now() + *delay;
    // A back-off that would outlast the whole-request timeout or a deadline
    // ends now, with the error the request has (not a timeout it would only
    // wait for).
    auto end = earliest_end(*config, deadline_);
    if (end && due >= *end) return finish(explain_timeout(e, *config));
    if (budget_ && !budget_->try_spend()) {
      return finish(not_retried(e, "the client's retry budget is exhausted"));
    }
    if (!enter(Stage::Backoff)) return;
    if (observer()) {
      RequestEvent retried;
      retried.kind = EventKind::Retried;
      retried.phase = e.phase();
      retried.attempt = tries_ + 1;
      retried.delay = *delay;
      retried.error = &e;
      notify(retried);
    }
    auto id = TimerService::instance().schedule(due, [self = self()] {
      self->engine()->post([self] {
        self->timer_fired();
        self->start_try();
      });
    });
    if (!track_timer(id)) TimerService::instance().cancel(id);
  }

  // --- response interceptors: first added runs first ---

  void finish(Result<Response> result, std::size_t next = 0) {
    if (!enter(Stage::Intercepting)) return;
    while (next < response_interceptors_.size()) {
      if (settled()) return;
      const auto& entry = *response_interceptors_[next++];
      std::optional<Step<Response>> step;
      try {
        if (result && entry.on_value) {
          step = entry.on_value(std::move(result).value());
        } else if (!result && entry.on_error) {
          step = entry.on_error(result.error());
        } else {
          continue;
        }
      } catch (...) {
        result = Result<Response>(from_current_exception());
        continue;
      }
      if (auto* value = std::get_if<Response>(&*step)) {
        result = Result<Response>(std::move(*value));
        continue;
      }
      when_settled(
          std::move(std::get<Future<Response>>(*step)),
          [self = self(), next](Response r) { self->finish(Result<Response>(std::move(r)), next); },
          [self = self(), next](const Error& e) { self->finish(self->with_context(e), next); });
      return;
    }
    // Without response interceptors the config has not been attached yet.
    if (result && response_interceptors_.empty()) {
      settle_response(std::move(result));
    } else {
      settle(std::move(result));
    }
  }

  const std::vector<std::shared_ptr<const RequestInterceptor>> request_interceptors_;
  const std::vector<std::shared_ptr<const ResponseInterceptor>> response_interceptors_;
  // Engine thread only (steps run one after another there).
  int tries_ = 0;
  // A try called on_response or on_data: no retry may stream the body again.
  std::atomic<bool> streamed_{false};
  bool restart_body_ = false;                  // the next try restarts a streamed upload first
  std::optional<Clock::time_point> deadline_;  // the whole-request timeout, across retries
  Limit bound_ = Limit::None;                  // what limits the try in flight
  const std::shared_ptr<RetryBudget> budget_;  // the client's; null: no budget
  const int hedge_copy_;                       // a hedged request's extra copy: 1, 2, …
};

}  // namespace

Future<Response> run_request(const EngineOwner& owner, PreparedConfig&& prepared,
                             const Interceptors& interceptors) {
  AbortSignal signal = request_signal(prepared.config);
  bool plain = interceptors.request.size() == 0 && interceptors.response.size() == 0 &&
               (!prepared.config.retry || prepared.config.retry->retries <= 0) &&
               !has_deadline(prepared.config);
  auto observer = make_observer(owner.event_hook, prepared.config);
  const int prepared_hedge_copy = prepared.hedge_copy;
  if (!plain) {
    auto pipeline =
        make_request_state<Pipeline>(owner.engine, std::move(prepared.config), owner.engine,
                                     std::move(prepared), interceptors, owner.retry_budget);
    pipeline->use_queue(owner.queue);
    pipeline->observe(std::move(observer));
    pipeline->notify_started(prepared_hedge_copy);
    pipeline->on_dispatched(std::move(prepared.on_dispatched));
    return pipeline->start(signal, owner.closing.signal());
  }
  // The plain request: one try, settled by the state itself. It never waits
  // outside the engine, whose shutdown fails its transfer, so it does not
  // watch `closing` (one registration less on the fast path).
  auto state =
      make_request_state<RequestState>(owner.engine, std::move(prepared.config), owner.engine,
                                       std::move(prepared.default_header_names));
  Future<Response> future = state->future();
  // (With a queue it does wait outside the engine: the client's end settles it.)
  state->use_queue(owner.queue);
  state->observe(std::move(observer));
  state->notify_started(prepared_hedge_copy);
  state->on_dispatched(std::move(prepared.on_dispatched));
  state->watch(signal, owner.queue ? owner.closing.signal() : AbortSignal{});
  if (!state->settled()) start_transfer(state);
  return future;
}

}  // namespace tether::detail
