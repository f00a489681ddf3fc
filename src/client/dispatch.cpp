// One try of a request: from a validated config to a settled future.
#include <algorithm>
#include <atomic>

#include "client/client_core.hpp"

namespace tether::detail {

namespace {

Data unwrap(const RequestConfig& config, const std::string& content_type, std::string body) {
  switch (config.response_type.value_or(ResponseType::Auto)) {
    case ResponseType::Auto:
      if (body.empty()) return Data::from_text({});  // HEAD, 204, 304: axios' data is ""
      if (Data::is_json_content_type(content_type)) {
        // As axios' silentJSONParsing: a body that claims JSON but does not
        // parse stays text.
        auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        return json.is_discarded() ? Data::from_text(std::move(body))
                                   : Data::from_json(std::move(json));
      }
      return Data::unwrap(content_type, std::move(body));
    case ResponseType::Json:
      return Data::unwrap("application/json", std::move(body));
    case ResponseType::Text:
      return Data::from_text(std::move(body));
    case ResponseType::Bytes:
    case ResponseType::Stream: {
      Bytes bytes(body.size());
      std::transform(body.begin(), body.end(), bytes.begin(),
                     [](char c) { return static_cast<std::byte>(c); });
      return Data::from_bytes(std::move(bytes));
    }
  }
  return Data::from_text(std::move(body));
}

// The response without its config (the caller moves or copies that in).
// Throws Error(BadResponse) when the body does not decode as asked.
Response make_response(TransferResult&& r, const RequestConfig& config) {
  Response response;
  response.status = r.status;
  response.status_text = std::move(r.status_text);
  std::string content_type = r.headers.get("Content-Type").value_or("");
  response.headers = std::move(r.headers);
  response.url = std::move(r.url);
  response.redirects = r.redirects;
  response.http_version = std::move(r.http_version);
  response.data = unwrap(config, content_type, std::move(r.body));
  for (const auto& transform : config.transform_response) {
    if (transform) response.data = transform(std::move(response.data), response.headers);
  }
  return response;
}

// One try in flight: what the abort callback and the engine's completion both
// reach.
struct TryState {
  Promise<Response> promise;
  // The abort (any thread) and the completion (engine thread) race; the one
  // that claims the try settles it, and may then move `config` away.
  std::atomic<bool> claimed{false};
  RequestConfig config;
  std::shared_ptr<TransferStatus> status = std::make_shared<TransferStatus>();
  std::shared_ptr<Engine> engine;
  TransferId id = 0;
  AbortRegistration registration;  // released with the state

  TryState(std::shared_ptr<Engine> e, RequestConfig c)
      : promise(e), config(std::move(c)), engine(std::move(e)) {}

  void abort(const AbortReason& reason) {
    if (claimed.exchange(true)) return;
    Error error = Error::canceled(reason).with_request(std::move(config), status->phase.load(),
                                                       status->maybe_delivered.load());
    promise.set_error(std::move(error));
    if (id != 0) engine->cancel(id);
  }

  void complete(TransferOutcome&& outcome) {
    if (claimed.exchange(true)) return;
    if (auto* failure = std::get_if<TransferFailure>(&outcome)) {
      Error error = failure->code == ErrorCode::Canceled
                        ? Error::canceled({"AbortError", "client destroyed"})
                        : Error(failure->code, failure->message).with_transport(failure->transport);
      if (failure->response) {
        try {
          Response partial = make_response(std::move(*failure->response), config);
          partial.config = config;
          error = error.with_response(std::move(partial));
        } catch (...) {
          // A partial body that does not decode adds nothing to this error.
        }
      }
      promise.set_error(
          error.with_request(std::move(config), failure->phase, failure->maybe_delivered));
      return;
    }
    Response response;
    try {
      response = make_response(std::move(std::get<TransferResult>(outcome)), config);
      response.config = std::move(config);  // claimed: nothing else reads it
    } catch (...) {
      Error e = Error::from_exception(std::current_exception());
      promise.set_error(e.with_request(std::move(config), RequestPhase::Body, true));
      return;
    }
    bool ok = response.config.validate_status ? response.config.validate_status(response.status)
                                              : response.status >= 200 && response.status < 300;
    if (ok) {
      promise.set_value(std::move(response));
      return;
    }
    // axios' settle(): 4xx ERR_BAD_REQUEST, anything else ERR_BAD_RESPONSE.
    ErrorCode code = response.status >= 400 && response.status < 500 ? ErrorCode::BadRequest
                                                                     : ErrorCode::BadResponse;
    Error error(code, "Request failed with status code " + std::to_string(response.status));
    RequestConfig request = response.config;
    promise.set_error(error.with_request(std::move(request), RequestPhase::Body, true)
                          .with_response(std::move(response)));
  }
};

}  // namespace

Future<Response> dispatch(const std::shared_ptr<Engine>& engine, RequestConfig&& config,
                          const AbortSignal& signal,
                          const std::vector<std::string>& default_header_names,
                          std::shared_ptr<TransferStatus> status) {
  auto state = std::make_shared<TryState>(engine, std::move(config));
  if (status) state->status = std::move(status);
  Future<Response> future = state->promise.get_future();

  // Already aborted: fail now, open nothing.
  if (auto reason = signal.reason()) {
    state->abort(*reason);
    return future;
  }
  auto spec = make_spec(state->config, default_header_names);
  if (auto* error = std::get_if<Error>(&spec)) {
    state->promise.set_error(error->with_request(state->config, RequestPhase::Queued, false));
    return future;
  }
  TransferSpec& ready = std::get<TransferSpec>(spec);
  ready.status = state->status;
  state->id = engine->submit(std::move(ready), [state](TransferOutcome&& outcome) {
    state->complete(std::move(outcome));
  });
  // Registered after submit, so the id is known; an abort that came in
  // between runs right here and cancels the queued transfer.
  std::weak_ptr<TryState> weak = state;
  state->registration = signal.on_abort([weak](const AbortReason& reason) {
    if (auto s = weak.lock()) s->abort(reason);
  });
  return future;
}

}  // namespace tether::detail
