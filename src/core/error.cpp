#include "tether/error.hpp"

namespace tether {

struct Error::Impl {
  ErrorCode code;
  std::string message;
  std::optional<AbortReason> reason;
  std::exception_ptr cause;
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

Error::Error(ErrorCode code, std::string message)
    : Error(Impl{code, std::move(message), std::nullopt, nullptr}) {}

Error::Error(Impl&& impl) : impl_(std::make_shared<const Impl>(std::move(impl))) {}

Error Error::canceled(AbortReason reason) {
  // A CancelToken's message is the error's message, as axios' CanceledError.
  std::string message = reason.name == "CanceledError" && !reason.message.empty()
                            ? reason.message
                            : std::string("canceled");
  return Error(Impl{ErrorCode::Canceled, std::move(message), std::move(reason), nullptr});
}

Error Error::from_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& error) {
    return error;
  } catch (const std::exception& other) {
    return Error(Impl{ErrorCode::Unknown, other.what(), std::nullopt, e});
  } catch (...) {
    return Error(Impl{ErrorCode::Unknown, "unknown exception", std::nullopt, e});
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

nlohmann::json Error::to_json() const {
  nlohmann::json j = {
      {"name", is_cancel() ? "CanceledError" : "TetherError"},
      {"code", to_string(code())},
      {"message", impl_->message},
  };
  if (impl_->reason) {
    j["reason"] = {{"name", impl_->reason->name}, {"message", impl_->reason->message}};
  }
  return j;
}

bool is_cancel(const std::exception& e) noexcept {
  const auto* error = dynamic_cast<const Error*>(&e);
  return error && error->is_cancel();
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

}  // namespace tether
