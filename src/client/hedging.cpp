#include "client/hedging.hpp"

#include <algorithm>
#include <vector>

#include "abort/timer_service.hpp"
#include "client/client_core.hpp"

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::int64_t kMilli = 1000;

std::int64_t to_milli(double tokens) {
  return static_cast<std::int64_t>(std::max(0.0, tokens) * kMilli);
}

// gRPC hedges only what its service config calls idempotent; here that is the
// methods RFC 9110 calls idempotent, minus TRACE (never sent by a client).
bool idempotent(const std::string& method) {
  if (method.empty()) return true;  // GET
  for (const char* m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
    if (iequals(method, m)) return true;
  }
  return false;
}

// One hedged request: its copies, and the promise the caller holds.
class HedgeRun : public std::enable_shared_from_this<HedgeRun> {
 public:
  HedgeRun(std::shared_ptr<Executor> executor, std::shared_ptr<HedgeState> state,
           PreparedConfig&& prepared, LaunchCopy launch)
      : executor_(std::move(executor)),
        state_(std::move(state)),
        prepared_(std::move(prepared)),
        launch_(std::move(launch)),
        policy_(*prepared_.config.hedge),
        promise_(executor_) {}

  Future<Response> start() {
    Future<Response> future = promise_.get_future();
    state_->budget->on_request();
    delay_ = policy_.delay;
    if (policy_.percentile > 0) {
      delay_ = state_->latencies.percentile(policy_.percentile, policy_.min_samples)
                   .value_or(policy_.delay);
    }
    watch_caller();
    launch_copy();
    return future;
  }

 private:
  // The caller's abort settles the hedged request at once, on the aborting
  // thread, as it settles any request: a Scope's close returns only after it.
  void watch_caller() {
    AbortSignal caller = request_signal(prepared_.config);
    if (caller == AbortSignal{}) return;
    std::weak_ptr<HedgeRun> weak = weak_from_this();
    AbortRegistration registration = caller.on_abort([weak](const AbortReason& reason) {
      if (auto self = weak.lock()) self->on_caller_abort(reason);
    });
    std::lock_guard lock(mu_);
    if (!done_) registration_ = std::move(registration);
    // (else released on return, after the lock)
  }

  void on_caller_abort(const AbortReason& reason) {
    std::vector<AbortController> copies;
    bool sent = false;
    {
      std::lock_guard lock(mu_);
      sent = dispatched_;
    }
    if (!finish(copies)) return;
    // Each copy has its own phase (the event hook tells them apart): the
    // request says whether any was sent.
    promise_.set_error(Error::canceled(reason).with_request(
        prepared_.config, sent ? RequestPhase::AwaitHeaders : RequestPhase::Queued, sent));
    abort_all(copies, -1, reason);
  }

  // Starts the next copy (unless the request is settled); the one after it is
  // scheduled once this one has left for the engine (copy_dispatched).
  void launch_copy() {
    AbortController controller;
    int index = 0;
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      index = launched_++;
      ++running_;
      controllers_.push_back(controller);
    }
    PreparedConfig copy = prepared_;
    copy.hedge_copy = index;
    std::weak_ptr<HedgeRun> weak = weak_from_this();
    copy.on_dispatched = [weak] {
      if (auto self = weak.lock()) self->copy_dispatched();
    };
    const AbortSignal& caller = copy.config.signal;
    copy.config.signal = caller == AbortSignal{} ? controller.signal()
                                                 : AbortSignal::any({caller, controller.signal()});
    auto started = Clock::now();
    auto self = shared_from_this();
    launch_(std::move(copy))
        .then(
            [self, index, started](Response r) { self->on_success(index, started, std::move(r)); },
            [self, index](const Error& e) { self->on_failure(index, e); });
  }

  // A copy left for the engine (a queue may have held it): the delay before
  // the next copy runs from now.
  void copy_dispatched() {
    std::lock_guard lock(mu_);
    dispatched_ = true;
    if (!done_ && timer_ == 0 && launched_ <= policy_.max_extra) schedule_next();
  }

  // Under mu_. The timer thread only posts: the copy (and what user code it
  // runs, e.g. transform_request) starts on the executor.
  void schedule_next() {
    std::weak_ptr<HedgeRun> weak = weak_from_this();
    timer_ = TimerService::instance().schedule(Clock::now() + delay_, [weak] {
      if (auto self = weak.lock()) self->executor_->post([self] { self->fire(); });
    });
  }

  void fire() {
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      timer_ = 0;
    }
    if (!state_->budget->try_spend()) return;  // over budget: the copies sent go on alone
    launch_copy();
  }

  void on_success(int index, Clock::time_point started, Response response) {
    std::vector<AbortController> others;
    if (!finish(others)) return;
    // A copy that may retry refilled the client's retry budget itself
    // (pipeline.cpp): a success refills it once.
    if (!response.config.retry) state_->budget->on_success();
    state_->latencies.record(std::chrono::duration_cast<milliseconds>(Clock::now() - started));
    response.hedge_copy = index;
    response.config.signal = prepared_.config.signal;  // the caller's, not the copy's
    promise_.set_value(std::move(response));
    abort_all(others, index, {"AbortError", "hedge lost: another copy answered first"});
  }

  // A failure settles the request when no other copy is running, or when it
  // is a cancellation (the caller's signal, or the client going away).
  void on_failure(int index, const Error& error) {
    std::vector<AbortController> others;
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      if (--running_ > 0 && !error.is_cancel()) return;
    }
    if (!finish(others)) return;
    promise_.set_error(error);
    abort_all(others, index, {"AbortError", "hedged request settled"});
  }

  // Marks the request settled; false if it already was. Hands back the
  // copies' controllers, cancels the pending timer and leaves the caller's
  // signal (from inside its callback too: that does not wait).
  bool finish(std::vector<AbortController>& controllers) {
    TimerService::Id timer = 0;
    AbortRegistration registration;
    {
      std::lock_guard lock(mu_);
      if (done_) return false;
      done_ = true;
      controllers.swap(controllers_);
      timer = std::exchange(timer_, 0);
      registration = std::move(registration_);
    }
    if (timer) TimerService::instance().cancel(timer);
    registration.reset();
    return true;
  }

  // Every copy but `settled` (its signal stays as it was, in the config the
  // caller sees); the copies still running close their sockets.
  static void abort_all(std::vector<AbortController>& controllers, int settled,
                        const AbortReason& why) {
    for (std::size_t i = 0; i < controllers.size(); ++i) {
      if (static_cast<int>(i) == settled) continue;
      try {
        controllers[i].abort(why);
      } catch (...) {
        // Only internal callbacks hang on these signals; they do not throw
        // but bad_alloc, and every callback has run anyway.
      }
    }
  }

  const std::shared_ptr<Executor> executor_;
  const std::shared_ptr<HedgeState> state_;
  const PreparedConfig prepared_;  // the template of every copy
  const LaunchCopy launch_;
  const HedgePolicy policy_;
  Promise<Response> promise_;
  milliseconds delay_{0};

  std::mutex mu_;  // small fields only; nothing is called under it
  bool done_ = false;
  int launched_ = 0;
  int running_ = 0;
  std::vector<AbortController> controllers_;
  TimerService::Id timer_ = 0;
  bool dispatched_ = false;         // a copy has left for the engine
  AbortRegistration registration_;  // on the caller's signal
};

}  // namespace

