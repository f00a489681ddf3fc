#include "tether/cancel_token.hpp"

#include <stdexcept>

#include "abort/signal_state.hpp"
#include "tether/error.hpp"

namespace tether {

namespace {
AbortReason cancel_reason(std::string message) {
  return AbortReason{"CanceledError", std::move(message)};
}
}  // namespace

CancelToken::CancelToken(std::function<void(CancelFunction)> executor) {
  if (!executor) throw std::invalid_argument("tether::CancelToken: the executor is empty");
  auto state = std::make_shared<detail::SignalState>();
  signal_ = detail::SignalState::handle(state);
  executor([state](std::string message) { state->abort(cancel_reason(std::move(message))); });
}

CancelTokenSource CancelToken::source() {
  CancelToken token;
  token.signal_ = detail::SignalState::handle(std::make_shared<detail::SignalState>());
  return CancelTokenSource{std::move(token)};
}

bool CancelToken::requested() const noexcept {
  return signal_.aborted();
}

std::optional<Cancel> CancelToken::reason() const {
  if (auto r = signal_.reason()) return Cancel{std::move(r->message)};
  return std::nullopt;
}

void CancelToken::throw_if_requested() const {
  signal_.throw_if_aborted();
}

AbortRegistration CancelToken::subscribe(std::function<void(const Cancel&)> fn) const {
  if (!fn) return {};
  return signal_.on_abort([fn = std::move(fn)](const AbortReason& r) { fn(Cancel{r.message}); });
}

void CancelTokenSource::cancel(std::string message) const {
  detail::SignalState::of(token.signal())->abort(cancel_reason(std::move(message)));
}

}  // namespace tether
