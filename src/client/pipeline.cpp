// The whole of a request around its tries: request interceptors, retries with
// back-off, the whole-request timeout, response interceptors. Every step runs
// on the engine thread; an abort settles the request at once from any thread.
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>

#include "abort/timer_service.hpp"
#include "client/client_core.hpp"

namespace tether::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Retry-After: delta-seconds or an HTTP-date.
std::optional<milliseconds> parse_retry_after(const std::string& value) {
  if (!value.empty() && std::all_of(value.begin(), value.end(), ::isdigit)) {
    return std::chrono::seconds(std::stoll(value.substr(0, 9)));
  }
  std::tm tm{};
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
    auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto left = when - std::chrono::system_clock::now();
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(left));
  }
  return std::nullopt;
}

bool method_listed(const std::vector<std::string>& methods, const std::string& method) {
  std::string m = method.empty() ? "GET" : method;
  return std::any_of(methods.begin(), methods.end(),
                     [&](const std::string& listed) { return iequals(listed, m); });
}

struct Pipeline : std::enable_shared_from_this<Pipeline> {
  std::shared_ptr<Engine> engine;
  RequestConfig config;
  std::vector<std::string> default_header_names;
  std::vector<std::shared_ptr<const RequestInterceptor>> request_interceptors;
  std::vector<std::shared_ptr<const ResponseInterceptor>> response_interceptors;
  Promise<Response> promise;
  AbortSignal signal;
  AbortRegistration registration;
  int tries = 0;
  std::optional<Clock::time_point> deadline;  // the whole-request timeout, across retries

  // Engine thread only, but for `config`'s writes, which an abort on another
  // thread may read: set_config.
  void set_config(RequestConfig next) {
    std::lock_guard lock(mu);
    config = std::move(next);
  }

  std::mutex mu;  // guards the two below and config's writes; an abort reads them
  std::shared_ptr<TransferStatus> try_status;
  TimerService::Id backoff_timer = 0;

  Pipeline(std::shared_ptr<Engine> e, PreparedConfig&& prepared, const Interceptors& interceptors)
      : engine(std::move(e)),
        config(std::move(prepared.config)),
        default_header_names(std::move(prepared.default_header_names)),
        request_interceptors(interceptors.request.snapshot()),
        response_interceptors(interceptors.response.snapshot()),
        promise(engine) {}

  Future<Response> start() {
    Future<Response> future = promise.get_future();
    signal = request_signal(config);
    if (auto reason = signal.reason()) {
      on_abort(*reason);
      return future;
    }
    std::weak_ptr<Pipeline> weak = shared_from_this();
    registration = signal.on_abort([weak](const AbortReason& reason) {
      if (auto self = weak.lock()) self->on_abort(reason);
    });
    engine->post([self = shared_from_this()] { self->run_request_interceptors(); });
    return future;
  }

  // Any thread: settles now, with the phase of the try in flight if any.
  void on_abort(const AbortReason& reason) {
    TimerService::Id timer;
    std::shared_ptr<TransferStatus> status;
    RequestConfig snapshot;
    {
      std::lock_guard lock(mu);
      timer = std::exchange(backoff_timer, 0);
      status = try_status;
      snapshot = config;  // an interceptor on the engine thread may be replacing it
    }
    if (timer) TimerService::instance().cancel(timer);
    RequestPhase phase = status ? status->phase.load() : RequestPhase::Queued;
    bool delivered = status && status->maybe_delivered.load();
    promise.set_error(Error::canceled(reason).with_request(std::move(snapshot), phase, delivered));
  }

  // Continues on the engine thread once `future` settles.
  template <class T, class OnValue, class OnError>
  void when_settled(Future<T> future, OnValue on_value, OnError on_error) {
    auto self = shared_from_this();
    std::move(future).then(
        [self, on_value](T value) mutable {
          self->engine->post(
              [on_value, value = std::move(value)]() mutable { on_value(std::move(value)); });
        },
        [self, on_error](const Error& e) mutable {
          self->engine->post([on_error, e] { on_error(e); });
        });
  }

  Error with_context(Error e) const {
    return e.config().url.empty() ? e.with_request(config, e.phase(), e.maybe_delivered()) : e;
  }

  // --- request interceptors: last added runs first ---

  void run_request_interceptors(std::size_t left = std::size_t(-1)) {
    if (left == std::size_t(-1)) left = request_interceptors.size();
    while (left > 0) {
      if (promise.settled()) return;
      const auto& entry = *request_interceptors[--left];
      try {
        if (entry.run_when && !entry.run_when(config)) continue;
        auto step = entry.on_value(config);
        if (auto* value = std::get_if<RequestConfig>(&step)) {
          set_config(std::move(*value));
          continue;
        }
        auto self = shared_from_this();
        when_settled(
            std::move(std::get<Future<RequestConfig>>(step)),
            [self, left](RequestConfig next) {
              self->set_config(std::move(next));
              self->run_request_interceptors(left);
            },
            [self](const Error& e) { self->finish(Result<Response>(self->with_context(e))); });
        return;
      } catch (...) {
        return finish(
            Result<Response>(with_context(Error::from_exception(std::current_exception()))));
      }
    }
    start_try();
  }

  // --- tries ---