TokenBucketBudget::TokenBucketBudget(const HedgeBudget& budget)
    : cap_(to_milli(budget.max_tokens)),
      earn_(to_milli(budget.ratio)),
      milli_tokens_(to_milli(budget.max_tokens)) {}

void TokenBucketBudget::on_request() noexcept {
  auto v = milli_tokens_.load(std::memory_order_relaxed);
  while (v < cap_ && !milli_tokens_.compare_exchange_weak(v, std::min(cap_, v + earn_))) {
  }
}

bool TokenBucketBudget::try_spend() noexcept {
  auto v = milli_tokens_.load(std::memory_order_relaxed);
  while (v >= kMilli) {
    if (milli_tokens_.compare_exchange_weak(v, v - kMilli)) return true;
  }
  return false;
}

void LatencyWindow::record(milliseconds latency) {
  std::lock_guard lock(mu_);
  samples_[count_++ % samples_.size()] = latency;
}

std::optional<milliseconds> LatencyWindow::percentile(double p, std::size_t min_samples) const {
  std::vector<milliseconds> copy;
  {
    std::lock_guard lock(mu_);
    std::size_t n = std::min(count_, samples_.size());
    if (n == 0 || n < min_samples) return std::nullopt;
    copy.assign(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  auto rank = static_cast<std::size_t>(p * static_cast<double>(copy.size() - 1) + 0.5);
  auto nth = copy.begin() + static_cast<std::ptrdiff_t>(std::min(rank, copy.size() - 1));
  std::nth_element(copy.begin(), nth, copy.end());
  return *nth;
}

std::optional<Error> refuse_hedge_copy(const RequestConfig& config) {
  if (idempotent(config.method)) return std::nullopt;
  return Error(ErrorCode::BadOptionValue, "hedged copy not sent: a request interceptor made it a " +
                                              config.method + " request, which is not idempotent")
      .with_request(config, RequestPhase::Queued, false);
}

bool hedgeable(const RequestConfig& config) {
  if (!config.hedge || config.hedge->max_extra <= 0) return false;
  if (!idempotent(config.method)) return false;
  bool streams = config.on_response || config.on_data || config.flow ||
                 config.response_type == ResponseType::Stream;
  // Copies of a producer body would share (and split) one producer.
  return !streams && !config.on_upload_progress && !config.on_download_progress &&
         !config.data.stream_source();
}

Future<Response> run_hedged(std::shared_ptr<Executor> executor, std::shared_ptr<HedgeState> state,
                            PreparedConfig&& prepared, LaunchCopy launch) {
  const HedgePolicy& policy = *prepared.config.hedge;
  const char* bad = nullptr;
  if (policy.delay.count() < 0) bad = "hedge.delay must not be negative";
  if (!(policy.percentile >= 0 && policy.percentile < 1))
    bad = "hedge.percentile must be in [0, 1)";
  if (bad) {
    return make_error_future<Response>(
        Error(ErrorCode::BadOptionValue, bad)
            .with_request(std::move(prepared.config), RequestPhase::Queued, false),
        executor);
  }
  return std::make_shared<HedgeRun>(std::move(executor), std::move(state), std::move(prepared),
                                    std::move(launch))
      ->start();
}

}  // namespace tether::detail
