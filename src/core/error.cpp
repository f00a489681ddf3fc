#include "tether/error.hpp"

#include "core/redact.hpp"
#include "tether/api_client.hpp"
#include "tether/response.hpp"

namespace tether {

struct Error::Impl {
  ErrorCode code;
  std::string message;
  std::optional<AbortReason> reason;
  std::exception_ptr cause;
  std::shared_ptr<const RequestConfig> config;
  // Behind a pointer: a Response is large, and most errors (every abort) have
  // none, yet each Impl is allocated and copied whole by the with_* calls.
  std::shared_ptr<const std::optional<Response>> response;
  RequestPhase phase = RequestPhase::None;
  bool maybe_delivered = false;
  TransportError transport = TransportError::None;
  bool thrown_as_cause = false;
  // Behind a pointer too: only a transfer that failed has one, and an abort's
  // Impl (one per request of a storm, in memory often never touched before)
  // stays about two thirds the size.
  std::shared_ptr<const TransferInfo> transfer{};
};

std::string to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::Canceled:
      return "ERR_CANCELED";
    case ErrorCode::Timeout:
      return "ECONNABORTED";
    case ErrorCode::TimedOut:
      return "ETIMEDOUT";
    case ErrorCode::Network:
      return "ERR_NETWORK";
    case ErrorCode::BadRequest:
      return "ERR_BAD_REQUEST";
    case ErrorCode::BadResponse:
      return "ERR_BAD_RESPONSE";
    case ErrorCode::TooManyRedirects:
      return "ERR_FR_TOO_MANY_REDIRECTS";
    case ErrorCode::InvalidUrl:
      return "ERR_INVALID_URL";
    case ErrorCode::BadOptionValue:
      return "ERR_BAD_OPTION_VALUE";
    case ErrorCode::Unknown:
      return "ERR_UNKNOWN";
  }
  return "ERR_UNKNOWN";
}

std::string to_string(TransportError error) {
  switch (error) {
    case TransportError::None:
      return "none";
    case TransportError::Resolve:
      return "resolve";
    case TransportError::Refused:
      return "refused";
    case TransportError::Connect:
      return "connect";
    case TransportError::TlsHandshake:
      return "tls_handshake";
    case TransportError::TlsVerify:
      return "tls_verify";
    case TransportError::Send:
      return "send";
    case TransportError::Receive:
      return "receive";
    case TransportError::Protocol:
      return "protocol";
    case TransportError::TooLarge:
      return "too_large";
    case TransportError::Timeout:
      return "timeout";
    case TransportError::Proxy:
      return "proxy";
    case TransportError::Decode:
      return "decode";
    case TransportError::Other:
      return "other";
    case TransportError::Policy:
      return "policy";
  }
  return "other";
}

std::string to_string(RequestPhase phase) {
  switch (phase) {
    case RequestPhase::None:
      return "none";
    case RequestPhase::Queued:
      return "queued";
    case RequestPhase::Connect:
      return "connect";
    case RequestPhase::Tls:
      return "tls";
    case RequestPhase::Send:
      return "send";
    case RequestPhase::AwaitHeaders:
      return "await_headers";
    case RequestPhase::Body:
      return "body";
    case RequestPhase::Redirect:
      return "redirect";
  }
  return "none";
}

// Messages often embed a URL (Tether's own, curl's, a user's): its userinfo
// never reaches what() or a log line.
Error::Error(ErrorCode code, std::string message)
    : Error(Impl{code, detail::redact_userinfo(std::move(message)), std::nullopt, nullptr, nullptr,
                 nullptr}) {}

Error::Error(Impl&& impl) : impl_(std::make_shared<const Impl>(std::move(impl))) {}

namespace {
// A CancelToken's message is the error's message, as axios' CanceledError.
std::string canceled_message(const AbortReason& reason) {
  return reason.name == "CanceledError" && !reason.message.empty()
             ? detail::redact_userinfo(reason.message)
             : std::string("canceled");
}
}  // namespace

Error Error::canceled(AbortReason reason) {
  std::string message = canceled_message(reason);
  return Error(
      Impl{ErrorCode::Canceled, std::move(message), std::move(reason), nullptr, nullptr, {}});
}

Error detail::canceled_request_error(const AbortReason& reason,
                                     std::shared_ptr<const RequestConfig> config,
                                     RequestPhase phase, bool maybe_delivered) {
  Error::Impl impl{
      ErrorCode::Canceled, canceled_message(reason), reason, nullptr, std::move(config), {}};
  impl.phase = phase;
  impl.maybe_delivered = maybe_delivered;
  return Error(std::move(impl));
}

Error Error::from_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& error) {
    return error;
  } catch (const std::exception& other) {
    return Error(Impl{
        ErrorCode::Unknown, detail::redact_userinfo(other.what()), std::nullopt, e, nullptr, {}});
  } catch (...) {
    return Error(Impl{ErrorCode::Unknown, "unknown exception", std::nullopt, e, nullptr, {}});
  }
}