  void start_try() {
    if (promise.settled()) return;
    RequestConfig attempt = config;
    const bool whole_timeout = config.retry && !config.retry->per_try_timeout &&
                               config.timeout.value_or(milliseconds(0)).count() > 0;
    if (whole_timeout) {
      if (!deadline) deadline = Clock::now() + *config.timeout;
      auto left = std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) {
        ErrorCode code = config.transitional.clarify_timeout_error.value_or(false)
                             ? ErrorCode::TimedOut
                             : ErrorCode::Timeout;
        Error e(code, "timeout of " +
                          std::to_string(config.timeout.value_or(milliseconds(0)).count()) +
                          "ms exceeded");
        return finish(Result<Response>(e.with_request(config, RequestPhase::Queued, false)));
      }
      attempt.timeout = left;
    }
    ++tries;
    auto status = std::make_shared<TransferStatus>();
    {
      std::lock_guard lock(mu);
      try_status = status;
    }
    auto future = dispatch(engine, std::move(attempt), signal, default_header_names, status);
    auto self = shared_from_this();
    std::move(future).then([self](Response r) { self->finish(Result<Response>(std::move(r))); },
                           [self](const Error& e) { self->after_failed_try(e); });
  }

  void after_failed_try(const Error& e) {
    auto delay = retry_delay(e);
    if (!delay || promise.settled()) {
      // A try given what was left of the whole-request timeout reports the
      // timeout the user set.
      bool whole_timeout = deadline &&
                           (e.code() == ErrorCode::Timeout || e.code() == ErrorCode::TimedOut) &&
                           std::string_view(e.what()).rfind("timeout of ", 0) == 0;
      if (whole_timeout) {
        Error reported(e.code(),
                       "timeout of " +
                           std::to_string(config.timeout.value_or(milliseconds(0)).count()) +
                           "ms exceeded");
        return finish(
            Result<Response>(reported.with_request(config, e.phase(), e.maybe_delivered())));
      }
      return finish(Result<Response>(e));
    }
    auto due = Clock::now() + *delay;
    if (deadline) due = std::min(due, *deadline);  // start_try then reports the timeout
    std::lock_guard lock(mu);
    if (promise.settled()) return;
    backoff_timer = TimerService::instance().schedule(due, [self = shared_from_this()] {
      self->engine->post([self] {
        {
          std::lock_guard lock(self->mu);
          self->backoff_timer = 0;
        }
        self->start_try();
      });
    });
  }

  // How long to wait before the next try, or nullopt if `e` is final.
  std::optional<milliseconds> retry_delay(const Error& e) const {
    if (!config.retry || tries > config.retry->retries) return std::nullopt;
    const RetryPolicy& policy = *config.retry;
    bool retryable = false;
    switch (e.code()) {
      case ErrorCode::Network:
        retryable = true;
        break;
      case ErrorCode::Timeout:
      case ErrorCode::TimedOut:
        retryable = policy.per_try_timeout;
        break;
      case ErrorCode::BadRequest:
      case ErrorCode::BadResponse:
        retryable = e.response() && std::find(policy.statuses.begin(), policy.statuses.end(),
                                              e.response()->status) != policy.statuses.end();
        break;
      default:
        break;
    }
    if (!retryable) return std::nullopt;
    // A method outside the list is retried only if the server cannot have seen it.
    if (!method_listed(policy.methods, config.method) && e.maybe_delivered()) return std::nullopt;

    double base = static_cast<double>(policy.delay.count()) * std::pow(policy.backoff, tries - 1);
    base = std::min(base, static_cast<double>(policy.max_delay.count()));
    if (policy.jitter) {
      thread_local std::mt19937 random{std::random_device{}()};
      base = std::uniform_real_distribution<double>(base / 2, base)(random);
    }
    auto delay = milliseconds(static_cast<long long>(base));
    if (policy.respect_retry_after && e.response()) {
      if (auto header = e.response()->headers.get("Retry-After")) {
        if (auto asked = parse_retry_after(*header)) delay = std::min(*asked, policy.max_delay);
      }
    }
    return delay;
  }

  // --- response interceptors: first added runs first ---

  void finish(Result<Response> result, std::size_t next = 0) {
    while (next < response_interceptors.size()) {
      if (promise.settled()) return;
      const auto& entry = *response_interceptors[next++];
      std::optional<detail::Step<Response>> step;
      try {
        if (result && entry.on_value) {
          step = entry.on_value(std::move(result).value());
        } else if (!result && entry.on_error) {
          step = entry.on_error(result.error());
        } else {
          continue;
        }
      } catch (...) {
        result = Result<Response>(with_context(Error::from_exception(std::current_exception())));
        continue;
      }
      if (auto* value = std::get_if<Response>(&*step)) {
        result = Result<Response>(std::move(*value));
        continue;
      }
      auto self = shared_from_this();
      when_settled(
          std::move(std::get<Future<Response>>(*step)),
          [self, next](Response r) { self->finish(Result<Response>(std::move(r)), next); },
          [self, next](const Error& e) {
            self->finish(Result<Response>(self->with_context(e)), next);
          });
      return;
    }
    promise.settle(std::move(result));  // loses to an abort that came first
    registration.reset();
  }
};

}  // namespace

Future<Response> run_request(const std::shared_ptr<Engine>& engine, PreparedConfig&& prepared,
                             const Interceptors& interceptors) {
  bool plain = interceptors.request.size() == 0 && interceptors.response.size() == 0 &&
               (!prepared.config.retry || prepared.config.retry->retries <= 0);
  if (plain) {
    AbortSignal signal = request_signal(prepared.config);
    return dispatch(engine, std::move(prepared.config), signal, prepared.default_header_names);
  }
  return std::make_shared<Pipeline>(engine, std::move(prepared), interceptors)->start();
}

}  // namespace tether::detail
