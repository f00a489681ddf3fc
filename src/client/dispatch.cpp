// One try of a request: from the config to a transfer on the engine, and from
// the transfer's outcome back to the request's state.
#include "client/dispatch.hpp"

#include "client/client_core.hpp"
#include "client/decode.hpp"
#include "core/redact.hpp"
#include "http/upload.hpp"

namespace tether::detail {

namespace {

void decode_and_report(const std::shared_ptr<RequestState>& state, TransferOutcome&& outcome) {
  if (state->settled()) return;  // an abort won while this waited
  Result<Response> result = [&] {
    auto config = state->config();  // dropped before on_try_done, which may move the config
    bool failed = std::holds_alternative<TransferFailure>(outcome);
    return decode_outcome(std::move(outcome), config, failed ? state->take_user_error() : nullptr);
  }();
  state->on_try_done(std::move(result));
}

// Engine thread: the engine only moves bytes, so a large body is decoded on a
// worker.
void on_transfer_done(const std::shared_ptr<RequestState>& state, std::uint64_t try_number,
                      TransferOutcome&& outcome) {
  state->end_try(try_number);
  if (state->settled()) return;
  if (!decode_off_loop(outcome)) return decode_and_report(state, std::move(outcome));
  decode_executor()->post(make_task([state, outcome = std::move(outcome)]() mutable {
    decode_and_report(state, std::move(outcome));
  }));
}

// The engine stops a transfer whose on_data, on_response, validate_status or
// progress callback throws; the state keeps the exception so the Error
// carries it as cause().
// `mark` (owned by the state) records that the callback ran.
template <class F>
void contain(F& callback, const std::weak_ptr<RequestState>& weak,
             std::atomic<bool>* mark = nullptr) {
  if (!callback) return;
  callback = [inner = std::move(callback), weak, mark](const auto& arg) {
    using R = decltype(inner(arg));
    // A settled request's callbacks stay quiet (the engine stops its transfer
    // soon after; the user must not hear from it meanwhile).
    auto state = weak.lock();
    if (!state || state->settled()) return R();
    if (mark) mark->store(true, std::memory_order_release);
    try {
      return inner(arg);
    } catch (...) {
      state->note_user_error(std::current_exception());
      throw;
    }
  };
}

// A try that waited in the queue ran with what was left of its timeout; its
// timeout error names the one the user gave.
void name_timeout(TransferOutcome& outcome, std::chrono::milliseconds asked) {
  auto* failure = std::get_if<TransferFailure>(&outcome);
  if (!failure || (failure->code != ErrorCode::Timeout && failure->code != ErrorCode::TimedOut) ||
      failure->message.rfind("timeout of ", 0) != 0) {
    return;
  }
  failure->message = "timeout of " + std::to_string(asked.count()) + "ms exceeded";
}

// The spec for the config now, or the try's Error.
std::variant<TransferSpec, Error> spec_for(const RequestState& state,
                                           const std::shared_ptr<const RequestConfig>& config) {
  try {
    auto spec = make_spec(*config, state.default_header_names());
    if (auto* error = std::get_if<Error>(&spec)) {
      return error->with_request(config, RequestPhase::Queued, false);
    }
    return spec;
  } catch (...) {
    // transform_request or params_serializer threw.
    return Error::from_exception(std::current_exception())
        .with_request(config, RequestPhase::Queued, false);
  }
}

// The loop's events for this try (phase changes, redirects), quiet once the
// request is settled (its Finished is on its way).
void observe_transfer(TransferSpec& spec, const std::shared_ptr<RequestState>& state,
                      std::uint64_t try_number) {
  if (!spec.extras) spec.extras = std::make_unique<TransferSpec::Extras>();
  spec.extras->on_event = [weak = std::weak_ptr<RequestState>(state),
                           attempt = static_cast<int>(try_number)](RequestEvent& event) {
    auto state = weak.lock();
    if (!state || state->settled()) return;
    event.attempt = attempt;
    std::string next;
    if (event.kind == EventKind::Redirected) {
      next = redact_userinfo(std::string(event.url));
      event.url = next;
    }
    state->notify(event);
  };
}

}  // namespace

void start_transfer(const std::shared_ptr<RequestState>& state,
                    std::optional<std::chrono::milliseconds> timeout, std::atomic<bool>* streamed) {
  auto made = spec_for(*state, state->config());
  if (auto* error = std::get_if<Error>(&made)) return state->on_try_done(std::move(*error));
  TransferSpec& spec = std::get<TransferSpec>(made);
  if (timeout) spec.timeout = *timeout;
  if (spec.extras) {
    std::weak_ptr<RequestState> weak = state;
    contain(spec.extras->on_data, weak, streamed);
    contain(spec.extras->on_response, weak, streamed);
    contain(spec.extras->validate_status, weak);
    contain(spec.extras->on_upload_progress, weak);
    contain(spec.extras->on_download_progress, weak);
  }
  if (spec.upload) {
    std::weak_ptr<RequestState> weak = state;
    spec.upload->on_throw = [weak](std::exception_ptr e) {
      if (auto s = weak.lock()) s->note_user_error(e);
    };
  }
  std::uint64_t try_number = state->begin_try(spec.status);
  if (state->settled()) return;  // aborted meanwhile: open nothing
  if (state->observer()) observe_transfer(spec, state, try_number);
  if (state->queue()) return queue_transfer(state, try_number, std::move(spec));
  submit_transfer(state, try_number, std::move(spec));
}

void submit_transfer(const std::shared_ptr<RequestState>& state, std::uint64_t try_number,
                     TransferSpec&& spec, std::chrono::milliseconds asked,
                     std::chrono::microseconds queued) {
  const auto& engine = state->engine();
  TransferId id = engine->submit(std::move(spec),
                                 [state, try_number, asked, queued](TransferOutcome&& outcome) {
                                   if (asked.count() > 0) name_timeout(outcome, asked);
                                   if (queued.count() > 0) add_queue_time(outcome, queued);
                                   on_transfer_done(state, try_number, std::move(outcome));
                                 });
  if (!state->track_transfer(try_number, id)) return engine->cancel(id);
  state->dispatched();  // a hedge's delay runs from here (hedging.cpp)
}

}  // namespace tether::detail