ErrorCode Error::code() const noexcept {
  return impl_->code;
}
const char* Error::what() const noexcept {
  return impl_->message.c_str();
}
std::optional<AbortReason> Error::reason() const {
  return impl_->reason;
}
std::exception_ptr Error::cause() const noexcept {
  return impl_->cause;
}
RequestPhase Error::phase() const noexcept {
  return impl_->phase;
}
bool Error::maybe_delivered() const noexcept {
  return impl_->maybe_delivered;
}
TransportError Error::transport() const noexcept {
  return impl_->transport;
}

bool Error::is_timeout() const noexcept {
  return impl_->code == ErrorCode::Timeout || impl_->code == ErrorCode::TimedOut ||
         impl_->transport == TransportError::Timeout ||
         (impl_->reason && impl_->reason->name == "TimeoutError");
}

bool Error::is_transient() const noexcept {
  if (impl_->code == ErrorCode::Canceled) return false;
  if (impl_->code == ErrorCode::Timeout || impl_->code == ErrorCode::TimedOut) return true;
  switch (impl_->transport) {
    case TransportError::Refused:
    case TransportError::Connect:
    case TransportError::Send:
    case TransportError::Receive:
    case TransportError::Timeout:
      return true;
    default:
      break;
  }
  if (impl_->response &&
      (impl_->code == ErrorCode::BadRequest || impl_->code == ErrorCode::BadResponse)) {
    int status = (*impl_->response)->status;
    return status == 408 || status == 429 || status == 502 || status == 503 || status == 504;
  }
  return false;
}

const RequestConfig& Error::config() const {
  static const RequestConfig empty;
  return impl_->config ? *impl_->config : empty;
}

const std::optional<Response>& Error::response() const {
  static const std::optional<Response> none;
  return impl_->response ? *impl_->response : none;
}

Error Error::with_request(RequestConfig config, RequestPhase phase, bool maybe_delivered) const {
  Impl copy = *impl_;
  copy.config = std::make_shared<const RequestConfig>(std::move(config));
  copy.phase = phase;
  copy.maybe_delivered = maybe_delivered;
  return Error(std::move(copy));
}

Error Error::with_request(std::shared_ptr<const RequestConfig> config, RequestPhase phase,
                          bool maybe_delivered) const {
  Impl copy = *impl_;
  copy.config = std::move(config);
  copy.phase = phase;
  copy.maybe_delivered = maybe_delivered;
  return Error(std::move(copy));
}

Error Error::with_transport(TransportError transport) const {
  Impl copy = *impl_;
  copy.transport = transport;
  return Error(std::move(copy));
}

Error Error::with_response(Response response) const {
  Impl copy = *impl_;
  copy.response = std::make_shared<const std::optional<Response>>(std::move(response));
  return Error(std::move(copy));
}

Error Error::with_cause(std::exception_ptr cause, bool thrown_as_cause) const {
  Impl copy = *impl_;
  copy.cause = std::move(cause);
  copy.thrown_as_cause = thrown_as_cause && copy.cause;
  return Error(std::move(copy));
}

bool Error::thrown_as_cause() const noexcept {
  return impl_->thrown_as_cause;
}

namespace {
const TransferInfo& no_transfer() noexcept {
  static const TransferInfo none{};
  return none;
}
}  // namespace

const TransferInfo& Error::transfer() const noexcept {
  return impl_->transfer ? *impl_->transfer : no_transfer();
}

Error Error::with_transfer(const TransferInfo& transfer) const {
  Impl copy = *impl_;
  // Another error's "none" (an interceptor's copy) stays none: no allocation.
  copy.transfer =
      &transfer == &no_transfer() ? nullptr : std::make_shared<const TransferInfo>(transfer);
  return Error(std::move(copy));
}

nlohmann::json Error::to_json() const {
  nlohmann::json j = {
      {"name", is_cancel() ? "CanceledError" : "TetherError"},
      {"code", to_string(code())},
      {"message", impl_->message},
      {"phase", to_string(impl_->phase)},
      {"maybe_delivered", impl_->maybe_delivered},
  };
  if (impl_->transport != TransportError::None) j["transport"] = to_string(impl_->transport);
  if (impl_->reason) {
    j["reason"] = {{"name", impl_->reason->name},
                   {"message", detail::redact_userinfo(impl_->reason->message)}};
  }
  if (impl_->config) {
    j["method"] = impl_->config->method.empty() ? "GET" : impl_->config->method;
    // The config's url as given; its userinfo is a secret (headers, auth and
    // proxy credentials are never printed at all).
    j["url"] = detail::redact_userinfo(impl_->config->url);
  }
  if (impl_->response) j["status"] = (*impl_->response)->status;
  return detail::printable(j);
}

bool is_cancel(const std::exception& e) noexcept {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->is_cancel();
  const auto* api_error = dynamic_cast<const ApiError*>(&e);
  return api_error && api_error->status.is_abort;
}

bool is_cancel(std::exception_ptr e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return is_cancel(ex);
  } catch (...) {
    return false;
  }
}

namespace detail {

void raise(const Error& error) {
  if (error.thrown_as_cause()) std::rethrow_exception(error.cause());
  throw error;
}

}  // namespace detail

}  // namespace tether
